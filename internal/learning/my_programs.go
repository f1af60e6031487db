package learning

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListMyLearningPrograms lists the programs the caller studies with their
// progress, most recently admitted first.
func (s *Handler) ListMyLearningPrograms(ctx context.Context, req api.ListMyLearningProgramsRequestObject) (api.ListMyLearningProgramsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.MyLearningProgramsParams{UserID: p.User.ID, OrganizationID: req.Params.OrganizationID, Lim: int32(limit + 1)}
	if c := req.Params.Cursor; c != nil {
		at, id, err := web.DecodeCursor(*c)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterSince, params.AfterID = &at, id
	}
	rows, err := s.Q.MyLearningPrograms(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.MyLearningProgramPage{Items: []api.MyLearningProgram{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next := web.EncodeCursor(last.Since, last.ProgramID)
		page.NextCursor = &next
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ProgramID
	}
	totals, err := s.Q.LearnerProgramTotals(ctx, db.LearnerProgramTotalsParams{UserID: p.User.ID, ProgramIds: ids})
	if err != nil {
		return nil, err
	}
	byProgram := map[uuid.UUID]db.LearnerProgramTotalsRow{}
	for _, t := range totals {
		byProgram[t.ProgramID] = t
	}
	acts, err := s.Q.LearnerActivities(ctx, db.LearnerActivitiesParams{UserID: p.User.ID, ProgramIds: ids})
	if err != nil {
		return nil, err
	}
	activity := map[uuid.UUID]db.LearnerActivitiesRow{}
	for _, a := range acts {
		activity[a.ProgramID] = a
	}
	for _, r := range rows {
		suspended, err := commerce.AccessSuspended(ctx, s.Q, p.User.ID, r.ProgramID)
		if err != nil {
			return nil, err
		}
		t, a := byProgram[r.ProgramID], activity[r.ProgramID]
		sum := api.ProgressSummary{CompletedLessons: int(t.Completed), TotalLessons: int(t.Total), MandatoryDone: int(t.MandatoryDone),
			MandatoryTotal: int(t.MandatoryTotal), FinalTestPassed: t.FinalPassed}
		if t.Total > 0 {
			sum.Percent = int(t.Completed) * 100 / int(t.Total)
		}
		var opened *time.Time
		if !a.LastActivityAt.IsZero() {
			opened = &a.LastActivityAt
		}
		sum.LastActivityAt = utc(latest(timeOf(t.LastCompletedAt), opened))
		page.Items = append(page.Items, api.MyLearningProgram{
			ProgramID: r.ProgramID, Title: r.ProgramTitle, OrganizationID: r.OrganizationID, OrganizationName: r.OrganizationName,
			Group:           groupDTO(db.LearnerGroupRow{ID: r.GroupID, Code: r.GroupCode, Title: r.GroupTitle, StartsOn: r.StartsOn, EndsOn: r.EndsOn, Status: r.GroupStatus}),
			AccessSuspended: suspended, Progress: sum, LastLessonID: a.LastLessonID,
		})
	}
	return api.ListMyLearningPrograms200JSONResponse(page), nil
}

// timeOf reads a nullable timestamp that sqlc could not type.
func timeOf(v any) *time.Time {
	if t, ok := v.(time.Time); ok {
		return &t
	}
	return nil
}
