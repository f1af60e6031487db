// Package news is the domain of an organization's news and FAQ: staff
// write them in Markdown (rendered to sanitized HTML on write), and readers
// get them publicly (no sign-in, cacheable with ETags) or, for
// members-only content, as signed-in members.
//
// Audiences are "public" and "members" (db.ContentAudience); a
// members-only news item may be for the learners of given programs
// (program_ids). readerAudiences and ListPublishedNews's learner condition
// decide what a reader sees; deliver.go tells readers of a published item.
package news

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// editorRoles write news and the FAQ.
var editorRoles = []db.MemberRole{db.MemberRoleManager, db.MemberRoleAdmin}

// publicCacheControl lets browsers and shared caches keep public answers
// for a minute, so a scheduled item shows up at most a minute late.
const publicCacheControl = "public, max-age=60"

// maxCategories bounds an organization's FAQ categories, so their list
// needs no pagination.
const maxCategories = 100

// Handler implements the news and FAQ operations of the generated
// strict-server interface.
type Handler struct {
	web.Base
	md   *markdown.Renderer
	jobs jobs.Inserter // the readers' notification job, in the publishing transaction
}

// New builds the news and FAQ handlers; ins inserts the job that tells a
// published item's readers (nil: nobody is told).
func New(base web.Base, ins jobs.Inserter) *Handler {
	return &Handler{Base: base, md: markdown.New(), jobs: ins}
}

// readerAudiences is what a reader may see: everybody the public items, an
// organization's members also the members-only ones.
func readerAudiences(member bool) []string {
	if member {
		return []string{string(db.ContentAudiencePublic), string(db.ContentAudienceMembers)}
	}
	return []string{string(db.ContentAudiencePublic)}
}

// publicOrg finds the organization named by slug or id, for public reads.
func (s *Handler) publicOrg(ctx context.Context, ref string) (uuid.UUID, error) {
	var (
		org db.Organization
		err error
	)
	if id, perr := uuid.Parse(ref); perr == nil {
		org, err = s.Q.GetOrganizationByID(ctx, id)
	} else {
		org, err = s.Q.GetOrganizationBySlug(ctx, ref)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such organization.")
	}
	return org.ID, err
}

// member checks that the caller is an active member of orgID (any role).
func (s *Handler) member(ctx context.Context, orgID uuid.UUID) (db.Membership, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.Membership{}, err
	}
	return s.RequireRole(ctx, p, orgID)
}

// editor checks that the caller may edit orgID's news and FAQ.
func (s *Handler) editor(ctx context.Context, orgID uuid.UUID) (*web.Principal, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	_, err = s.RequireRole(ctx, p, orgID, editorRoles...)
	return p, err
}

func notFound(ctx context.Context, detail string) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, detail)
}
