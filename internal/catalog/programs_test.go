package catalog_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestProgramLifecycleWithETagsAndHistory(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := apitest.NewStaffOrg(t, env, "lifecycle")
	slug := orgSlug(t, env, org.ID)

	in := client.ProgramCreate{Slug: "pedagogika-doo", Title: "Педагогика дошкольного образования", Kind: "qualification_upgrade",
		AcademicHours: 72, Format: "online", PriceMinor: 590000, Tags: &[]string{"ФГОС", " фгос ", "ДОО"},
		DescriptionMd: ptr("## О программе\n<script>alert(1)</script>**ФГОС ДО**"), TeacherIds: &[]uuid.UUID{org.User("teacher")}}
	p := newProgram(t, env, org, in)
	if p.Status != "draft" || p.CompletionDocument != "certificate_of_qualification" || !p.RequiresSnils || !p.RequiresPriorEducation {
		t.Fatalf("defaults of a ПК: %+v", p)
	}
	if len(p.Tags) != 2 || p.Tags[0] != "фгос" || len(p.Teachers) != 1 || p.Teachers[0].UserID != org.User("teacher") {
		t.Fatalf("tags %v teachers %v", p.Tags, p.Teachers)
	}
	if want := "<h2>О программе</h2>"; !contains(p.DescriptionHTML, want) || contains(p.DescriptionHTML, "<script") {
		t.Fatalf("description html %q", p.DescriptionHTML)
	}

	// A draft is invisible publicly.
	pub, _ := env.Client.GetCatalogProgramWithResponse(bg, slug, p.Slug, nil)
	apitest.WantProblem(t, pub.HTTPResponse, pub.Body, 404, "not_found")

	// If-Match: missing 428, stale 412, current 200 with a new ETag.
	upd := client.ProgramUpdate{PriceMinor: ptr(int64(650000))}
	res, _ := env.Client.UpdateProgramWithResponse(bg, org.ID, p.ID, nil, upd, org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 428, "precondition_required")
	res, _ = env.Client.UpdateProgramWithResponse(bg, org.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(p.Version + 5)}, upd, org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 412, "precondition_failed")
	res, _ = env.Client.UpdateProgramWithResponse(bg, org.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(p.Version)}, upd, org.As("manager"))
	if res.JSON200 == nil || res.JSON200.PriceMinor != 650000 || res.HTTPResponse.Header.Get("ETag") != *etag(p.Version + 1) {
		t.Fatalf("update: %d %s etag %q", res.StatusCode(), res.Body, res.HTTPResponse.Header.Get("ETag"))
	}
	// The same stale ETag again loses.
	res, _ = env.Client.UpdateProgramWithResponse(bg, org.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(p.Version)}, upd, org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 412, "precondition_failed")

	// Kind rules name the field: a ПК cannot lead to a diploma, nor last 8 hours.
	bad := client.ProgramUpdate{CompletionDocument: ptr(client.CompletionDocument("diploma")), AcademicHours: ptr(int32(8))}
	res, _ = env.Client.UpdateProgramWithResponse(bg, org.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(p.Version + 1)}, bad, org.As("manager"))
	prob := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(prob), "completionDocument:invalid_value", "academicHours:invalid_value") {
		t.Fatalf("fields %v", apitest.Fields(prob))
	}

	// The state machine: publish, publish again 409, unpublish, archive, unpublish from archived 409.
	p = publish(t, env, org, res2(t, env, org, p.ID))
	if p.Status != "published" || p.PublishedAt == nil {
		t.Fatalf("published: %+v", p)
	}
	again, _ := env.Client.PublishProgramWithResponse(bg, org.ID, p.ID, nil, org.As("manager"))
	if pr := apitest.WantProblem(t, again.HTTPResponse, again.Body, 409, "invalid_transition"); !contains(*pr.Detail, "published") {
		t.Fatalf("409 must name the status: %s", again.Body)
	}
	pub, _ = env.Client.GetCatalogProgramWithResponse(bg, slug, p.Slug, nil)
	if pub.JSON200 == nil || pub.JSON200.Teachers[0].LastName == "" {
		t.Fatalf("public page: %d %s", pub.StatusCode(), pub.Body)
	}
	arch, _ := env.Client.ArchiveProgramWithResponse(bg, org.ID, p.ID, nil, org.As("admin"))
	if arch.JSON200 == nil || arch.JSON200.Status != "archived" {
		t.Fatalf("archive: %d %s", arch.StatusCode(), arch.Body)
	}
	un, _ := env.Client.UnpublishProgramWithResponse(bg, org.ID, p.ID, nil, org.As("manager"))
	apitest.WantProblem(t, un.HTTPResponse, un.Body, 409, "invalid_transition")
	pub, _ = env.Client.GetCatalogProgramWithResponse(bg, slug, p.Slug, nil)
	apitest.WantProblem(t, pub.HTTPResponse, pub.Body, 404, "not_found")
	// A published-once program cannot be deleted.
	del, _ := env.Client.DeleteProgramWithResponse(bg, org.ID, p.ID, &client.DeleteProgramParams{IfMatch: etag(arch.JSON200.Version)}, org.As("manager"))
	apitest.WantProblem(t, del.HTTPResponse, del.Body, 409, "program_was_published")

	// Teachers and learners may read but not write.
	learner, _ := env.Client.UpdateProgramWithResponse(bg, org.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(1)}, upd, org.As("teacher"))
	apitest.WantProblem(t, learner.HTTPResponse, learner.Body, 403, "forbidden")

	// History: who, when, which fields, newest first, paged.
	h, _ := env.Client.ListProgramHistoryWithResponse(bg, org.ID, p.ID, &client.ListProgramHistoryParams{Limit: ptr(2)}, org.As("director"))
	if h.JSON200 == nil || len(h.JSON200.Items) != 2 || h.JSON200.NextCursor == nil {
		t.Fatalf("history: %d %s", h.StatusCode(), h.Body)
	}
	first := h.JSON200.Items[0]
	if first.Action != "update" || first.Actor == nil || first.Actor.ID != org.User("admin") {
		t.Fatalf("newest entry: %+v", first)
	}
	if _, ok := first.Changes["status"]; !ok {
		t.Fatalf("the archive changed status: %+v", first.Changes)
	}
	var all []client.CatalogHistoryEntry
	cursor := (*string)(nil)
	for {
		h, _ = env.Client.ListProgramHistoryWithResponse(bg, org.ID, p.ID, &client.ListProgramHistoryParams{Limit: ptr(2), Cursor: cursor}, org.As("manager"))
		all = append(all, h.JSON200.Items...)
		if cursor = h.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	last := all[len(all)-1]
	if last.Action != "create" || last.Actor.ID != org.User("manager") {
		t.Fatalf("oldest entry: %+v", last)
	}
	price := all[len(all)-2].Changes["price_minor"]
	if price.Old != float64(590000) || price.New != float64(650000) {
		t.Fatalf("price change: %+v (all %d)", all[len(all)-2], len(all))
	}
	hl, _ := env.Client.ListProgramHistoryWithResponse(bg, org.ID, p.ID, nil, org.As("teacher"))
	apitest.WantProblem(t, hl.HTTPResponse, hl.Body, 403, "forbidden")
}

