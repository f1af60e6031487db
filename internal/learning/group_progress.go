package learning

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"math"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/progress"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// GetGroupProgress is a group's progress table, by learner name.
func (s *Handler) GetGroupProgress(ctx context.Context, req api.GetGroupProgressRequestObject) (api.GetGroupProgressResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	if _, err := s.group(ctx, prog.ID, req.GroupID); err != nil {
		return nil, err
	}
	rows, err := s.Q.ProgramLessonsInOrder(ctx, prog.ID)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.GroupProgressParams{ProgramID: prog.ID, GroupID: req.GroupID, Lim: int32(limit + 1)}
	if req.Params.Met != nil {
		params.Met = pgtype.Bool{Bool: *req.Params.Met, Valid: true}
	}
	if c := req.Params.Cursor; c != nil {
		id, err := decodeUserCursor(*c)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterUser = &id
	}
	learners, err := s.Q.GroupProgress(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.GroupProgressPage{Items: []api.GroupProgressRow{}}
	if len(learners) > limit {
		learners = learners[:limit]
		last := learners[limit-1]
		next := encodeUserCursor(last.UserID)
		page.NextCursor = &next
	}
	total, mandatory := len(rows), 0
	for _, r := range rows {
		if r.Mandatory {
			mandatory++
		}
	}
	for _, l := range learners {
		row := api.GroupProgressRow{UserID: l.UserID, LastName: l.LastName, FirstName: l.FirstName, Patronymic: l.Patronymic, Email: l.Email,
			CompletedLessons: int(l.Completed), TotalLessons: total, MandatoryDone: int(l.MandatoryDone), MandatoryTotal: mandatory,
			FinalTestPassed: l.FinalPassed, CompletedLessonIds: l.CompletedIds, LastActivityAt: utc(timeOf(l.LastActivityAt)),
			PaidInFull: l.Paid, Met: l.Met}
		if total > 0 {
			row.Percent = int(l.Completed) * 100 / total
		}
		page.Items = append(page.Items, row)
	}
	return api.GetGroupProgress200JSONResponse(page), nil
}

// ExportGroupProgress writes the whole progress table of a group as CSV
// (internal/progress) and records the export in the organization's audit
// log: it holds the learners' names and e-mails.
func (s *Handler) ExportGroupProgress(ctx context.Context, req api.ExportGroupProgressRequestObject) (api.ExportGroupProgressResponseObject, error) {
	p, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, prog.ID, req.GroupID)
	if err != nil {
		return nil, err
	}
	content, err := Content(ctx, s.Q, prog.ID, nil)
	if err != nil {
		return nil, err
	}
	learners, err := s.Q.GroupProgress(ctx, db.GroupProgressParams{ProgramID: prog.ID, GroupID: g.ID, Lim: math.MaxInt32})
	if err != nil {
		return nil, err
	}
	done, err := s.Q.GroupCompletions(ctx, db.GroupCompletionsParams{ProgramID: prog.ID, GroupID: g.ID})
	if err != nil {
		return nil, err
	}
	byUser := map[uuid.UUID]progress.Completions{}
	for _, c := range done {
		if byUser[c.UserID] == nil {
			byUser[c.UserID] = progress.Completions{}
		}
		byUser[c.UserID][c.LessonID.String()] = c.CompletedAt
	}
	lines := make([]progress.LearnerProgress, len(learners))
	for i, l := range learners {
		name := l.LastName + " " + l.FirstName
		if l.Patronymic != nil {
			name += " " + *l.Patronymic
		}
		lines[i] = progress.LearnerProgress{Name: strings.TrimSpace(name), Email: l.Email, Completions: byUser[l.UserID]}
	}
	var buf bytes.Buffer
	if err := progress.WriteCSV(&buf, content, lines, progress.CSVOptions{}); err != nil {
		return nil, err
	}
	if err := s.RecordIn(ctx, s.Q, "learning_progress_exported", prog.OrganizationID, nil, &p.User.ID,
		map[string]any{"program_id": prog.ID, "group_id": g.ID, "learners": len(lines)}); err != nil {
		return nil, err
	}
	name := "Прогресс " + g.Code + ".csv"
	return api.ExportGroupProgress200TextCsvResponse{
		Body: &buf, ContentLength: int64(buf.Len()),
		Headers: api.ExportGroupProgress200ResponseHeaders{ContentDisposition: blob.ContentDisposition("attachment", name)},
	}, nil
}

func (s *Handler) group(ctx context.Context, programID, id uuid.UUID) (db.StudyGroup, error) {
	g, err := s.Q.ProgramGroup(ctx, db.ProgramGroupParams{ProgramID: programID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return g, notFound(ctx, "There is no such group of the program.")
	}
	return g, err
}

// The progress table's cursor names the last learner of the page; the
// next page starts after that learner's name.
func encodeUserCursor(id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString(id[:])
}

func decodeUserCursor(c string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return uuid.Nil, err
	}
	return uuid.FromBytes(b)
}
