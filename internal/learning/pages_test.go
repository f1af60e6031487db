package learning_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// TestAuthoringListsArePagedInTheProgramsOrder walks listModules and
// listLessons a page at a time: the program's order (module position, then
// lesson position) with no overlap and no gap across module boundaries, a
// null nextCursor on the last page, the new order after reorderContent, 422
// for a cursor the list did not hand out, and 404 for outsiders with a
// valid cursor.
func TestAuthoringListsArePagedInTheProgramsOrder(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := staffOrg(t, env)
	c := apitest.NewCourse(t, env, org, 0)
	as := org.As("teacher")
	var modules []client.LearningModule
	for _, title := range []string{"М1", "М2", "М3", "М4", "М5"} {
		modules = append(modules, newModule(t, env, org, c.ProgramID, title))
	}
	// Lessons in M1 (3), M3 (2) and M4 (2); M2 and M5 stay empty. Lesson
	// positions restart in each module, so a cursor without the module's
	// position would lose or repeat lessons across modules.
	lessons := map[uuid.UUID][]uuid.UUID{}
	for _, m := range []int{0, 0, 0, 2, 2, 3, 3} {
		id := modules[m].ID
		l := newLesson(t, env, org, c.ProgramID, textLesson(id, "Урок "+apitest.Itoa(int64(len(lessons[id])+1))))
		lessons[id] = append(lessons[id], l.ID)
	}
	v := newLesson(t, env, org, c.ProgramID, client.LessonCreate{ModuleID: modules[2].ID, Kind: client.LessonKindVideo, Title: "Видео",
		VideoURL: ptr("https://video.example.org/embed/7")})
	video := v.ID
	lessons[modules[2].ID] = append(lessons[modules[2].ID], video)
	programOrder := func(mods []client.LearningModule) (ms, ls []uuid.UUID) {
		for _, m := range mods {
			ms = append(ms, m.ID)
			ls = append(ls, lessons[m.ID]...)
		}
		return ms, ls
	}
	walkModules := func(limit int) []uuid.UUID {
		return apitest.WalkPages(t, limit, func(cursor *string) apitest.Page {
			res, err := env.Client.ListModulesWithResponse(bg, org.ID, c.ProgramID, &client.ListModulesParams{Limit: &limit, Cursor: cursor}, as)
			if err != nil || res.JSON200 == nil {
				t.Fatalf("listModules: %v %s", err, res.Body)
			}
			var p apitest.Page
			for _, m := range res.JSON200.Items {
				p.IDs = append(p.IDs, m.ID)
			}
			p.Next = res.JSON200.NextCursor
			return p
		})
	}
	walkLessons := func(limit int, params client.ListLessonsParams) []uuid.UUID {
		return apitest.WalkPages(t, limit, func(cursor *string) apitest.Page {
			params.Limit, params.Cursor = &limit, cursor
			res, err := env.Client.ListLessonsWithResponse(bg, org.ID, c.ProgramID, &params, as)
			if err != nil || res.JSON200 == nil {
				t.Fatalf("listLessons: %v %s", err, res.Body)
			}
			var p apitest.Page
			for _, l := range res.JSON200.Items {
				p.IDs = append(p.IDs, l.ID)
			}
			p.Next = res.JSON200.NextCursor
			return p
		})
	}
	wantModules, wantLessons := programOrder(modules)
	for _, limit := range []int{1, 2, 3, 5, 100} {
		if got := walkModules(limit); !slices.Equal(got, wantModules) {
			t.Fatalf("modules by %d: %v, want %v", limit, got, wantModules)
		}
		if got := walkLessons(limit, client.ListLessonsParams{}); !slices.Equal(got, wantLessons) {
			t.Fatalf("lessons by %d: %v, want %v", limit, got, wantLessons)
		}
	}
	if got := walkLessons(2, client.ListLessonsParams{ModuleID: &modules[2].ID}); !slices.Equal(got, lessons[modules[2].ID]) {
		t.Fatalf("M3's lessons: %v, want %v", got, lessons[modules[2].ID])
	}
	kind := client.LessonKindText
	if got := walkLessons(2, client.ListLessonsParams{Kind: &kind}); !slices.Equal(got, slices.DeleteFunc(slices.Clone(wantLessons), func(id uuid.UUID) bool { return id == video })) {
		t.Fatalf("text lessons: %v", got)
	}

	// After a reorder the pages follow the new order: M4, M3, M1, M5, M2,
	// and M3's lessons reversed.
	reordered := []client.LearningModule{modules[3], modules[2], modules[0], modules[4], modules[1]}
	slices.Reverse(lessons[modules[2].ID])
	var order client.ContentOrder
	for _, m := range reordered {
		order.Modules = append(order.Modules, client.ContentOrderModule{ID: m.ID, Lessons: append([]uuid.UUID{}, lessons[m.ID]...)})
	}
	if res, err := env.Client.ReorderContentWithResponse(bg, org.ID, c.ProgramID, order, as); err != nil || res.JSON200 == nil {
		t.Fatalf("reorder: %v %s", err, res.Body)
	}
	wantModules, wantLessons = programOrder(reordered)
	if got := walkModules(2); !slices.Equal(got, wantModules) {
		t.Fatalf("modules after reorder: %v, want %v", got, wantModules)
	}
	if got := walkLessons(3, client.ListLessonsParams{}); !slices.Equal(got, wantLessons) {
		t.Fatalf("lessons after reorder: %v, want %v", got, wantLessons)
	}

	// Cursors are the list's own.
	one := 1
	mp, _ := env.Client.ListModulesWithResponse(bg, org.ID, c.ProgramID, &client.ListModulesParams{Limit: &one}, as)
	lp, _ := env.Client.ListLessonsWithResponse(bg, org.ID, c.ProgramID, &client.ListLessonsParams{Limit: &one}, as)
	if mp.JSON200 == nil || mp.JSON200.NextCursor == nil || lp.JSON200 == nil || lp.JSON200.NextCursor == nil {
		t.Fatalf("first pages: %s %s", mp.Body, lp.Body)
	}
	moduleCursor, lessonCursor := *mp.JSON200.NextCursor, *lp.JSON200.NextCursor
	timeCursor := web.EncodeCursor(time.Now(), uuid.New())
	for _, bad := range []string{"not a cursor", timeCursor, lessonCursor} {
		res, _ := env.Client.ListModulesWithResponse(bg, org.ID, c.ProgramID, &client.ListModulesParams{Cursor: &bad}, as)
		apitest.WantBadCursor(t, res.HTTPResponse, res.Body)
	}
	for _, bad := range []string{"not a cursor", timeCursor, moduleCursor} {
		res, _ := env.Client.ListLessonsWithResponse(bg, org.ID, c.ProgramID, &client.ListLessonsParams{Cursor: &bad}, as)
		apitest.WantBadCursor(t, res.HTTPResponse, res.Body)
	}
	for _, n := range []int{0, 101} {
		res, _ := env.Client.ListLessonsWithResponse(bg, org.ID, c.ProgramID, &client.ListLessonsParams{Limit: &n}, as)
		if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.limit:out_of_range") {
			t.Fatalf("limit %d: %s", n, res.Body)
		}
	}

	// A valid cursor opens nothing to outsiders: another organization's
	// admin, this organization's program under another organization's id,
	// and a teacher of another program.
	outsider := staffOrg(t, env)
	apitest.NewCourse(t, env, org, 0) // the teacher's other program
	if _, err := env.Pool.Exec(bg, `DELETE FROM program_teachers WHERE program_id = $1`, c.ProgramID); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		org uuid.UUID
		as  client.RequestEditorFn
	}{
		"another organization's admin": {org.ID, outsider.As("admin")},
		"through another organization": {outsider.ID, outsider.As("admin")},
		"a teacher of another program": {org.ID, org.As("teacher")},
	} {
		mr, _ := env.Client.ListModulesWithResponse(bg, tc.org, c.ProgramID, &client.ListModulesParams{Cursor: &moduleCursor}, tc.as)
		lr, _ := env.Client.ListLessonsWithResponse(bg, tc.org, c.ProgramID, &client.ListLessonsParams{Cursor: &lessonCursor}, tc.as)
		if mr.StatusCode() != http.StatusNotFound || lr.StatusCode() != http.StatusNotFound {
			t.Errorf("%s: modules %d, lessons %d, want 404", name, mr.StatusCode(), lr.StatusCode())
		}
	}
}
