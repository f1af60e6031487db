package learning

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// The kinds of the authoring lists' cursors, so that a module list's cursor
// is not taken for a lesson list's (web.EncodeKeyCursor).
const (
	moduleCursor = "m"
	lessonCursor = "l"
)

// ListLessons pages through a program's lessons in the program's order.
func (s *Handler) ListLessons(ctx context.Context, req api.ListLessonsRequestObject) (api.ListLessonsResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListLessonsPageParams{ProgramID: prog.ID, ModuleID: req.Params.ModuleID, MaxRows: int32(limit + 1)}
	if req.Params.Kind != nil {
		params.Kind = db.NullLessonKind{LessonKind: db.LessonKind(*req.Params.Kind), Valid: true}
	}
	if req.Params.Cursor != nil {
		keys, id, err := web.DecodeKeyCursor(*req.Params.Cursor, lessonCursor, 2)
		if err != nil {
			return api.ListLessons422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterModulePosition = pgtype.Int4{Int32: keys[0], Valid: true}
		params.AfterPosition = pgtype.Int4{Int32: keys[1], Valid: true}
		params.AfterID = &id
	}
	rows, err := s.Q.ListLessonsPage(ctx, params)
	if err != nil {
		return nil, err
	}
	out := api.LessonPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		out.NextCursor = new(web.EncodeKeyCursor(lessonCursor, last.Lesson.ID, last.ModulePosition, last.Lesson.Position))
	}
	out.Items = make([]api.Lesson, len(rows))
	for i, r := range rows {
		out.Items[i] = staffLessonDTO(prog.OrganizationID, r.Lesson)
	}
	return api.ListLessons200JSONResponse(out), nil
}

// CreateLesson appends a lesson to a module of the program.
func (s *Handler) CreateLesson(ctx context.Context, req api.CreateLessonRequestObject) (api.CreateLessonResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	b := req.Body
	d := draft{kind: db.LessonKind(b.Kind), mandatory: true}
	d.apply(&b.Title, b.Mandatory, b.Final, b.Schedule, b.BodyMd, b.VideoURL, b.Webinar)
	if fields := d.check(); len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	if err := s.render(ctx, &d); err != nil {
		return nil, err
	}
	var l db.Lesson
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.LockProgramContent(ctx, prog.ID); err != nil {
			return err
		}
		if _, err := q.GetModule(ctx, db.GetModuleParams{ProgramID: prog.ID, ID: b.ModuleID}); errors.Is(err, pgx.ErrNoRows) {
			return invalid(ctx, web.FieldError("moduleId", "unknown", "is not a module of this program"))
		} else if err != nil {
			return err
		}
		if err := finalFree(ctx, q, prog.ID, uuid.Nil, d.final); err != nil {
			return err
		}
		n, err := q.CountLessons(ctx, prog.ID)
		if err != nil {
			return err
		}
		if n >= maxLessons {
			return web.Fail(ctx, http.StatusConflict, codeContentLimit, "A program has at most 500 lessons.")
		}
		opensAt, opensAfter, after, due, wStart, wMinutes, wJoin, wRec := d.columns()
		l, err = q.CreateLesson(ctx, db.CreateLessonParams{
			OrganizationID: prog.OrganizationID, ProgramID: prog.ID, ModuleID: b.ModuleID, Kind: d.kind, Title: d.title,
			Mandatory: d.mandatory, Final: d.final, OpensAt: opensAt, OpensAfterDays: opensAfter, AfterPrevious: after, DueAt: due,
			BodyMd: d.bodyMd, BodyHtml: d.renderedHTML, VideoUrl: d.videoURL,
			WebinarStartsAt: wStart, WebinarMinutes: wMinutes, WebinarJoinUrl: wJoin, WebinarRecordingUrl: wRec,
		})
		return finalTaken(ctx, err)
	})
	if err != nil {
		return nil, err
	}
	return api.CreateLesson201JSONResponse{Body: staffLessonDTO(prog.OrganizationID, l), Headers: api.CreateLesson201ResponseHeaders{ETag: versionTag(l.Version)}}, nil
}

// GetLesson reads a lesson as staff author it.
func (s *Handler) GetLesson(ctx context.Context, req api.GetLessonRequestObject) (api.GetLessonResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	l, err := s.lesson(ctx, prog.ID, req.LessonID)
	if err != nil {
		return nil, err
	}
	return api.GetLesson200JSONResponse{Body: staffLessonDTO(prog.OrganizationID, l), Headers: api.GetLesson200ResponseHeaders{ETag: versionTag(l.Version)}}, nil
}

