package completion

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the operations of the tag "Completion documents":
// staff's issuance, revocation, reissue, settings and ФИС ФРДО export, the
// learner's documents, and public verification.
type Handler struct {
	web.Base
	iss   *Issuer
	blobs *blob.Store
}

// New builds the handlers over the shared issuer.
func New(base web.Base, iss *Issuer) *Handler {
	return &Handler{Base: base, iss: iss, blobs: iss.blobs}
}

// Roles.
var (
	// issuers issue, revoke, reissue, configure and export.
	issuers = []db.MemberRole{db.MemberRoleManager, db.MemberRoleAdmin}
	// readers see the organization's documents.
	readers = []db.MemberRole{db.MemberRoleTeacher, db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}
)

// Audit event names (the organization's log).
const (
	auditIssued    = "completion_document_issued"
	auditRevoked   = "completion_document_revoked"
	auditReissued  = "completion_document_reissued"
	auditSettings  = "completion_settings_changed"
	auditExported  = "completion_frdo_exported"
	codeNotMet     = "requirements_not_met"
	codeTransition = "invalid_transition"
)

func notFound(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such document.")
}

// found turns "no rows" into the 404 problem.
func found(ctx context.Context, err error) error {
	if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, store.ErrNotFound) {
		return notFound(ctx)
	}
	return err
}

// issueError turns an issuance refusal into its problem.
func issueError(ctx context.Context, err error) error {
	var nm *NotMetError
	switch {
	case errors.As(err, &nm):
		return web.Fail(ctx, http.StatusConflict, codeNotMet, "The completion requirements are not met.", missing(nm.Verdict)...)
	case errors.Is(err, ErrAlreadyIssued):
		return web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists, "The learner already holds a valid document for this program.")
	case errors.Is(err, ErrNotEligible):
		return web.Fail(ctx, http.StatusConflict, codeTransition,
			"Only an approved application to a running or finished group of a program that issues a document can receive one.",
			web.FieldError("applicationId", "not_eligible", "the application is not approved, its group has not started, or its program issues no document"))
	case errors.Is(err, ErrNotValid):
		return web.Fail(ctx, http.StatusConflict, codeTransition, "The document is revoked.",
			web.FieldError("status", string(db.IssuedDocumentStatusRevoked), "the document is already revoked"))
	}
	return found(ctx, err)
}

func ptr[T any](v T) *T { return &v }

var _ = api.IssuedDocument{}
