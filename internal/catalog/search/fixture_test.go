package search_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// fixture is a fresh database with helpers to fill a catalog.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	q    *db.Queries
	s    *search.Searcher
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testdb.New(t)
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	return &fixture{t: t, ctx: context.Background(), pool: pool, q: db.New(pool), now: now,
		s: search.New(pool, func() time.Time { return now })}
}

func (f *fixture) org(slug, name string) uuid.UUID {
	f.t.Helper()
	o, err := f.q.CreateOrganization(f.ctx, db.CreateOrganizationParams{Slug: slug, Name: name})
	if err != nil {
		f.t.Fatal(err)
	}
	return o.ID
}

func (f *fixture) category(org uuid.UUID, parent *uuid.UUID, slug, title string) uuid.UUID {
	f.t.Helper()
	c, err := f.q.CreateCategory(f.ctx, db.CreateCategoryParams{OrganizationID: org, ParentID: parent, Slug: slug, Title: title})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// prog describes a program; zero fields get defaults.
type prog struct {
	slug, title, short, desc string
	kind                     db.ProgramKind
	format                   db.StudyFormat
	hours                    int32
	price                    int64
	tags                     []string
	category                 *uuid.UUID
	draft                    bool
}

func (f *fixture) program(org uuid.UUID, p prog) db.Program {
	f.t.Helper()
	if p.kind == "" {
		p.kind = db.ProgramKindCourse
	}
	if p.format == "" {
		p.format = db.StudyFormatOnline
	}
	if p.hours == 0 {
		p.hours = 16
	}
	doc, state := db.CompletionDocumentCertificate, false
	switch p.kind {
	case db.ProgramKindQualificationUpgrade:
		doc, state = db.CompletionDocumentCertificateOfQualification, true
	case db.ProgramKindProfessionalRetraining:
		doc, state = db.CompletionDocumentDiploma, true
	}
	if p.tags == nil {
		p.tags = []string{}
	}
	created, err := f.q.CreateProgram(f.ctx, db.CreateProgramParams{
		OrganizationID: org, CategoryID: p.category, Slug: p.slug, Title: p.title,
		ShortDescription: p.short, DescriptionMd: p.desc, Kind: p.kind, CompletionDocument: doc,
		AcademicHours: p.hours, Format: p.format, PriceMinor: p.price, Currency: "RUB", Tags: p.tags,
		RequiredDocuments: []string{"passport"}, RequiresSnils: state, RequiresPriorEducation: state,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if p.draft {
		return created
	}
	return f.setStatus(created, db.ProgramStatusPublished)
}

func (f *fixture) setStatus(p db.Program, st db.ProgramStatus) db.Program {
	f.t.Helper()
	out, err := f.q.SetProgramStatus(f.ctx, db.SetProgramStatusParams{Status: st, OrganizationID: p.OrganizationID, ID: p.ID, Version: p.Version})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// grp describes a group; the window is open when opens/closes are zero.
type grp struct {
	starts        time.Time
	status        db.GroupStatus
	opens, closes *time.Time
	capacity      int32
}

func (f *fixture) group(p db.Program, code string, g grp) db.StudyGroup {
	f.t.Helper()
	if g.status == "" {
		g.status = db.GroupStatusEnrolling
	}
	out, err := f.q.CreateGroup(f.ctx, db.CreateGroupParams{
		OrganizationID: p.OrganizationID, ProgramID: p.ID, Code: code,
		StartsOn: pgDate(g.starts), EndsOn: pgDate(g.starts.AddDate(0, 1, 0)),
		EnrollmentOpensAt: g.opens, EnrollmentClosesAt: g.closes, Capacity: g.capacity, Status: g.status,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func pgDate(t time.Time) pgtype.Date { return pgtype.Date{Time: t, Valid: true} }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// search runs q and fails the test on error.
func (f *fixture) search(q search.Query) search.Result {
	f.t.Helper()
	r, err := f.s.Search(f.ctx, q)
	if err != nil {
		f.t.Fatalf("Search(%+v): %v", q, err)
	}
	return r
}

// slugs lists the result's program slugs in order.
func slugs(r search.Result) []string {
	out := make([]string, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.Slug
	}
	return out
}

func ptr[T any](v T) *T { return &v }
