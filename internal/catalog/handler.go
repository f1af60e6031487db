package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/organizations"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Appointer is what the catalog needs of the organizations domain: the
// first admin of an organization a platform operator creates, appointed
// the way an admin's invitation would (organizations.Handler has it).
type Appointer interface {
	AppointFirstAdmin(ctx context.Context, q *db.Queries, tx pgx.Tx, org db.Organization, a organizations.FirstAdmin) (db.Invitation, bool, error)
}

// Handler implements the catalog operations of the generated strict-server
// interface: the public catalog, its administration by staff, and the
// creation of organizations by platform operators.
type Handler struct {
	web.Base
	blobs    *blob.Store
	search   *search.Searcher
	md       *markdown.Renderer
	appoint  Appointer
	imageMax int64
}

// New builds the catalog handlers over the blob store that keeps logos and
// covers.
func New(base web.Base, blobs *blob.Store, appoint Appointer) *Handler {
	return &Handler{
		Base: base, blobs: blobs, search: search.New(base.Pool, base.Now), md: markdown.New(),
		appoint: appoint, imageMax: base.Cfg.Blob.ImageMaxBytes,
	}
}

// Problem codes of the catalog.
const (
	codePreconditionFailed   = "precondition_failed"
	codePreconditionRequired = "precondition_required"
	codeInvalidTransition    = "invalid_transition"
	codeCategoryNotEmpty     = "category_not_empty"
	codeTooManyCategories    = "too_many_categories"
	codeProgramWasPublished  = "program_was_published"
	codeGroupHasLearners     = "group_has_learners"
)

// Who may do what: managers and admins edit the catalog; every staff role
// reads it; the history is for managers, directors and admins; the card's
// requisites are edited by admins only.
var (
	editors    = []db.MemberRole{db.MemberRoleManager, db.MemberRoleAdmin}
	historians = []db.MemberRole{db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}
	admins     = []db.MemberRole{db.MemberRoleAdmin}
)

// maxCategories bounds an organization's tree, which is listed whole.
const maxCategories = 500

// Cache-Control of public catalog reads and of staff reads.
const (
	publicCache  = "public, max-age=60"
	privateCache = "private, no-cache"
)

// versionTag is the ETag of a versioned row (organization card, category,
// program, group).
func versionTag(v int32) string { return `"v` + strconv.Itoa(int(v)) + `"` }

// requireIfMatch reads If-Match: 428 when missing, 412 when it names no
// version of ours or another than current.
func requireIfMatch(ctx context.Context, h *string, current int32) (int32, error) {
	if h == nil || strings.TrimSpace(*h) == "" {
		return 0, web.Fail(ctx, http.StatusPreconditionRequired, codePreconditionRequired,
			"Send If-Match with the ETag of the version you edited.")
	}
	return optionalIfMatch(ctx, h, current)
}

// optionalIfMatch is requireIfMatch where If-Match may be left out (state
// transitions): then the current version is used.
func optionalIfMatch(ctx context.Context, h *string, current int32) (int32, error) {
	if h == nil || strings.TrimSpace(*h) == "" {
		return current, nil
	}
	v := strings.TrimPrefix(strings.TrimSpace(*h), "W/")
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(v, `"v`), `"`))
	if err != nil || !strings.HasPrefix(v, `"v`) || int32(n) != current {
		return 0, stale(ctx, current)
	}
	return current, nil
}

func stale(ctx context.Context, current int32) error {
	return web.Fail(ctx, http.StatusPreconditionFailed, codePreconditionFailed,
		fmt.Sprintf("It has changed since (it is at version %d, ETag %s); fetch it again and reapply your change.", current, versionTag(current)))
}

// notModified reports whether If-None-Match names etag (weak comparison).
func notModified(h *string, etag string) bool {
	if h == nil {
		return false
	}
	for _, t := range strings.Split(*h, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// bodyTag is the ETag of a public answer: a digest of its JSON, so it
// changes exactly when what the visitor sees changes.
func bodyTag(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`, nil
}

func notFound(ctx context.Context, detail string) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, detail)
}

func invalid(ctx context.Context, fields ...apiFieldError) error {
	return &web.Error{Problem: web.Invalid(ctx, fields...)}
}

// staffCaller returns the caller after checking one of roles in orgID
// (404 outside the organization, 403 without the role).
func (s *Handler) staffCaller(ctx context.Context, orgID uuid.UUID, roles ...db.MemberRole) (*web.Principal, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, orgID, roles...); err != nil {
		return nil, err
	}
	return p, nil
}
