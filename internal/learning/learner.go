package learning

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/progress"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// view is what a learner's request about a program needs: the content in
// order, the caller's completions and each lesson's state now.
type view struct {
	p      *web.Principal
	head   db.ProgramHeadRow
	group  db.LearnerGroupRow
	rows   []db.ProgramLessonsInOrderRow
	prog   progress.Program
	done   progress.Completions
	states []progress.LessonState
	now    time.Time
}

// learnerView loads programID for the caller after the one access
// decision (Access): 404 without access, whatever the reason.
func (s *Handler) learnerView(ctx context.Context, programID uuid.UUID) (view, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return view{}, err
	}
	ok, err := Access(ctx, s.Q, p.User.ID, programID)
	if err != nil {
		return view{}, err
	}
	if !ok {
		return view{}, notFound(ctx, "There is no such program among the ones you study.")
	}
	v := view{p: p, now: s.Now().UTC()}
	if v.head, err = s.Q.ProgramHead(ctx, programID); err != nil {
		return view{}, err
	}
	if v.group, err = s.Q.LearnerGroup(ctx, db.LearnerGroupParams{UserID: p.User.ID, ProgramID: programID}); err != nil {
		return view{}, err
	}
	if v.rows, err = s.Q.ProgramLessonsInOrder(ctx, programID); err != nil {
		return view{}, err
	}
	start := dateTime(v.group.StartsOn)
	v.prog = programFrom(v.rows, start)
	if v.done, err = Completions(ctx, s.Q, p.User.ID, programID); err != nil {
		return view{}, err
	}
	v.states = progress.States(v.prog, v.done, v.now)
	return v, nil
}

// find returns the lesson's index in the program, or 404.
func (v view) find(ctx context.Context, lessonID uuid.UUID) (int, error) {
	for i, r := range v.rows {
		if r.ID == lessonID {
			return i, nil
		}
	}
	return 0, notFound(ctx, "There is no such lesson in the program.")
}

// GetMyProgramContents is the learner's table of contents of a program.
func (s *Handler) GetMyProgramContents(ctx context.Context, req api.GetMyProgramContentsRequestObject) (api.GetMyProgramContentsResponseObject, error) {
	v, err := s.learnerView(ctx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	modules, err := s.Q.ProgramModulesBrief(ctx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	activity, err := s.activity(ctx, v.p.User.ID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	verdict, err := progress.Check(v.prog, v.done, func() (bool, error) { return commerce.PaidInFull(ctx, s.Q, v.p.User.ID, req.ProgramID) })
	if err != nil {
		return nil, err
	}
	out := api.ProgramContents{
		ProgramID: v.head.ID, Title: v.head.Title, OrganizationID: v.head.OrganizationID, Group: groupDTO(v.group),
		Modules: make([]api.TocModule, len(modules)), Progress: summaryDTO(progress.Summarize(v.prog, v.done), activity.LastActivityAt),
		Verdict: verdictDTO(verdict), LastLessonID: activity.LastLessonID,
	}
	at := map[uuid.UUID]int{}
	for i, m := range modules {
		out.Modules[i] = api.TocModule{ID: m.ID, Title: m.Title, Description: m.Description, Lessons: []api.TocLesson{}}
		at[m.ID] = i
	}
	for i, r := range v.rows {
		st := v.states[i]
		l := api.TocLesson{ID: r.ID, Kind: api.LessonKind(r.Kind), Title: r.Title, Mandatory: r.Mandatory, Final: r.Final,
			DueAt: utc(r.DueAt), Open: st.Open, Completed: st.Completed, OpensAt: farOff(st.OpensAt), WaitsFor: lessonRef(st.WaitsFor)}
		if c, ok := v.done[r.ID.String()]; ok {
			l.CompletedAt = utc(&c)
		}
		m := at[r.ModuleID]
		out.Modules[m].Lessons = append(out.Modules[m].Lessons, l)
	}
	return api.GetMyProgramContents200JSONResponse(out), nil
}

// activity is the caller's last activity in a program (zero before any).
type lastActivity struct {
	LastActivityAt *time.Time
	LastLessonID   *uuid.UUID
}

func (s *Handler) activity(ctx context.Context, userID, programID uuid.UUID) (lastActivity, error) {
	a, err := s.Q.GetLearningProgress(ctx, db.GetLearningProgressParams{UserID: userID, ProgramID: programID})
	if errors.Is(err, pgx.ErrNoRows) {
		return lastActivity{}, nil
	}
	if err != nil {
		return lastActivity{}, err
	}
	return lastActivity{LastActivityAt: utc(&a.LastActivityAt), LastLessonID: a.LastLessonID}, nil
}

// summaryDTO is a summary with the last activity the later of the last
// completion and the last lesson opened.
func summaryDTO(s progress.Summary, opened *time.Time) api.ProgressSummary {
	last := latest(s.LastActivity, opened)
	return api.ProgressSummary{CompletedLessons: s.Completed, TotalLessons: s.Total, Percent: s.Percent,
		MandatoryDone: s.MandatoryDone, MandatoryTotal: s.MandatoryTotal, FinalTestPassed: s.FinalTestPassed, LastActivityAt: utc(last)}
}

func verdictDTO(v progress.Verdict) api.CompletionVerdict {
	out := api.CompletionVerdict{Met: v.Met, MissingMandatory: []openapi_types.UUID{}, FinalTestRequired: v.FinalTestRequired,
		FinalTestPassed: v.FinalTestPassed, PaidInFull: v.PaidInFull}
	for _, id := range v.MissingMandatory {
		if u, err := uuid.Parse(id); err == nil {
			out.MissingMandatory = append(out.MissingMandatory, u)
		}
	}
	return out
}

func groupDTO(g db.LearnerGroupRow) api.LearningGroup {
	return api.LearningGroup{ID: g.ID, Code: g.Code, Title: g.Title, StartsOn: openapi_types.Date{Time: g.StartsOn.Time},
		EndsOn: openapi_types.Date{Time: g.EndsOn.Time}, Status: api.LearningGroupStatus(g.Status)}
}

func latest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.After(*b):
		return a
	}
	return b
}

func dateTime(d pgtype.Date) *time.Time {
	if !d.Valid {
		return nil
	}
	t := time.Date(d.Time.Year(), d.Time.Month(), d.Time.Day(), 0, 0, 0, 0, time.UTC)
	return &t
}

// farOff hides the placeholder date of a lesson that opens days after a
// group start that is unknown.
func farOff(t *time.Time) *time.Time {
	if t == nil || !t.Before(farFuture) {
		return nil
	}
	return utc(t)
}

func lessonRef(id string) *uuid.UUID {
	if id == "" {
		return nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return nil
	}
	return &u
}
