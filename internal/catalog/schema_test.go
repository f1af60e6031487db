package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

type env struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	q    *db.Queries
	org  uuid.UUID
}

func newEnv(t *testing.T) *env {
	pool := testdb.New(t)
	e := &env{t: t, ctx: context.Background(), pool: pool, q: db.New(pool)}
	o, err := e.q.CreateOrganization(e.ctx, db.CreateOrganizationParams{Slug: "ekstern", Name: "Экстерн"})
	if err != nil {
		t.Fatal(err)
	}
	e.org = o.ID
	return e
}

// member adds a user with a role in org.
func (e *env) member(org uuid.UUID, role db.MemberRole) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	n := uuid.NewString()[:8]
	err := e.pool.QueryRow(e.ctx, `INSERT INTO users (email, phone, first_name, last_name, password_hash)
		VALUES ($1, $2, 'Анна', 'Петрова', 'x') RETURNING id`, n+"@example.org", fmt.Sprintf("+7900%07d", time.Now().UnixNano()%10_000_000)).Scan(&id)
	if err == nil {
		_, err = e.pool.Exec(e.ctx, "INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)", org, id, role)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) program(slug string, kind db.ProgramKind) db.Program {
	e.t.Helper()
	d := catalog.DefaultsFor(kind)
	p, err := e.q.CreateProgram(e.ctx, db.CreateProgramParams{OrganizationID: e.org, Slug: slug, Title: "Программа " + slug,
		Kind: kind, CompletionDocument: d.CompletionDocument, AcademicHours: 72, Format: db.StudyFormatOnline,
		PriceMinor: 100_00, Currency: "RUB", Tags: []string{}, RequiredDocuments: d.RequiredDocuments,
		RequiresSnils: d.RequiresSNILS, RequiresPriorEducation: d.RequiresPriorEducation})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func constraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code + " " + pe.ConstraintName
	}
	return fmt.Sprint(err)
}

func TestCategoryTree(t *testing.T) {
	e := newEnv(t)
	mk := func(parent *uuid.UUID, slug string) db.ProgramCategory {
		t.Helper()
		c, err := e.q.CreateCategory(e.ctx, db.CreateCategoryParams{OrganizationID: e.org, ParentID: parent, Slug: slug, Title: slug})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	root := mk(nil, "root")
	a := mk(&root.ID, "aa")
	b := mk(&a.ID, "bb")
	other := mk(nil, "other")

	descendants := func(id uuid.UUID) int {
		ids, err := e.q.ListCategoryWithDescendants(e.ctx, db.ListCategoryWithDescendantsParams{OrganizationID: e.org, ID: id})
		if err != nil {
			t.Fatal(err)
		}
		return len(ids)
	}
	if descendants(root.ID) != 3 || descendants(a.ID) != 2 || descendants(b.ID) != 1 {
		t.Fatal("descendants")
	}
	// Moving aa (with bb) under other.
	moved, err := e.q.UpdateCategory(e.ctx, db.UpdateCategoryParams{OrganizationID: e.org, ID: a.ID, Version: a.Version,
		ParentID: &other.ID, Slug: a.Slug, Title: "AA"})
	if err != nil || moved.Version != a.Version+1 {
		t.Fatal(moved, err)
	}
	if descendants(root.ID) != 1 || descendants(other.ID) != 3 {
		t.Fatal("the subtree did not move")
	}
	// Stale version: no row.
	if _, err := e.q.UpdateCategory(e.ctx, db.UpdateCategoryParams{OrganizationID: e.org, ID: a.ID, Version: a.Version,
		Slug: a.Slug, Title: "x"}); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("stale update: %v", err)
	}
	// Under its own descendant.
	_, err = e.q.UpdateCategory(e.ctx, db.UpdateCategoryParams{OrganizationID: e.org, ID: other.ID, Version: other.Version,
		ParentID: &b.ID, Slug: other.Slug, Title: other.Title})
	if got := constraint(err); got != "23514 program_categories_no_cycle" {
		t.Fatalf("cycle: %s", got)
	}
	// Deeper than six levels.
	parent := b.ID
	for i := range 3 {
		parent = mk(&parent, fmt.Sprintf("deep-%d", i)).ID
	}
	_, err = e.q.CreateCategory(e.ctx, db.CreateCategoryParams{OrganizationID: e.org, ParentID: &parent, Slug: "too-deep", Title: "x"})
	if got := constraint(err); got != "23514 program_categories_depth" {
		t.Fatalf("depth: %s", got)
	}
	// A parent of another organization.
	o2, _ := e.q.CreateOrganization(e.ctx, db.CreateOrganizationParams{Slug: "o2", Name: "O2"})
	_, err = e.q.CreateCategory(e.ctx, db.CreateCategoryParams{OrganizationID: o2.ID, ParentID: &root.ID, Slug: "xx", Title: "x"})
	if got := constraint(err); got != "23503 program_categories_organization_id_parent_id_fkey" {
		t.Fatalf("cross-organization parent: %s", got)
	}
	// Deleting a category with children fails; a leaf goes.
	if _, err := e.q.DeleteCategory(e.ctx, db.DeleteCategoryParams{OrganizationID: e.org, ID: other.ID, Version: other.Version}); constraint(err)[:5] != "23503" {
		t.Fatalf("delete with children: %v", err)
	}
	if n, err := e.q.DeleteCategory(e.ctx, db.DeleteCategoryParams{OrganizationID: e.org, ID: root.ID, Version: root.Version}); n != 1 || err != nil {
		t.Fatalf("delete leaf: %d %v", n, err)
	}
}

