package learning

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the learning operations of the generated strict-server
// interface: staff author a program's modules and lessons (tag Learning
// content) and read a group's progress (tag Progress); learners read the
// table of contents, open and complete lessons.
type Handler struct {
	web.Base
	blobs *blob.Store
	md    *markdown.Renderer
	// jobs enqueues the completion check in a completion's transaction.
	jobs jobs.Inserter
}

// New builds the learning handlers; lesson files are kept in blobs.
func New(base web.Base, blobs *blob.Store, ins jobs.Inserter) *Handler {
	return &Handler{Base: base, blobs: blobs, md: markdown.New(), jobs: ins}
}

// Problem codes of the learning domain.
const (
	codeLessonLocked         = "lesson_locked"
	codeCompletedByTest      = "completed_by_test"
	codeNotAFileLesson       = "not_a_file_lesson"
	codeHasCompletions       = "has_completions"
	codeContentLimit         = "content_limit"
	codePreconditionFailed   = "precondition_failed"
	codePreconditionRequired = "precondition_required"
)

// Bounds of a program's content, which is listed and reordered whole.
const (
	maxModules = 100
	maxLessons = 500
)

// authors may change a program's content and read its progress: the
// organization's managers and admins, and teachers of that program.
var authors = []db.MemberRole{db.MemberRoleTeacher, db.MemberRoleManager, db.MemberRoleAdmin}

// author checks that the caller may author programID of orgID: 404
// outside the organization, 403 for other roles, 404 for a teacher who
// does not teach the program (as if it did not exist for them).
func (s *Handler) author(ctx context.Context, orgID, programID uuid.UUID) (*web.Principal, db.AuthoringProgramRow, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, db.AuthoringProgramRow{}, err
	}
	m, err := s.RequireRole(ctx, p, orgID, authors...)
	if err != nil {
		return nil, db.AuthoringProgramRow{}, err
	}
	prog, err := s.Q.AuthoringProgram(ctx, db.AuthoringProgramParams{OrganizationID: orgID, ProgramID: programID, UserID: p.User.ID})
	if errors.Is(err, pgx.ErrNoRows) || err == nil && m.Role == db.MemberRoleTeacher && !prog.Teaching {
		return nil, db.AuthoringProgramRow{}, notFound(ctx, "There is no such program.")
	}
	if err != nil {
		return nil, db.AuthoringProgramRow{}, err
	}
	return p, prog, nil
}

func notFound(ctx context.Context, detail string) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, detail)
}

func invalid(ctx context.Context, fields ...api.FieldError) error {
	return &web.Error{Problem: web.Invalid(ctx, fields...)}
}

// versionTag is the ETag of a versioned row (module, lesson).
func versionTag(v int32) string { return `"v` + strconv.Itoa(int(v)) + `"` }

// requireIfMatch checks If-Match against the current version: 428 when it
// is missing, 412 when it names another version.
func requireIfMatch(ctx context.Context, h *string, current int32) error {
	if h == nil || strings.TrimSpace(*h) == "" {
		return web.Fail(ctx, http.StatusPreconditionRequired, codePreconditionRequired,
			"Send If-Match with the ETag of the version you edited.")
	}
	v := strings.TrimPrefix(strings.TrimSpace(*h), "W/")
	if v != versionTag(current) {
		return stale(ctx, current)
	}
	return nil
}

func stale(ctx context.Context, current int32) error {
	return web.Fail(ctx, http.StatusPreconditionFailed, codePreconditionFailed,
		fmt.Sprintf("It has changed since (it is at version %d, ETag %s); fetch it again and reapply your change.", current, versionTag(current)))
}

// dropBlob deletes a file no row refers to any more; a failure leaves an
// orphan, so it is logged rather than failing the request.
func (s *Handler) dropBlob(ctx context.Context, key string) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.Log.WarnContext(ctx, "could not delete a lesson file", "key", key, "err", err)
	}
}
