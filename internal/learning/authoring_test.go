package learning_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestAuthoringModulesAndLessons(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := staffOrg(t, env)
	c := apitest.NewCourse(t, env, org, 0)

	m1 := newModule(t, env, org, c.ProgramID, "Модуль 1")
	m2 := newModule(t, env, org, c.ProgramID, "Модуль 2")
	if m1.Position != 1 || m2.Position != 2 || m1.Version != 1 {
		t.Fatalf("positions %d %d version %d", m1.Position, m2.Position, m1.Version)
	}
	l1 := newLesson(t, env, org, c.ProgramID, textLesson(m1.ID, "Введение"))
	if !strings.Contains(l1.BodyHTML, "<h2>Введение</h2>") || strings.Contains(l1.BodyHTML, "<script") || !l1.Mandatory || l1.Position != 1 {
		t.Fatalf("lesson %+v", l1)
	}
	video := newLesson(t, env, org, c.ProgramID, client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindVideo, Title: "Видео",
		VideoURL: ptr("https://video.example.org/embed/42"), Mandatory: ptr(false)})
	test := newLesson(t, env, org, c.ProgramID, client.LessonCreate{ModuleID: m2.ID, Kind: client.LessonKindTest, Title: "Итоговый тест", Final: ptr(true)})
	if video.Position != 2 || test.Position != 1 || !test.Final {
		t.Fatalf("video %d test %d final %v", video.Position, test.Position, test.Final)
	}

	// Validation names the field.
	for name, tc := range map[string]struct {
		body  client.LessonCreate
		field string
	}{
		"video without link":     {client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindVideo, Title: "В"}, "videoUrl:required"},
		"http link":              {client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindVideo, Title: "В", VideoURL: ptr("https://")}, "videoUrl:invalid_url"},
		"link on a text lesson":  {client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindText, Title: "Т", VideoURL: ptr("https://a.example")}, "videoUrl:not_allowed"},
		"webinar without times":  {client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindWebinar, Title: "В"}, "webinar:required"},
		"final text":             {client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindText, Title: "Т", Final: ptr(true)}, "final:not_a_test"},
		"second final":           {client.LessonCreate{ModuleID: m2.ID, Kind: client.LessonKindTest, Title: "Т2", Final: ptr(true)}, "final:taken"},
		"blank title":            {client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindText, Title: "   "}, "title:required"},
		"module of another kind": {client.LessonCreate{ModuleID: uuid.New(), Kind: client.LessonKindText, Title: "Т"}, "moduleId:unknown"},
	} {
		res, err := env.Client.CreateLessonWithResponse(bg, org.ID, c.ProgramID, tc.body, org.As("manager"))
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), tc.field) {
			t.Errorf("%s: fields %v, want %s", name, apitest.Fields(p), tc.field)
		}
	}
	// A webinar with an http join link.
	res, _ := env.Client.CreateLessonWithBodyWithResponse(bg, org.ID, c.ProgramID, "application/json", strings.NewReader(
		`{"moduleId":"`+m1.ID.String()+`","kind":"webinar","title":"В","webinar":{"startsAt":"2030-01-01T10:00:00Z","durationMinutes":60,"joinUrl":"http://x.example"}}`), org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")

	// Edits need the current ETag.
	upd, _ := env.Client.UpdateLessonWithResponse(bg, org.ID, c.ProgramID, l1.ID, &client.UpdateLessonParams{}, client.LessonUpdate{Title: ptr("Новое")}, org.As("manager"))
	apitest.WantProblem(t, upd.HTTPResponse, upd.Body, http.StatusPreconditionRequired, "precondition_required")
	upd, _ = env.Client.UpdateLessonWithResponse(bg, org.ID, c.ProgramID, l1.ID, &client.UpdateLessonParams{IfMatch: etag(1)},
		client.LessonUpdate{Title: ptr("Введение в курс"), Schedule: &client.LessonSchedule{AfterPrevious: ptr(true)}}, org.As("manager"))
	if upd.JSON200 == nil || upd.JSON200.Version != 2 || upd.JSON200.Title != "Введение в курс" || upd.HTTPResponse.Header.Get("ETag") != `"v2"` ||
		upd.JSON200.BodyHTML != l1.BodyHTML || upd.JSON200.Schedule.AfterPrevious == nil {
		t.Fatalf("update: %d %s", upd.StatusCode(), upd.Body)
	}
	upd, _ = env.Client.UpdateLessonWithResponse(bg, org.ID, c.ProgramID, l1.ID, &client.UpdateLessonParams{IfMatch: etag(1)}, client.LessonUpdate{Title: ptr("Старое")}, org.As("manager"))
	apitest.WantProblem(t, upd.HTTPResponse, upd.Body, http.StatusPreconditionFailed, "precondition_failed")
	mu, _ := env.Client.UpdateModuleWithResponse(bg, org.ID, c.ProgramID, m1.ID, &client.UpdateModuleParams{IfMatch: etag(7)}, client.LearningModuleUpdate{Title: ptr("М")}, org.As("admin"))
	apitest.WantProblem(t, mu.HTTPResponse, mu.Body, http.StatusPreconditionFailed, "precondition_failed")
	mu, _ = env.Client.UpdateModuleWithResponse(bg, org.ID, c.ProgramID, m1.ID, &client.UpdateModuleParams{IfMatch: etag(1)}, client.LearningModuleUpdate{Title: ptr("Модуль 1. Основы")}, org.As("admin"))
	if mu.JSON200 == nil || mu.JSON200.Title != "Модуль 1. Основы" || mu.JSON200.LessonCount != 2 {
		t.Fatalf("module update: %s", mu.Body)
	}

	list, _ := env.Client.ListLessonsWithResponse(bg, org.ID, c.ProgramID, &client.ListLessonsParams{}, org.As("teacher"))
	if list.JSON200 == nil || len(list.JSON200.Items) != 3 || list.JSON200.Items[0].ID != l1.ID || list.JSON200.Items[2].ID != test.ID {
		t.Fatalf("lessons: %s", list.Body)
	}
	kind := client.LessonKindVideo
	list, _ = env.Client.ListLessonsWithResponse(bg, org.ID, c.ProgramID, &client.ListLessonsParams{Kind: &kind}, org.As("teacher"))
	if len(list.JSON200.Items) != 1 || list.JSON200.Items[0].ID != video.ID {
		t.Fatalf("video lessons: %s", list.Body)
	}

	// Another program's lesson and module are not found through this one.
	other := apitest.NewCourse(t, env, org, 0)
	wrong, _ := env.Client.GetLessonWithResponse(bg, org.ID, other.ProgramID, l1.ID, org.As("manager"))
	apitest.WantProblem(t, wrong.HTTPResponse, wrong.Body, http.StatusNotFound, "not_found")
	wm, _ := env.Client.GetModuleWithResponse(bg, org.ID, other.ProgramID, m1.ID, org.As("manager"))
	apitest.WantProblem(t, wm.HTTPResponse, wm.Body, http.StatusNotFound, "not_found")
	foreign, _ := env.Client.CreateLessonWithResponse(bg, org.ID, other.ProgramID, textLesson(m1.ID, "Чужой модуль"), org.As("manager"))
	apitest.WantProblem(t, foreign.HTTPResponse, foreign.Body, http.StatusUnprocessableEntity, "validation_failed")

	// Delete: the position gap closes.
	del, _ := env.Client.DeleteLessonWithResponse(bg, org.ID, c.ProgramID, l1.ID, &client.DeleteLessonParams{IfMatch: etag(2)}, org.As("manager"))
	wantStatus(t, del.StatusCode(), del.Body, http.StatusNoContent)
	got, _ := env.Client.GetLessonWithResponse(bg, org.ID, c.ProgramID, video.ID, org.As("manager"))
	if got.JSON200 == nil || got.JSON200.Position != 1 {
		t.Fatalf("after delete: %s", got.Body)
	}
	gone, _ := env.Client.GetLessonWithResponse(bg, org.ID, c.ProgramID, l1.ID, org.As("manager"))
	apitest.WantProblem(t, gone.HTTPResponse, gone.Body, http.StatusNotFound, "not_found")
	dm, _ := env.Client.DeleteModuleWithResponse(bg, org.ID, c.ProgramID, m2.ID, &client.DeleteModuleParams{IfMatch: etag(1)}, org.As("manager"))
	wantStatus(t, dm.StatusCode(), dm.Body, http.StatusNoContent)
	mods, _ := env.Client.ListModulesWithResponse(bg, org.ID, c.ProgramID, &client.ListModulesParams{}, org.As("manager"))
	if mods.JSON200 == nil || len(mods.JSON200.Items) != 1 {
		t.Fatalf("modules: %s", mods.Body)
	}
}

