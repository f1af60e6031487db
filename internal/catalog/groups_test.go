package catalog_test

import (
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func day(s string) openapi_types.Date {
	t, _ := time.Parse(time.DateOnly, s)
	return openapi_types.Date{Time: t}
}

func TestGroupsStateMachineAndPublicSeats(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := apitest.NewStaffOrg(t, env, "groups")
	slug := orgSlug(t, env, org.ID)
	p := publish(t, env, org, newProgram(t, env, org, course("groups", "Курс с группами")))

	bad, _ := env.Client.CreateGroupWithResponse(bg, org.ID, p.ID, client.GroupCreate{Code: "G-1", StartsOn: day("2027-03-01"), EndsOn: day("2027-02-01")}, org.As("manager"))
	if pr := apitest.WantProblem(t, bad.HTTPResponse, bad.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(pr), "endsOn:before_start") {
		t.Fatalf("fields %v", apitest.Fields(pr))
	}
	past := time.Now().Add(-time.Hour)
	g, _ := env.Client.CreateGroupWithResponse(bg, org.ID, p.ID, client.GroupCreate{Code: "G-1", StartsOn: day("2027-03-01"), EndsOn: day("2027-04-01"),
		Capacity: ptr(int32(2)), Enrollment: &client.EnrollmentWindow{OpensAt: &past}}, org.As("manager"))
	if g.JSON201 == nil || g.JSON201.Status != "planned" {
		t.Fatalf("create group: %d %s", g.StatusCode(), g.Body)
	}
	dup, _ := env.Client.CreateGroupWithResponse(bg, org.ID, p.ID, client.GroupCreate{Code: "G-1", StartsOn: day("2027-05-01"), EndsOn: day("2027-06-01")}, org.As("manager"))
	apitest.WantProblem(t, dup.HTTPResponse, dup.Body, 409, "already_exists")
	id := g.JSON201.ID

	move := func(to string) *client.ChangeGroupStatusResponse {
		r, _ := env.Client.ChangeGroupStatusWithResponse(bg, org.ID, p.ID, id, nil, client.GroupStatusChange{Status: client.GroupStatus(to)}, org.As("manager"))
		return r
	}
	// planned → finished skips running: 409 naming planned.
	r := move("finished")
	if pr := apitest.WantProblem(t, r.HTTPResponse, r.Body, 409, "invalid_transition"); !contains(*pr.Detail, "planned") {
		t.Fatalf("detail %s", *pr.Detail)
	}
	if r = move("enrolling"); r.JSON200 == nil || r.JSON200.Status != "enrolling" {
		t.Fatalf("enrolling: %d %s", r.StatusCode(), r.Body)
	}
	// The public list shows seats left and enrollment open; the program's next start follows.
	pub, _ := env.Client.ListCatalogProgramGroupsWithResponse(bg, slug, p.Slug, nil)
	if pub.JSON200 == nil || len(pub.JSON200.Items) != 1 || !pub.JSON200.Items[0].EnrollmentOpen || *pub.JSON200.Items[0].SeatsLeft != 2 {
		t.Fatalf("public groups: %d %s", pub.StatusCode(), pub.Body)
	}
	open, _ := env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{EnrollmentOpen: ptr(true)})
	if got := slugs(open.JSON200.Items); len(got) != 1 || got[0] != "groups" {
		t.Fatalf("enrollment open → %v", got)
	}
	if r = move("running"); r.JSON200 == nil {
		t.Fatalf("running: %d %s", r.StatusCode(), r.Body)
	}
	if r = move("enrolling"); r.StatusCode() != 409 {
		t.Fatalf("running → enrolling: %d", r.StatusCode())
	}
	if r = move("finished"); r.JSON200 == nil {
		t.Fatalf("finished: %d %s", r.StatusCode(), r.Body)
	}
	r = move("canceled")
	apitest.WantProblem(t, r.HTTPResponse, r.Body, 409, "invalid_transition")
	// A finished group leaves the public list.
	pub, _ = env.Client.ListCatalogProgramGroupsWithResponse(bg, slug, p.Slug, nil)
	if len(pub.JSON200.Items) != 0 {
		t.Fatalf("finished group still public: %s", pub.Body)
	}
	// Capacity below the seats taken names the field.
	if _, err := env.Pool.Exec(bg, `UPDATE study_groups SET seats_taken = 2 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	cur, _ := env.Client.GetGroupWithResponse(bg, org.ID, p.ID, id, org.As("teacher"))
	u, _ := env.Client.UpdateGroupWithResponse(bg, org.ID, p.ID, id, &client.UpdateGroupParams{IfMatch: etag(cur.JSON200.Version)}, client.GroupUpdate{Capacity: ptr(int32(1))}, org.As("manager"))
	if pr := apitest.WantProblem(t, u.HTTPResponse, u.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(pr), "capacity:below_seats_taken") {
		t.Fatalf("fields %v", apitest.Fields(pr))
	}
	d, _ := env.Client.DeleteGroupWithResponse(bg, org.ID, p.ID, id, &client.DeleteGroupParams{IfMatch: etag(cur.JSON200.Version)}, org.As("manager"))
	apitest.WantProblem(t, d.HTTPResponse, d.Body, 409, "group_has_learners")
}

func TestCategoriesOverHTTP(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := apitest.NewStaffOrg(t, env, "tree")
	mk := func(slug string, parent *openapi_types.UUID) client.Category {
		r, _ := env.Client.CreateCategoryWithResponse(bg, org.ID, client.CategoryCreate{Slug: slug, Title: "Категория " + slug, ParentID: parent}, org.As("manager"))
		if r.JSON201 == nil {
			t.Fatalf("create %s: %d %s", slug, r.StatusCode(), r.Body)
		}
		return *r.JSON201
	}
	root := mk("it", nil)
	child := mk("python", &root.ID)
	dup, _ := env.Client.CreateCategoryWithResponse(bg, org.ID, client.CategoryCreate{Slug: "it", Title: "Ещё"}, org.As("manager"))
	apitest.WantProblem(t, dup.HTTPResponse, dup.Body, 409, "already_exists")

	// Moving a category under its own child is refused naming parentId.
	var np client.CategoryUpdate
	np.ParentID.Set(child.ID)
	cyc, _ := env.Client.UpdateCategoryWithResponse(bg, org.ID, root.ID, &client.UpdateCategoryParams{IfMatch: etag(root.Version)}, np, org.As("manager"))
	if pr := apitest.WantProblem(t, cyc.HTTPResponse, cyc.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(pr), "parentId:cycle") {
		t.Fatalf("fields %v", apitest.Fields(pr))
	}
	// Deleting with children or programs: 409.
	del, _ := env.Client.DeleteCategoryWithResponse(bg, org.ID, root.ID, &client.DeleteCategoryParams{IfMatch: etag(root.Version)}, org.As("manager"))
	apitest.WantProblem(t, del.HTTPResponse, del.Body, 409, "category_not_empty")
	in := course("py", "Python для учителей")
	in.CategoryID = &child.ID
	newProgram(t, env, org, in)
	del, _ = env.Client.DeleteCategoryWithResponse(bg, org.ID, child.ID, &client.DeleteCategoryParams{IfMatch: etag(child.Version)}, org.As("manager"))
	apitest.WantProblem(t, del.HTTPResponse, del.Body, 409, "category_not_empty")
	// Move the child to the root level (parentId null), then the old root is empty.
	var toRoot client.CategoryUpdate
	toRoot.ParentID.SetNull()
	mv, _ := env.Client.UpdateCategoryWithResponse(bg, org.ID, child.ID, &client.UpdateCategoryParams{IfMatch: etag(child.Version)}, toRoot, org.As("manager"))
	if mv.JSON200 == nil || mv.JSON200.ParentID != nil {
		t.Fatalf("move to root: %d %s", mv.StatusCode(), mv.Body)
	}
	del, _ = env.Client.DeleteCategoryWithResponse(bg, org.ID, root.ID, &client.DeleteCategoryParams{IfMatch: etag(root.Version)}, org.As("manager"))
	if del.StatusCode() != 204 {
		t.Fatalf("delete: %d %s", del.StatusCode(), del.Body)
	}
	// The staff list filters by category and text.
	list, _ := env.Client.ListProgramsWithResponse(bg, org.ID, &client.ListProgramsParams{Category: &child.ID, Q: ptr("pyth")}, org.As("teacher"))
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("staff list: %d %s", list.StatusCode(), list.Body)
	}
	list, _ = env.Client.ListProgramsWithResponse(bg, org.ID, &client.ListProgramsParams{Status: ptr(client.ProgramStatus("published"))}, org.As("teacher"))
	if len(list.JSON200.Items) != 0 {
		t.Fatalf("status filter: %s", list.Body)
	}
}
