package catalog

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// groupMoves is the groups' state machine: for each status the statuses it
// may move to. finished and canceled are final.
var groupMoves = map[db.GroupStatus][]db.GroupStatus{
	db.GroupStatusPlanned:   {db.GroupStatusEnrolling, db.GroupStatusCanceled},
	db.GroupStatusEnrolling: {db.GroupStatusPlanned, db.GroupStatusRunning, db.GroupStatusCanceled},
	db.GroupStatusRunning:   {db.GroupStatusFinished, db.GroupStatusCanceled},
}

// ListGroups lists a program's groups for staff.
func (s *Handler) ListGroups(ctx context.Context, req api.ListGroupsRequestObject) (api.ListGroupsResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.groupsPage(ctx, prog, false, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	page := api.GroupPage{Items: make([]api.Group, 0, len(rows)), NextCursor: next}
	for _, g := range rows {
		page.Items = append(page.Items, groupDTO(g))
	}
	return api.ListGroups200JSONResponse(page), nil
}

// groupsPage reads one page of a program's groups by (starts_on, id).
func (s *Handler) groupsPage(ctx context.Context, prog db.Program, public bool, limitP *int, cursor *string) ([]db.StudyGroup, *string, error) {
	limit := web.Limit(limitP)
	params := db.ListGroupsPageParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID, PublicOnly: public, Lim: int32(limit + 1)}
	if cursor != nil {
		at, id, err := web.DecodeCursor(*cursor)
		if err != nil {
			return nil, nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterStartsOn, params.AfterID = pgtype.Date{Time: at, Valid: true}, &id
	}
	rows, err := s.Q.ListGroupsPage(ctx, params)
	if err != nil {
		return nil, nil, err
	}
	var next *string
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		c := web.EncodeCursor(last.StartsOn.Time, last.ID)
		next = &c
	}
	return rows, next, nil
}

// CreateGroup adds a planned group to a program.
func (s *Handler) CreateGroup(ctx context.Context, req api.CreateGroupRequestObject) (api.CreateGroupResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	b := req.Body
	in := db.CreateGroupParams{
		OrganizationID: prog.OrganizationID, ProgramID: prog.ID, Code: strings.TrimSpace(b.Code), Title: strings.TrimSpace(deref(b.Title)),
		StartsOn: pgtype.Date{Time: b.StartsOn.Time, Valid: true}, EndsOn: pgtype.Date{Time: b.EndsOn.Time, Valid: true},
		Capacity: deref(b.Capacity), ScheduleNotes: deref(b.ScheduleNotes), Status: db.GroupStatusPlanned,
	}
	if w := b.Enrollment; w != nil {
		in.EnrollmentOpensAt, in.EnrollmentClosesAt = w.OpensAt, w.ClosesAt
	}
	if err := checkGroup(ctx, in.Code, in.StartsOn, in.EndsOn, in.EnrollmentOpensAt, in.EnrollmentClosesAt); err != nil {
		return nil, err
	}
	var out db.StudyGroup
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		out, err = q.CreateGroup(ctx, in)
		return err
	})
	if err != nil {
		return nil, groupWriteError(ctx, err)
	}
	return api.CreateGroup201JSONResponse{Body: groupDTO(out), Headers: api.CreateGroup201ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// GetGroup shows one group to staff.
func (s *Handler) GetGroup(ctx context.Context, req api.GetGroupRequestObject) (api.GetGroupResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	g, err := s.group(ctx, req.OrganizationID, req.ProgramID, req.GroupID)
	if err != nil {
		return nil, err
	}
	return api.GetGroup200JSONResponse{Body: groupDTO(g), Headers: api.GetGroup200ResponseHeaders{ETag: versionTag(g.Version)}}, nil
}

// UpdateGroup changes a group's fields.
func (s *Handler) UpdateGroup(ctx context.Context, req api.UpdateGroupRequestObject) (api.UpdateGroupResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, req.OrganizationID, req.ProgramID, req.GroupID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, g.Version)
	if err != nil {
		return nil, err
	}
	b := req.Body
	in := db.UpdateGroupParams{
		OrganizationID: g.OrganizationID, ID: g.ID, Version: version, Code: g.Code, Title: g.Title, StartsOn: g.StartsOn,
		EndsOn: g.EndsOn, EnrollmentOpensAt: g.EnrollmentOpensAt, EnrollmentClosesAt: g.EnrollmentClosesAt,
		Capacity: g.Capacity, ScheduleNotes: g.ScheduleNotes,
	}
	setTrimmed(&in.Code, b.Code)
	setTrimmed(&in.Title, b.Title)
	if b.StartsOn != nil {
		in.StartsOn = pgtype.Date{Time: b.StartsOn.Time, Valid: true}
	}
	if b.EndsOn != nil {
		in.EndsOn = pgtype.Date{Time: b.EndsOn.Time, Valid: true}
	}
	if w := b.Enrollment; w != nil {
		in.EnrollmentOpensAt, in.EnrollmentClosesAt = w.OpensAt, w.ClosesAt
	}
	set(&in.Capacity, b.Capacity)
	set(&in.ScheduleNotes, b.ScheduleNotes)
	if err := checkGroup(ctx, in.Code, in.StartsOn, in.EndsOn, in.EnrollmentOpensAt, in.EnrollmentClosesAt); err != nil {
		return nil, err
	}
	var out db.StudyGroup
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		out, err = q.UpdateGroup(ctx, in)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.staleGroup(ctx, g)
	}
	if err != nil {
		return nil, groupWriteError(ctx, err)
	}
	return api.UpdateGroup200JSONResponse{Body: groupDTO(out), Headers: api.UpdateGroup200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// DeleteGroup deletes a group nobody was admitted to.
func (s *Handler) DeleteGroup(ctx context.Context, req api.DeleteGroupRequestObject) (api.DeleteGroupResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, req.OrganizationID, req.ProgramID, req.GroupID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, g.Version)
	if err != nil {
		return nil, err
	}
	var n int64
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		n, err = q.DeleteGroup(ctx, db.DeleteGroupParams{OrganizationID: g.OrganizationID, ID: g.ID, Version: version})
		return err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		now, err := s.group(ctx, g.OrganizationID, g.ProgramID, g.ID)
		if err != nil {
			return nil, err
		}
		if now.SeatsTaken > 0 {
			return nil, web.Fail(ctx, http.StatusConflict, codeGroupHasLearners, "Learners were admitted to the group; cancel it instead.")
		}
		return nil, stale(ctx, now.Version)
	}
	return api.DeleteGroup204Response{}, nil
}