func TestWhoMayAuthor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := staffOrg(t, env)
	c := apitest.NewCourse(t, env, org, 0)
	other := apitest.NewCourse(t, env, org, 0)
	// The org's teacher teaches c and other; a second teacher teaches neither.
	stranger := apitest.Register(t, env, apitest.NewAccount())
	apitest.AddMember(t, env, org.ID, stranger.User.ID, "teacher")
	if _, err := env.Pool.Exec(bg, `DELETE FROM program_teachers WHERE program_id = $1`, other.ProgramID); err != nil {
		t.Fatal(err)
	}
	outsider := staffOrg(t, env)
	for name, tc := range map[string]struct {
		token   string
		program uuid.UUID
		status  int
	}{
		"admin":                        {org.Members["admin"].AccessToken, c.ProgramID, 200},
		"manager":                      {org.Members["manager"].AccessToken, c.ProgramID, 200},
		"its teacher":                  {org.Members["teacher"].AccessToken, c.ProgramID, 200},
		"a teacher of another course":  {org.Members["teacher"].AccessToken, other.ProgramID, 404},
		"a teacher of none":            {stranger.AccessToken, c.ProgramID, 404},
		"director":                     {org.Members["director"].AccessToken, c.ProgramID, 403},
		"learner":                      {org.Members["learner"].AccessToken, c.ProgramID, 403},
		"another organization's admin": {outsider.Members["admin"].AccessToken, c.ProgramID, 404},
	} {
		res, err := env.Client.ListModulesWithResponse(bg, org.ID, tc.program, &client.ListModulesParams{}, apitest.Bearer(tc.token))
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != tc.status {
			t.Errorf("%s: %d, want %d: %s", name, res.StatusCode(), tc.status, res.Body)
		}
	}
}