func TestProgramVersionsAndRules(t *testing.T) {
	e := newEnv(t)
	p := e.program("pk", db.ProgramKindQualificationUpgrade)
	upd := func(version int32, snils bool) (db.Program, error) {
		return e.q.UpdateProgram(e.ctx, db.UpdateProgramParams{OrganizationID: e.org, ID: p.ID, Version: version,
			Slug: p.Slug, Title: "Новое название", Kind: p.Kind, CompletionDocument: p.CompletionDocument,
			AcademicHours: p.AcademicHours, Format: p.Format, PriceMinor: p.PriceMinor, Currency: "RUB", Tags: []string{},
			RequiredDocuments: p.RequiredDocuments, RequiresSnils: snils, RequiresPriorEducation: true})
	}
	if _, err := upd(p.Version, false); constraint(err) != "23514 programs_state_format" {
		t.Fatalf("ПК without СНИЛС: %v", err)
	}
	p2, err := upd(p.Version, true)
	if err != nil || p2.Version != p.Version+1 || p2.Title != "Новое название" {
		t.Fatal(p2, err)
	}
	if _, err := upd(p.Version, true); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("stale: %v", err)
	}
	if _, err := e.q.CreateProgram(e.ctx, db.CreateProgramParams{OrganizationID: e.org, Slug: "pk", Title: "dup",
		Kind: db.ProgramKindCourse, CompletionDocument: db.CompletionDocumentNone, AcademicHours: 1, Format: db.StudyFormatOnline,
		Currency: "RUB", Tags: []string{}, RequiredDocuments: []string{"selfie"}}); constraint(err) == "" {
		t.Fatal("bad document kind accepted")
	}
	for _, d := range catalog.DocumentKinds() {
		if _, err := e.q.CreateProgram(e.ctx, db.CreateProgramParams{OrganizationID: e.org, Slug: "doc-" + d[:3] + "x", Title: d,
			Kind: db.ProgramKindCourse, CompletionDocument: db.CompletionDocumentNone, AcademicHours: 1, Format: db.StudyFormatOnline,
			Currency: "RUB", Tags: []string{}, RequiredDocuments: []string{d}}); err != nil {
			t.Fatalf("document kind %s refused by the database: %v", d, err)
		}
	}
	// Publishing stamps published_at once; a published program is not deleted.
	pub, err := e.q.SetProgramStatus(e.ctx, db.SetProgramStatusParams{Status: db.ProgramStatusPublished, OrganizationID: e.org, ID: p.ID, Version: p2.Version})
	if err != nil || pub.PublishedAt == nil {
		t.Fatal(pub, err)
	}
	back, err := e.q.SetProgramStatus(e.ctx, db.SetProgramStatusParams{Status: db.ProgramStatusDraft, OrganizationID: e.org, ID: p.ID, Version: pub.Version})
	if err != nil || back.PublishedAt == nil || !back.PublishedAt.Equal(*pub.PublishedAt) {
		t.Fatal(back, err)
	}
	if n, _ := e.q.DeleteProgram(e.ctx, db.DeleteProgramParams{OrganizationID: e.org, ID: p.ID, Version: back.Version}); n != 0 {
		t.Fatal("a once-published program was deleted")
	}
}