// res2 reads a program back (its current version).
func res2(t *testing.T, env *apitest.Env, org apitest.StaffOrg, id uuid.UUID) client.Program {
	t.Helper()
	r, err := env.Client.GetProgramWithResponse(bg, org.ID, id, nil, org.As("teacher"))
	if err != nil || r.JSON200 == nil {
		t.Fatalf("get program: %v %s", err, r.Body)
	}
	return *r.JSON200
}

func TestTeachersMustBeTeachers(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := apitest.NewStaffOrg(t, env, "teachers")
	in := course("excel", "Excel для бухгалтера")
	in.TeacherIds = &[]uuid.UUID{org.User("teacher"), org.User("learner")}
	res, _ := env.Client.CreateProgramWithResponse(bg, org.ID, in, org.As("manager"))
	p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed")
	if f := apitest.Fields(p); len(f) != 1 || f[0] != "teacherIds.1:not_a_teacher" {
		t.Fatalf("fields %v", f)
	}
	if n := apitest.CountRows(t, env, "programs"); n != 0 {
		t.Fatalf("a refused program left %d rows", n)
	}
}

func TestCrossOrganizationIsNotFound(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	a := apitest.NewStaffOrg(t, env, "org-a")
	b := apitest.NewStaffOrg(t, env, "org-b")
	p := newProgram(t, env, a, course("secret", "Программа А"))

	get, _ := env.Client.GetProgramWithResponse(bg, a.ID, p.ID, nil, b.As("manager"))
	apitest.WantProblem(t, get.HTTPResponse, get.Body, 404, "not_found")
	upd, _ := env.Client.UpdateProgramWithResponse(bg, a.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(p.Version)}, client.ProgramUpdate{Title: ptr("Взлом")}, b.As("admin"))
	apitest.WantProblem(t, upd.HTTPResponse, upd.Body, 404, "not_found")
	// Org B's own path with org A's program id: no such program there either.
	upd, _ = env.Client.UpdateProgramWithResponse(bg, b.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(p.Version)}, client.ProgramUpdate{Title: ptr("Взлом")}, b.As("admin"))
	apitest.WantProblem(t, upd.HTTPResponse, upd.Body, 404, "not_found")
	cat, _ := env.Client.ListCategoriesWithResponse(bg, a.ID, b.As("admin"))
	apitest.WantProblem(t, cat.HTTPResponse, cat.Body, 404, "not_found")
	prof, _ := env.Client.GetOrganizationProfileWithResponse(bg, a.ID, nil, b.As("admin"))
	apitest.WantProblem(t, prof.HTTPResponse, prof.Body, 404, "not_found")
	if got := res2(t, env, a, p.ID); got.Title != "Программа А" {
		t.Fatalf("changed by another organization: %q", got.Title)
	}
}

// TestConcurrentEditsOneWins: two updates with the same If-Match race;
// the database's version check lets exactly one through.
func TestConcurrentEditsOneWins(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := apitest.NewStaffOrg(t, env, "race")
	p := newProgram(t, env, org, course("race", "Гонка"))
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := env.Client.UpdateProgramWithResponse(bg, org.ID, p.ID, &client.UpdateProgramParams{IfMatch: etag(p.Version)},
				client.ProgramUpdate{PriceMinor: ptr(int64(1000 + i))}, org.As("manager"))
			if err == nil {
				codes[i] = res.StatusCode()
			}
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusPreconditionFailed:
		default:
			t.Fatalf("codes %v", codes)
		}
	}
	if ok != 1 {
		t.Fatalf("%d updates won, want 1 (codes %v)", ok, codes)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