func TestReorderContent(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := staffOrg(t, env)
	c := apitest.NewCourse(t, env, org, 0)
	m1 := newModule(t, env, org, c.ProgramID, "Первый")
	m2 := newModule(t, env, org, c.ProgramID, "Второй")
	a := newLesson(t, env, org, c.ProgramID, textLesson(m1.ID, "А"))
	b := newLesson(t, env, org, c.ProgramID, textLesson(m1.ID, "Б"))
	v := newLesson(t, env, org, c.ProgramID, textLesson(m2.ID, "В"))
	other := apitest.NewCourse(t, env, org, 0)
	foreign := newLesson(t, env, org, other.ProgramID, textLesson(newModule(t, env, org, other.ProgramID, "Чужой").ID, "Ч"))

	bad := map[string]struct {
		order client.ContentOrder
		want  []string
	}{
		"a lesson twice": {client.ContentOrder{Modules: []client.ContentOrderModule{{ID: m1.ID, Lessons: []uuid.UUID{a.ID, a.ID}}, {ID: m2.ID, Lessons: []uuid.UUID{v.ID, b.ID}}}},
			[]string{"modules.0.lessons.1:duplicate"}},
		"a lesson missing": {client.ContentOrder{Modules: []client.ContentOrderModule{{ID: m1.ID, Lessons: []uuid.UUID{a.ID}}, {ID: m2.ID, Lessons: []uuid.UUID{v.ID}}}},
			[]string{"modules.0.lessons:incomplete"}},
		"another program's lesson": {client.ContentOrder{Modules: []client.ContentOrderModule{{ID: m1.ID, Lessons: []uuid.UUID{a.ID, b.ID, foreign.ID}}, {ID: m2.ID, Lessons: []uuid.UUID{v.ID}}}},
			[]string{"modules.0.lessons.2:unknown"}},
		"a module missing": {client.ContentOrder{Modules: []client.ContentOrderModule{{ID: m1.ID, Lessons: []uuid.UUID{a.ID, b.ID, v.ID}}}},
			[]string{"modules:incomplete"}},
		"a module twice": {client.ContentOrder{Modules: []client.ContentOrderModule{{ID: m1.ID, Lessons: []uuid.UUID{a.ID, b.ID}}, {ID: m1.ID, Lessons: []uuid.UUID{v.ID}}}},
			[]string{"modules.1.id:duplicate", "modules:incomplete"}},
	}
	for name, tc := range bad {
		res, err := env.Client.ReorderContentWithResponse(bg, org.ID, c.ProgramID, tc.order, org.As("teacher"))
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), tc.want...) {
			t.Errorf("%s: fields %v, want %v", name, apitest.Fields(p), tc.want)
		}
	}

	// Modules swapped, b moved to the second module before v, a alone.
	res, err := env.Client.ReorderContentWithResponse(bg, org.ID, c.ProgramID, client.ContentOrder{Modules: []client.ContentOrderModule{
		{ID: m2.ID, Lessons: []uuid.UUID{b.ID, v.ID}}, {ID: m1.ID, Lessons: []uuid.UUID{a.ID}}}}, org.As("teacher"))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("reorder: %v %s", err, res.Body)
	}
	out := res.JSON200
	if out.Modules[0].ID != m2.ID || out.Modules[0].Position != 1 || out.Modules[0].LessonCount != 2 {
		t.Fatalf("modules %+v", out.Modules)
	}
	var got []string
	for _, l := range out.Lessons {
		got = append(got, l.Title+"@"+apitest.Itoa(int64(l.Position)))
	}
	if strings.Join(got, ",") != "Б@1,В@2,А@1" {
		t.Fatalf("order %v", got)
	}
	if out.Lessons[0].ModuleID != m2.ID || out.Lessons[0].Version != 2 || out.Lessons[1].Version != 2 || out.Lessons[2].Version != 1 {
		t.Fatalf("moved lessons get new versions: %+v", out.Lessons)
	}
	// A stale ETag after the move is refused.
	upd, _ := env.Client.UpdateLessonWithResponse(bg, org.ID, c.ProgramID, b.ID, &client.UpdateLessonParams{IfMatch: etag(1)}, client.LessonUpdate{Title: ptr("Б!")}, org.As("teacher"))
	apitest.WantProblem(t, upd.HTTPResponse, upd.Body, http.StatusPreconditionFailed, "precondition_failed")
}