func TestHistory(t *testing.T) {
	e := newEnv(t)
	actor := e.member(e.org, db.MemberRoleManager)
	var p db.Program
	err := store.InTx(e.ctx, e.pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(e.ctx, actor); err != nil {
			return err
		}
		var err error
		p = e.program("hist", db.ProgramKindCourse) // outside the transaction: no actor
		p, err = q.UpdateProgram(e.ctx, db.UpdateProgramParams{OrganizationID: e.org, ID: p.ID, Version: p.Version,
			Slug: p.Slug, Title: "Изменено", DescriptionMd: "**новое**", DescriptionHtml: "<p><strong>новое</strong></p>",
			Kind: p.Kind, CompletionDocument: p.CompletionDocument, AcademicHours: p.AcademicHours, Format: p.Format,
			PriceMinor: 200_00, Currency: "RUB", Tags: []string{"новое"}, RequiredDocuments: p.RequiredDocuments})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A group changes next_start_on only: no program history for it.
	if _, err := e.q.CreateGroup(e.ctx, db.CreateGroupParams{OrganizationID: e.org, ProgramID: p.ID, Code: "G1",
		StartsOn: pgtype.Date{Time: time.Now(), Valid: true}, EndsOn: pgtype.Date{Time: time.Now().AddDate(0, 1, 0), Valid: true},
		Status: db.GroupStatusPlanned}); err != nil {
		t.Fatal(err)
	}
	h, err := e.q.ListEntityHistory(e.ctx, db.ListEntityHistoryParams{OrganizationID: e.org, EntityType: db.CatalogEntityProgram, EntityID: p.ID, Lim: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Action != db.CatalogActionUpdate || h[1].Action != db.CatalogActionCreate {
		t.Fatalf("history %+v", h)
	}
	if h[0].ActorID == nil || *h[0].ActorID != actor || h[0].ActorLastName == nil || *h[0].ActorLastName != "Петрова" || h[1].ActorID != nil {
		t.Fatalf("actors %+v / %+v", h[0], h[1])
	}
	var changes map[string]map[string]any
	if err := json.Unmarshal(h[0].Changes, &changes); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		"title":          {"old": "Программа hist", "new": "Изменено"},
		"description_md": {"old": "", "new": "**новое**"},
		"price_minor":    {"old": float64(10000), "new": float64(20000)},
		"tags":           {"old": []any{}, "new": []any{"новое"}},
	}
	if fmt.Sprint(changes) != fmt.Sprint(want) {
		t.Fatalf("changes %v\nwant    %v", changes, want)
	}
	groups, _ := e.q.ListOrganizationHistory(e.ctx, db.ListOrganizationHistoryParams{OrganizationID: e.org, Lim: 10})
	if len(groups) != 4 || groups[0].EntityType != db.CatalogEntityGroup || groups[3].EntityType != db.CatalogEntityOrganization {
		t.Fatalf("organization history %+v", groups)
	}
	// Deleting a program records it.
	d := e.program("gone", db.ProgramKindCourse)
	if n, err := e.q.DeleteProgram(e.ctx, db.DeleteProgramParams{OrganizationID: e.org, ID: d.ID, Version: d.Version}); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	h, _ = e.q.ListEntityHistory(e.ctx, db.ListEntityHistoryParams{OrganizationID: e.org, EntityType: db.CatalogEntityProgram, EntityID: d.ID, Lim: 10})
	if len(h) != 2 || h[0].Action != db.CatalogActionDelete {
		t.Fatalf("delete history %+v", h)
	}
}

// TestLastSeat: many approvals race for the last seats; exactly capacity
// of them get one.
func TestLastSeat(t *testing.T) {
	e := newEnv(t)
	p := e.program("seats", db.ProgramKindCourse)
	now := time.Now()
	g, err := e.q.CreateGroup(e.ctx, db.CreateGroupParams{OrganizationID: e.org, ProgramID: p.ID, Code: "G",
		StartsOn: pgtype.Date{Time: now, Valid: true}, EndsOn: pgtype.Date{Time: now, Valid: true}, Capacity: 3, Status: db.GroupStatusEnrolling})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := store.InTx(e.ctx, e.pool, func(q *db.Queries) error {
				_, err := q.TakeGroupSeat(e.ctx, db.TakeGroupSeatParams{OrganizationID: e.org, ID: g.ID, Now: now})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, pgx.ErrNoRows):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won != 3 {
		t.Fatalf("%d approvals got a seat of 3", won)
	}
	// A closed window or another status gives no seat, even with one free.
	if _, err := e.q.ReleaseGroupSeat(e.ctx, db.ReleaseGroupSeatParams{OrganizationID: e.org, ID: g.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.TakeGroupSeat(e.ctx, db.TakeGroupSeatParams{OrganizationID: e.org, ID: g.ID, Now: now}); err != nil {
		t.Fatalf("the released seat: %v", err)
	}
	closes := now.Add(-time.Hour)
	opens := now.Add(-2 * time.Hour)
	cur, _ := e.q.GetGroup(e.ctx, db.GetGroupParams{OrganizationID: e.org, ID: g.ID})
	cur, err = e.q.UpdateGroup(e.ctx, db.UpdateGroupParams{OrganizationID: e.org, ID: g.ID, Version: cur.Version, Code: "G",
		StartsOn: cur.StartsOn, EndsOn: cur.EndsOn, EnrollmentOpensAt: &opens, EnrollmentClosesAt: &closes, Capacity: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.TakeGroupSeat(e.ctx, db.TakeGroupSeatParams{OrganizationID: e.org, ID: g.ID, Now: now}); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("closed window: %v", err)
	}
	// Capacity below the seats taken is refused.
	_, err = e.q.UpdateGroup(e.ctx, db.UpdateGroupParams{OrganizationID: e.org, ID: g.ID, Version: cur.Version, Code: "G",
		StartsOn: cur.StartsOn, EndsOn: cur.EndsOn, Capacity: 2})
	if constraint(err) != "23514 study_groups_seats" {
		t.Fatalf("capacity below seats: %v", err)
	}
}

func TestTeachers(t *testing.T) {
	e := newEnv(t)
	p := e.program("teach", db.ProgramKindCourse)
	teacher := e.member(e.org, db.MemberRoleTeacher)
	learner := e.member(e.org, db.MemberRoleLearner)
	o2, _ := e.q.CreateOrganization(e.ctx, db.CreateOrganizationParams{Slug: "o2", Name: "O2"})
	stranger := e.member(o2.ID, db.MemberRoleTeacher)
	add := func(user uuid.UUID) int64 {
		n, err := e.q.AddProgramTeacher(e.ctx, db.AddProgramTeacherParams{OrganizationID: e.org, ProgramID: p.ID, UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if add(teacher) != 1 || add(teacher) != 0 || add(learner) != 0 || add(stranger) != 0 {
		t.Fatal("teacher assignment rules")
	}
	list, err := e.q.ListProgramTeachers(e.ctx, db.ListProgramTeachersParams{OrganizationID: e.org, ProgramID: p.ID})
	if err != nil || len(list) != 1 || list[0].UserID != teacher {
		t.Fatal(list, err)
	}
	if _, err := e.pool.Exec(e.ctx, "DELETE FROM memberships WHERE user_id = $1", teacher); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.q.ListProgramTeachers(e.ctx, db.ListProgramTeachersParams{OrganizationID: e.org, ProgramID: p.ID}); len(list) != 0 {
		t.Fatal("assignment outlived the membership")
	}
}

func TestCatalogOrganizations(t *testing.T) {
	e := newEnv(t)
	p := e.program("listed", db.ProgramKindCourse)
	list := func() []db.ListCatalogOrganizationsRow {
		t.Helper()
		rows, err := e.q.ListCatalogOrganizations(e.ctx, db.ListCatalogOrganizationsParams{Lim: 10})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("a center without published programs is listed: %+v", got)
	}
	pub, err := e.q.SetProgramStatus(e.ctx, db.SetProgramStatusParams{Status: db.ProgramStatusPublished, OrganizationID: e.org, ID: p.ID, Version: p.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 1 || got[0].Slug != "ekstern" || got[0].Programs != 1 {
		t.Fatalf("listed %+v", got)
	}
	if _, err := e.q.SetProgramStatus(e.ctx, db.SetProgramStatusParams{Status: db.ProgramStatusArchived, OrganizationID: e.org, ID: p.ID, Version: pub.Version}); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("still listed after archiving: %+v", got)
	}
}