// UpdateLesson edits a lesson (not its kind, module or position).
func (s *Handler) UpdateLesson(ctx context.Context, req api.UpdateLessonRequestObject) (api.UpdateLessonResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	cur, err := s.lesson(ctx, prog.ID, req.LessonID)
	if err != nil {
		return nil, err
	}
	if err := requireIfMatch(ctx, req.Params.IfMatch, cur.Version); err != nil {
		return nil, err
	}
	b := req.Body
	d := draftOf(cur)
	d.apply(b.Title, b.Mandatory, b.Final, b.Schedule, b.BodyMd, b.VideoURL, b.Webinar)
	if fields := d.check(); len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	if err := s.render(ctx, &d); err != nil {
		return nil, err
	}
	var l db.Lesson
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := finalFree(ctx, q, prog.ID, cur.ID, d.final && !cur.Final); err != nil {
			return err
		}
		opensAt, opensAfter, after, due, wStart, wMinutes, wJoin, wRec := d.columns()
		var err error
		l, err = q.UpdateLesson(ctx, db.UpdateLessonParams{
			ProgramID: prog.ID, ID: cur.ID, Version: cur.Version, Title: d.title, Mandatory: d.mandatory, Final: d.final,
			OpensAt: opensAt, OpensAfterDays: opensAfter, AfterPrevious: after, DueAt: due,
			BodyMd: d.bodyMd, BodyHtml: d.renderedHTML, VideoUrl: d.videoURL,
			WebinarStartsAt: wStart, WebinarMinutes: wMinutes, WebinarJoinUrl: wJoin, WebinarRecordingUrl: wRec,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return stale(ctx, cur.Version+1)
		}
		return finalTaken(ctx, err)
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateLesson200JSONResponse{Body: staffLessonDTO(prog.OrganizationID, l), Headers: api.UpdateLesson200ResponseHeaders{ETag: versionTag(l.Version)}}, nil
}

// DeleteLesson deletes a lesson with its file, unless a learner has
// completed it.
func (s *Handler) DeleteLesson(ctx context.Context, req api.DeleteLessonRequestObject) (api.DeleteLessonResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	cur, err := s.lesson(ctx, prog.ID, req.LessonID)
	if err != nil {
		return nil, err
	}
	if err := requireIfMatch(ctx, req.Params.IfMatch, cur.Version); err != nil {
		return nil, err
	}
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.LockProgramContent(ctx, prog.ID); err != nil {
			return err
		}
		n, err := q.CountLessonCompletions(ctx, cur.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return web.Fail(ctx, http.StatusConflict, codeHasCompletions,
				"Learners have completed this lesson; make it optional instead of deleting it.")
		}
		deleted, err := q.DeleteLesson(ctx, db.DeleteLessonParams{ProgramID: prog.ID, ID: cur.ID, Version: cur.Version})
		if err != nil {
			return err
		}
		if deleted == 0 {
			return stale(ctx, cur.Version+1)
		}
		return q.CloseLessonGap(ctx, db.CloseLessonGapParams{ModuleID: cur.ModuleID, Position: cur.Position})
	})
	if err != nil {
		return nil, err
	}
	if cur.FileKey != nil {
		s.dropBlob(ctx, *cur.FileKey)
	}
	return api.DeleteLesson204Response{}, nil
}

func (s *Handler) lesson(ctx context.Context, programID, id uuid.UUID) (db.Lesson, error) {
	l, err := s.Q.GetLesson(ctx, db.GetLessonParams{ProgramID: programID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return l, notFound(ctx, "There is no such lesson in the program.")
	}
	return l, err
}

// finalFree refuses to make a lesson final while another one is.
func finalFree(ctx context.Context, q *db.Queries, programID, id uuid.UUID, becomesFinal bool) error {
	if !becomesFinal {
		return nil
	}
	taken, err := q.OtherFinalLesson(ctx, db.OtherFinalLessonParams{ProgramID: programID, ID: id})
	if err != nil {
		return err
	}
	if taken {
		return invalid(ctx, web.FieldError("final", "taken", "another lesson is the program's final test"))
	}
	return nil
}

// finalTaken turns a concurrent second final lesson into the same 422.
func finalTaken(ctx context.Context, err error) error {
	if c, ok := store.UniqueViolation(err); ok && c == "lessons_one_final" {
		return invalid(ctx, web.FieldError("final", "taken", "another lesson is the program's final test"))
	}
	return err
}

func staffLessonDTO(orgID uuid.UUID, l db.Lesson) api.Lesson {
	out := api.Lesson{
		ID: l.ID, ProgramID: l.ProgramID, ModuleID: l.ModuleID, Position: int(l.Position), Kind: api.LessonKind(l.Kind),
		Title: l.Title, Mandatory: l.Mandatory, Final: l.Final, Schedule: scheduleDTO(l), BodyMd: l.BodyMd, BodyHTML: l.BodyHtml,
		VideoURL: l.VideoUrl, Version: int(l.Version), CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(),
	}
	if l.FileKey != nil {
		out.File = &api.LessonFile{
			FileName: deref(l.FileName), ContentType: deref(l.FileContentType), SizeBytes: l.FileSize.Int64, Sha256: deref(l.FileSha256),
			DownloadURL: "/api/v1/organizations/" + orgID.String() + "/programs/" + l.ProgramID.String() + "/lessons/" + l.ID.String() + "/file",
		}
	}
	if l.WebinarStartsAt != nil {
		out.Webinar = &api.LessonWebinar{StartsAt: l.WebinarStartsAt.UTC(), DurationMinutes: int(l.WebinarMinutes.Int32),
			JoinURL: l.WebinarJoinUrl, RecordingURL: l.WebinarRecordingUrl}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
