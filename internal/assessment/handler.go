// Package assessment is the tests of a program's lessons: the program's
// question bank and each test lesson's settings (staff), and the learners'
// attempts — started, autosaved, submitted or expired, graded by
// internal/quiz — with their history and review. A test is a lesson of kind
// test (internal/learning's tables); passing it completes the lesson
// through learning.CompleteLesson.
package assessment

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the operations of the tag "Tests and attempts".
type Handler struct {
	web.Base
	jobs jobs.Inserter // the expiry job of a started attempt, completion checks
}

// New builds the assessment handlers. Their jobs (an attempt's expiry, the
// completion check of a passed test) go through an insert-only client: a
// working client refuses kinds it has no worker for, and the completion
// check is another domain's work, possibly in another process.
func New(base web.Base) (*Handler, error) {
	ins, err := jobs.New(base.Pool, base.Cfg.Jobs, nil, base.Log)
	if err != nil {
		return nil, err
	}
	return &Handler{Base: base, jobs: ins}, nil
}

// Problem codes of this domain.
const (
	codeAttemptsExhausted  = "attempts_exhausted"
	codeTestClosed         = "test_closed"
	codeTestUnavailable    = "test_unavailable"
	codeAttemptClosed      = "attempt_closed"
	codeDeadlinePassed     = "deadline_passed"
	codeReviewNotAvailable = "review_not_available"
	codePreconditionFailed = "precondition_failed"
	codePreconditionReq    = "precondition_required"
)

// Read and write access of staff to a program's tests.
const (
	read  = false
	write = true
)

// staff checks that the caller may see (or, with change, change) the tests
// of programID in orgID: admins and managers of the organization, teachers
// assigned to the program, and directors to read. Outsiders, and teachers
// of other programs, get 404; other members 403.
func (s *Handler) staff(ctx context.Context, orgID, programID uuid.UUID, change bool) error {
	p, err := web.Caller(ctx)
	if err != nil {
		return err
	}
	m, err := s.RequireRole(ctx, p, orgID)
	if err != nil {
		return err
	}
	in, err := s.Q.AssessmentProgramInOrg(ctx, db.AssessmentProgramInOrgParams{OrganizationID: orgID, ProgramID: programID})
	if err != nil {
		return err
	}
	if !in {
		return notFound(ctx, "There is no such program.")
	}
	switch m.Role {
	case db.MemberRoleAdmin, db.MemberRoleManager:
	case db.MemberRoleDirector:
		if change {
			return web.Fail(ctx, http.StatusForbidden, web.CodeForbidden, "Directors may read tests but not change them.")
		}
	case db.MemberRoleTeacher:
		teaches, err := s.Q.IsProgramTeacher(ctx, db.IsProgramTeacherParams{ProgramID: programID, UserID: p.User.ID})
		if err != nil {
			return err
		}
		if !teaches {
			return notFound(ctx, "There is no such program.")
		}
	default:
		return web.Fail(ctx, http.StatusForbidden, web.CodeForbidden, "Your role in this organization does not allow this.")
	}
	return s.RequireStaffSecondFactor(ctx, p, orgID)
}

// testLesson loads a test lesson of programID, or 404.
func (s *Handler) testLesson(ctx context.Context, q *db.Queries, programID, lessonID uuid.UUID) (db.GetTestLessonRow, error) {
	l, err := q.GetTestLesson(ctx, db.GetTestLessonParams{ProgramID: programID, ID: lessonID})
	if errors.Is(err, pgx.ErrNoRows) {
		return l, notFound(ctx, "There is no such test lesson in this program.")
	}
	return l, err
}

// learner checks that the caller may take programID's tests, and returns
// the caller's id; without access, 404.
func (s *Handler) learner(ctx context.Context, programID uuid.UUID) (uuid.UUID, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	ok, err := learning.Access(ctx, s.Q, p.User.ID, programID)
	if err != nil {
		return uuid.Nil, err
	}
	if !ok {
		return uuid.Nil, notFound(ctx, "There is no such test.")
	}
	return p.User.ID, nil
}

// myAttempt loads the caller's attempt attemptID, checking access to its
// program; another learner's attempt is 404.
func (s *Handler) myAttempt(ctx context.Context, attemptID uuid.UUID) (db.AssessmentAttempt, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.AssessmentAttempt{}, err
	}
	a, err := s.Q.GetAttempt(ctx, attemptID)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && a.UserID != p.User.ID {
		return db.AssessmentAttempt{}, notFound(ctx, "There is no such attempt.")
	}
	if err != nil {
		return a, err
	}
	if _, err := s.learner(ctx, a.ProgramID); err != nil {
		return db.AssessmentAttempt{}, notFound(ctx, "There is no such attempt.")
	}
	return a, nil
}

func notFound(ctx context.Context, detail string) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, detail)
}

func conflict(ctx context.Context, code, detail string) error {
	return web.Fail(ctx, http.StatusConflict, code, detail)
}