// ChangeGroupStatus moves a group through its state machine.
func (s *Handler) ChangeGroupStatus(ctx context.Context, req api.ChangeGroupStatusRequestObject) (api.ChangeGroupStatusResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, req.OrganizationID, req.ProgramID, req.GroupID)
	if err != nil {
		return nil, err
	}
	version, err := optionalIfMatch(ctx, req.Params.IfMatch, g.Version)
	if err != nil {
		return nil, err
	}
	to := db.GroupStatus(req.Body.Status)
	if to == g.Status {
		return api.ChangeGroupStatus200JSONResponse{Body: groupDTO(g), Headers: api.ChangeGroupStatus200ResponseHeaders{ETag: versionTag(g.Version)}}, nil
	}
	if !slices.Contains(groupMoves[g.Status], to) {
		return nil, illegalMove(ctx, "group", string(g.Status), string(to))
	}
	var out db.StudyGroup
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		out, err = q.SetGroupStatus(ctx, db.SetGroupStatusParams{OrganizationID: g.OrganizationID, ID: g.ID, Version: version, Status: to})
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		now, err := s.group(ctx, g.OrganizationID, g.ProgramID, g.ID)
		if err != nil {
			return nil, err
		}
		if now.Status != to && !slices.Contains(groupMoves[now.Status], to) {
			return nil, illegalMove(ctx, "group", string(now.Status), string(to))
		}
		return nil, stale(ctx, now.Version)
	}
	if err != nil {
		return nil, err
	}
	return api.ChangeGroupStatus200JSONResponse{Body: groupDTO(out), Headers: api.ChangeGroupStatus200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// group finds a group of a program of the organization (404 otherwise).
func (s *Handler) group(ctx context.Context, orgID, programID, id uuid.UUID) (db.StudyGroup, error) {
	g, err := s.Q.GetGroup(ctx, db.GetGroupParams{OrganizationID: orgID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && g.ProgramID != programID) {
		return g, notFound(ctx, "There is no such group.")
	}
	return g, err
}

func (s *Handler) staleGroup(ctx context.Context, g db.StudyGroup) error {
	now, err := s.group(ctx, g.OrganizationID, g.ProgramID, g.ID)
	if err != nil {
		return err
	}
	return stale(ctx, now.Version)
}

// checkGroup checks what the schema cannot: a code that is not blank, the
// end not before the start, a window that closes after it opens.
func checkGroup(ctx context.Context, code string, starts, ends pgtype.Date, opens, closes *time.Time) error {
	var fields []api.FieldError
	if code == "" {
		fields = append(fields, web.FieldError("code", "required", "must not be blank"))
	}
	if ends.Time.Before(starts.Time) {
		fields = append(fields, web.FieldError("endsOn", "before_start", "must not be before startsOn"))
	}
	if opens != nil && closes != nil && !closes.After(*opens) {
		fields = append(fields, web.FieldError("enrollment.closesAt", "before_open", "must be after enrollment.opensAt"))
	}
	if len(fields) > 0 {
		return invalid(ctx, fields...)
	}
	return nil
}

func groupWriteError(ctx context.Context, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "23505":
		return web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists, "A group with this code exists in the program.",
			web.FieldError("code", "taken", "is taken"))
	case pe.ConstraintName == "study_groups_seats":
		return invalid(ctx, web.FieldError("capacity", "below_seats_taken", "is below the seats already taken"))
	}
	return err
}
