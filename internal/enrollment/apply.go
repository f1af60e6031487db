package enrollment

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Audit events of this domain, in the organization's log.
const (
	auditJoinedAsApplicant  = "joined_as_applicant"
	auditDocumentDownloaded = "application_document_downloaded"
)

// CreateApplication starts a draft application to a group whose enrollment
// is open, making the caller a learner of the group's organization when
// not yet a member.
func (s *Handler) CreateApplication(ctx context.Context, req api.CreateApplicationRequestObject) (api.CreateApplicationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var out api.Application
	err = store.InTxJobs(ctx, s.Pool, func(dq *db.Queries, tx pgx.Tx) error {
		q := txn{dq, tx}
		g, err := q.GetGroupForApplication(ctx, req.Body.GroupID)
		if errors.Is(err, pgx.ErrNoRows) {
			return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such group.")
		}
		if err != nil {
			return err
		}
		if !enrollmentOpen(g.StudyGroup, s.Now()) {
			return closed(ctx)
		}
		if err := s.joinAsLearner(ctx, q, p, g.StudyGroup.OrganizationID); err != nil {
			return err
		}
		a, err := q.CreateApplication(ctx, db.CreateApplicationParams{
			OrganizationID: g.StudyGroup.OrganizationID, ProgramID: g.StudyGroup.ProgramID, GroupID: g.StudyGroup.ID, UserID: p.User.ID,
		})
		if c, ok := store.UniqueViolation(err); ok && c == "applications_one_open" {
			return web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists,
				"You already have an open application to this group.", web.FieldError("groupId", "already_applied", "has an open application of yours"))
		}
		if err != nil {
			return err
		}
		if err := addEvent(ctx, q.Queries, a.ID, "created", &p.User.ID, nil, a.Status, nil, false); err != nil {
			return err
		}
		out, err = s.view(ctx, q.Queries, a, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.CreateApplication201JSONResponse(out), nil
}

// joinAsLearner makes the caller a learner of orgID unless already a
// member; a membership the organization blocked refuses the application.
func (s *Handler) joinAsLearner(ctx context.Context, q txn, p *web.Principal, orgID uuid.UUID) error {
	m, err := q.GetMembership(ctx, db.GetMembershipParams{OrganizationID: orgID, UserID: p.User.ID})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: orgID, UserID: p.User.ID, Role: db.MemberRoleLearner}); err != nil {
			return err
		}
		return s.RecordIn(ctx, q.Queries, auditJoinedAsApplicant, orgID, &p.User.ID, &p.User.ID, nil)
	case err != nil:
		return err
	case m.Status == db.MembershipStatusBlocked:
		return web.Fail(ctx, http.StatusForbidden, web.CodeMembershipBlocked,
			"Your access to this organization is blocked; contact its administrator.")
	}
	return nil
}

// enrollmentOpen reports whether g takes applications at now.
func enrollmentOpen(g db.StudyGroup, now time.Time) bool {
	return g.Status == db.GroupStatusEnrolling &&
		(g.EnrollmentOpensAt == nil || !now.Before(*g.EnrollmentOpensAt)) &&
		(g.EnrollmentClosesAt == nil || now.Before(*g.EnrollmentClosesAt))
}

// ListMyApplications pages through the caller's applications, newest first.
func (s *Handler) ListMyApplications(ctx context.Context, req api.ListMyApplicationsRequestObject) (api.ListMyApplicationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListUserApplicationsParams{UserID: p.User.ID, Lim: int32(limit + 1)}
	if req.Params.Status != nil {
		params.Status = db.NullApplicationStatus{ApplicationStatus: db.ApplicationStatus(*req.Params.Status), Valid: true}
	}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListUserApplications(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.ApplicationSummaryPage{Items: []api.ApplicationSummary{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1].Application
		page.NextCursor = ptr(web.EncodeCursor(last.CreatedAt, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, summaryDTO(r.Application, r.ProgramTitle, r.GroupCode, r.OrganizationName))
	}
	return api.ListMyApplications200JSONResponse(page), nil
}

// GetMyApplication returns one of the caller's applications with its
// checklist and history.
func (s *Handler) GetMyApplication(ctx context.Context, req api.GetMyApplicationRequestObject) (api.GetMyApplicationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.Q.GetUserApplication(ctx, db.GetUserApplicationParams{UserID: p.User.ID, ID: req.ApplicationID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx)
	}
	if err != nil {
		return nil, err
	}
	out, err := s.view(ctx, s.Q, a, false)
	if err != nil {
		return nil, err
	}
	return api.GetMyApplication200JSONResponse(out), nil
}

// UpdateApplicationData replaces the personal and prior-education data of
// the caller's application while it may be edited.
func (s *Handler) UpdateApplicationData(ctx context.Context, req api.UpdateApplicationDataRequestObject) (api.UpdateApplicationDataResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	in, fields := applicantParams(*req.Body)
	if len(fields) > 0 {
		return nil, invalid(ctx, fields)
	}
	var out api.Application
	err = s.mine(ctx, p, req.ApplicationID, func(q txn, a db.Application) error {
		if !allowed(actEdit, a.Status) {
			return illegal(ctx, actEdit, a.Status)
		}
		in.ID = a.ID
		a, err := q.UpdateApplicationData(ctx, in)
		if err != nil {
			return err
		}
		out, err = s.view(ctx, q.Queries, a, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateApplicationData200JSONResponse(out), nil
}

// mine runs fn in a transaction on the caller's application, locked; an
// application of somebody else is 404.
func (s *Handler) mine(ctx context.Context, p *web.Principal, id uuid.UUID, fn func(txn, db.Application) error) error {
	return store.InTxJobs(ctx, s.Pool, func(dq *db.Queries, tx pgx.Tx) error {
		q := txn{dq, tx}
		a, err := q.LockApplication(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && a.UserID != p.User.ID {
			return notFound(ctx)
		}
		if err != nil {
			return err
		}
		return fn(q, a)
	})
}

// addEvent records one transition or comment.
func addEvent(ctx context.Context, q *db.Queries, appID uuid.UUID, event string, actor *uuid.UUID,
	fromSt *db.ApplicationStatus, to db.ApplicationStatus, reason *string, internal bool) error {
	params := db.AddApplicationEventParams{
		ApplicationID: appID, Event: event, ActorID: actor, Reason: reason, Internal: internal,
		ToStatus: db.NullApplicationStatus{ApplicationStatus: to, Valid: to != ""},
	}
	if fromSt != nil {
		params.FromStatus = db.NullApplicationStatus{ApplicationStatus: *fromSt, Valid: true}
	}
	_, err := q.AddApplicationEvent(ctx, params)
	return err
}
