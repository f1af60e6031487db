package learning

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/progress"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// joinLead is how long before a webinar's start its join link is shown.
const joinLead = 15 * time.Minute

// GetMyLesson is an open lesson's content; opening it records the
// caller's last activity.
func (s *Handler) GetMyLesson(ctx context.Context, req api.GetMyLessonRequestObject) (api.GetMyLessonResponseObject, error) {
	v, err := s.learnerView(ctx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	i, err := v.find(ctx, req.LessonID)
	if err != nil {
		return nil, err
	}
	if p := v.locked(ctx, i); p != nil {
		return api.GetMyLesson409ApplicationProblemPlusJSONResponse{LessonConflictApplicationProblemPlusJSONResponse: *p}, nil
	}
	l, err := s.lesson(ctx, req.ProgramID, req.LessonID)
	if err != nil {
		return nil, err
	}
	if err := s.Q.TouchLearningProgress(ctx, db.TouchLearningProgressParams{UserID: v.p.User.ID, ProgramID: l.ProgramID, At: v.now, LessonID: &l.ID}); err != nil {
		return nil, err
	}
	return api.GetMyLesson200JSONResponse(s.learnerLessonDTO(v, l)), nil
}

// DownloadMyLessonFile streams an open file lesson's file.
func (s *Handler) DownloadMyLessonFile(ctx context.Context, req api.DownloadMyLessonFileRequestObject) (api.DownloadMyLessonFileResponseObject, error) {
	v, err := s.learnerView(ctx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	i, err := v.find(ctx, req.LessonID)
	if err != nil {
		return nil, err
	}
	if p := v.locked(ctx, i); p != nil {
		return api.DownloadMyLessonFile409ApplicationProblemPlusJSONResponse{LessonConflictApplicationProblemPlusJSONResponse: *p}, nil
	}
	l, err := s.lesson(ctx, req.ProgramID, req.LessonID)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, l, pr.Range, pr.IfRange, pr.IfNoneMatch)
}

// CompleteMyLesson marks an open lesson completed by the caller, once; a
// repeated call answers the same completion. A new completion enqueues
// the completion check in its transaction.
func (s *Handler) CompleteMyLesson(ctx context.Context, req api.CompleteMyLessonRequestObject) (api.CompleteMyLessonResponseObject, error) {
	v, err := s.learnerView(ctx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	i, err := v.find(ctx, req.LessonID)
	if err != nil {
		return nil, err
	}
	if v.rows[i].Kind == db.LessonKindTest && !v.states[i].Completed {
		p := lockedProblem(ctx, codeCompletedByTest, "A test lesson is completed by passing its test.", nil, nil)
		return api.CompleteMyLesson409ApplicationProblemPlusJSONResponse{LessonConflictApplicationProblemPlusJSONResponse: p}, nil
	}
	if p := v.locked(ctx, i); p != nil {
		return api.CompleteMyLesson409ApplicationProblemPlusJSONResponse{LessonConflictApplicationProblemPlusJSONResponse: *p}, nil
	}
	var c db.LessonCompletion
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		if _, err := CompleteLesson(ctx, tx, s.jobs, v.p.User.ID, req.ProgramID, req.LessonID, SourceManual, v.now); err != nil {
			return err
		}
		if err := q.TouchLearningProgress(ctx, db.TouchLearningProgressParams{UserID: v.p.User.ID, ProgramID: req.ProgramID, At: v.now, LessonID: &req.LessonID}); err != nil {
			return err
		}
		var err error
		c, err = q.GetLessonCompletion(ctx, db.GetLessonCompletionParams{UserID: v.p.User.ID, LessonID: req.LessonID})
		if errors.Is(err, pgx.ErrNoRows) { // deleted by staff meanwhile
			return notFound(ctx, "There is no such lesson in the program.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	v.done[req.LessonID.String()] = c.CompletedAt
	out := api.LessonCompletion{LessonID: c.LessonID, ProgramID: c.ProgramID, CompletedAt: c.CompletedAt.UTC(),
		Source: api.LessonCompletionSource(c.Source), Progress: summaryDTO(progress.Summarize(v.prog, v.done), &v.now)}
	return api.CompleteMyLesson200JSONResponse(out), nil
}

// locked is the 409 of lesson i when it is closed now, else nil.
func (v view) locked(ctx context.Context, i int) *api.LessonConflictApplicationProblemPlusJSONResponse {
	st := v.states[i]
	if st.Open {
		return nil
	}
	detail := "The lesson is not open yet."
	opens, waits := farOff(st.OpensAt), lessonRef(st.WaitsFor)
	switch {
	case waits != nil:
		detail = "The lesson opens once the previous one is completed."
	case opens != nil:
		detail = "The lesson opens at " + opens.Format(time.RFC3339) + "."
	case st.OpensAt != nil:
		detail = "The lesson opens some days after your group starts."
	}
	p := lockedProblem(ctx, codeLessonLocked, detail, opens, waits)
	return &p
}

func lockedProblem(ctx context.Context, code, detail string, opensAt *time.Time, waitsFor *uuid.UUID) api.LessonConflictApplicationProblemPlusJSONResponse {
	p := web.NewProblem(ctx, http.StatusConflict, code, detail)
	return api.LessonConflictApplicationProblemPlusJSONResponse{
		Type: p.Type, Title: p.Title, Status: p.Status, Code: p.Code, Detail: p.Detail, Instance: p.Instance, RequestID: p.RequestID,
		OpensAt: opensAt, WaitsFor: waitsFor,
	}
}

func (s *Handler) learnerLessonDTO(v view, l db.Lesson) api.LearnerLesson {
	out := api.LearnerLesson{ID: l.ID, ProgramID: l.ProgramID, ModuleID: l.ModuleID, Kind: api.LessonKind(l.Kind), Title: l.Title,
		Mandatory: l.Mandatory, Final: l.Final, DueAt: utc(l.DueAt), BodyHTML: l.BodyHtml}
	if c, ok := v.done[l.ID.String()]; ok {
		out.Completed, out.CompletedAt = true, utc(&c)
	}
	switch l.Kind {
	case db.LessonKindVideo:
		out.VideoURL = l.VideoUrl
	case db.LessonKindTest:
		out.TestLessonID = &l.ID
	case db.LessonKindFile:
		if l.FileKey != nil {
			out.File = &api.LearnerLessonFile{FileName: deref(l.FileName), ContentType: deref(l.FileContentType), SizeBytes: l.FileSize.Int64,
				DownloadURL: "/api/v1/me/learning/programs/" + l.ProgramID.String() + "/lessons/" + l.ID.String() + "/file"}
		}
	case db.LessonKindWebinar:
		if l.WebinarStartsAt != nil {
			out.Webinar = webinarView(*l.WebinarStartsAt, int(l.WebinarMinutes.Int32), l.WebinarJoinUrl, l.WebinarRecordingUrl, v.now)
		}
	}
	return out
}

// webinarView shows the join link from joinLead before the start until the
// end, and the recording after the end.
func webinarView(start time.Time, minutes int, join, recording *string, now time.Time) *api.LearnerWebinar {
	start = start.UTC()
	w := &api.LearnerWebinar{StartsAt: start, DurationMinutes: minutes, EndsAt: start.Add(time.Duration(minutes) * time.Minute),
		JoinOpensAt: start.Add(-joinLead), State: api.Upcoming}
	switch {
	case now.Before(w.JoinOpensAt):
	case now.Before(w.EndsAt):
		w.State, w.JoinURL = api.Joinable, join
	default:
		w.State, w.RecordingURL = api.Ended, recording
	}
	return w
}
