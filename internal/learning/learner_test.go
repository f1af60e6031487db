package learning_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// course is a program with content of every opening rule, and a learner.
type course struct {
	env                                                          *apitest.Env
	org                                                          apitest.StaffOrg
	c                                                            apitest.Course
	learner                                                      *client.AuthResponse
	intro, video, later, dated, soon, upcoming, past, days, test client.Lesson
}

func newCourseWithContent(t *testing.T) course {
	t.Helper()
	env := apitest.New(t)
	org := staffOrg(t, env)
	programID, groupID, learner := apitest.Learner(t, env, org)
	k := course{env: env, org: org, c: apitest.Course{ProgramID: programID, GroupID: groupID}, learner: learner}
	m1 := newModule(t, env, org, programID, "Основы")
	m2 := newModule(t, env, org, programID, "Практика")
	now := time.Now().UTC()
	k.intro = newLesson(t, env, org, programID, textLesson(m1.ID, "Введение"))
	k.video = newLesson(t, env, org, programID, client.LessonCreate{ModuleID: m1.ID, Kind: client.LessonKindVideo, Title: "Видеолекция",
		VideoURL: ptr("https://video.example.org/embed/1"), Schedule: &client.LessonSchedule{AfterPrevious: ptr(true)}})
	later := textLesson(m1.ID, "Через два часа")
	later.Mandatory, later.Schedule = ptr(false), &client.LessonSchedule{OpensAt: ptr(now.Add(2 * time.Hour))}
	k.later = newLesson(t, env, org, programID, later)
	dated := textLesson(m1.ID, "Уже открыт")
	dated.Schedule = &client.LessonSchedule{OpensAt: ptr(now.Add(-time.Hour))}
	k.dated = newLesson(t, env, org, programID, dated)
	webinar := func(title string, start time.Time) client.Lesson {
		return newLesson(t, env, org, programID, client.LessonCreate{ModuleID: m2.ID, Kind: client.LessonKindWebinar, Title: title, Mandatory: ptr(false),
			Webinar: &client.LessonWebinar{StartsAt: start, DurationMinutes: 60, JoinURL: ptr("https://meet.example.org/r/1"), RecordingURL: ptr("https://video.example.org/rec/1")}})
	}
	k.soon = webinar("Скоро", now.Add(10*time.Minute))
	k.upcoming = webinar("Через два часа", now.Add(2*time.Hour))
	k.past = webinar("Прошёл", now.Add(-3*time.Hour))
	days := textLesson(m2.ID, "Через месяц после старта")
	days.Schedule = &client.LessonSchedule{OpensAfterDays: ptr(30)}
	k.days = newLesson(t, env, org, programID, days)
	k.test = newLesson(t, env, org, programID, client.LessonCreate{ModuleID: m2.ID, Kind: client.LessonKindTest, Title: "Итоговый тест", Final: ptr(true)})
	return k
}

func (k course) toc(t *testing.T) client.ProgramContents {
	t.Helper()
	res, err := k.env.Client.GetMyProgramContentsWithResponse(bg, k.c.ProgramID, apitest.Bearer(k.learner.AccessToken))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("toc: %v %s", err, res.Body)
	}
	return *res.JSON200
}

func (k course) complete(t *testing.T, l client.Lesson) *client.CompleteMyLessonResponse {
	t.Helper()
	res, err := k.env.Client.CompleteMyLessonWithResponse(bg, k.c.ProgramID, l.ID, apitest.Bearer(k.learner.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestTableOfContentsOpeningRulesAndCompletion(t *testing.T) {
	t.Parallel()
	k := newCourseWithContent(t)
	env := k.env
	toc := k.toc(t)
	state := map[uuid.UUID]client.TocLesson{}
	for _, m := range toc.Modules {
		for _, l := range m.Lessons {
			state[l.ID] = l
		}
	}
	if len(toc.Modules) != 2 || len(state) != 9 || toc.Progress.TotalLessons != 9 || toc.Progress.MandatoryTotal != 5 {
		t.Fatalf("toc %+v", toc)
	}
	if !state[k.intro.ID].Open || state[k.video.ID].Open || *state[k.video.ID].WaitsFor != k.intro.ID {
		t.Fatalf("sequential: %+v %+v", state[k.intro.ID], state[k.video.ID])
	}
	if state[k.later.ID].Open || state[k.later.ID].OpensAt == nil || !state[k.dated.ID].Open {
		t.Fatalf("dated: %+v %+v", state[k.later.ID], state[k.dated.ID])
	}
	// The group started a week ago: a lesson 30 days after its start opens in 23 days.
	if d := state[k.days.ID]; d.Open || d.OpensAt == nil || d.OpensAt.Sub(time.Now()) < 22*24*time.Hour || d.OpensAt.Sub(time.Now()) > 24*24*time.Hour {
		t.Fatalf("days after start: %+v", d)
	}
	if toc.Verdict.Met || !toc.Verdict.FinalTestRequired || len(toc.Verdict.MissingMandatory) != 5 || !toc.Verdict.PaidInFull {
		t.Fatalf("verdict %+v", toc.Verdict)
	}

	// A closed lesson: 409 with what it waits for, or when it opens.
	res, _ := env.Client.GetMyLessonWithResponse(bg, k.c.ProgramID, k.video.ID, apitest.Bearer(k.learner.AccessToken))
	p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "lesson_locked")
	if res.ApplicationProblemJSON409 == nil || *res.ApplicationProblemJSON409.WaitsFor != k.intro.ID {
		t.Fatalf("locked: %+v %s", p, res.Body)
	}
	res, _ = env.Client.GetMyLessonWithResponse(bg, k.c.ProgramID, k.later.ID, apitest.Bearer(k.learner.AccessToken))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "lesson_locked")
	if res.ApplicationProblemJSON409.OpensAt == nil {
		t.Fatalf("opensAt missing: %s", res.Body)
	}
	done := k.complete(t, k.later)
	apitest.WantProblem(t, done.HTTPResponse, done.Body, http.StatusConflict, "lesson_locked")
	done = k.complete(t, k.test)
	apitest.WantProblem(t, done.HTTPResponse, done.Body, http.StatusConflict, "completed_by_test")

	// Opening a lesson: sanitized HTML, last activity recorded.
	res, _ = env.Client.GetMyLessonWithResponse(bg, k.c.ProgramID, k.intro.ID, apitest.Bearer(k.learner.AccessToken))
	if res.JSON200 == nil || res.JSON200.BodyHTML == "" || res.JSON200.Completed {
		t.Fatalf("lesson: %s", res.Body)
	}
	if toc := k.toc(t); toc.LastLessonID == nil || *toc.LastLessonID != k.intro.ID || toc.Progress.LastActivityAt == nil {
		t.Fatalf("last activity: %+v", toc)
	}

	// Completing: once, idempotently, with one completion check enqueued.
	jobs := countJobs(t, env, "completion_check")
	first := k.complete(t, k.intro)
	if first.JSON200 == nil || first.JSON200.Source != "manual" || first.JSON200.Progress.CompletedLessons != 1 || first.JSON200.Progress.Percent != 11 {
		t.Fatalf("complete: %s", first.Body)
	}
	again := k.complete(t, k.intro)
	if again.JSON200 == nil || !again.JSON200.CompletedAt.Equal(first.JSON200.CompletedAt) || again.JSON200.Progress.CompletedLessons != 1 {
		t.Fatalf("again: %s", again.Body)
	}
	if n := countJobs(t, env, "completion_check"); n != jobs+1 {
		t.Fatalf("completion_check jobs %d, want %d", n, jobs+1)
	}
	var rows int
	if err := env.Pool.QueryRow(bg, `SELECT count(*) FROM lesson_completions WHERE user_id = $1`, k.learner.User.ID).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("completions %d %v", rows, err)
	}
	// The next lesson in sequence opens.
	res, _ = env.Client.GetMyLessonWithResponse(bg, k.c.ProgramID, k.video.ID, apitest.Bearer(k.learner.AccessToken))
	if res.JSON200 == nil || res.JSON200.VideoURL == nil || *res.JSON200.VideoURL != "https://video.example.org/embed/1" {
		t.Fatalf("video: %s", res.Body)
	}

	// Webinars: the join link from 15 minutes before, the recording after.
	for l, want := range map[uuid.UUID]struct {
		state           client.LearnerWebinarState
		join, recording bool
	}{k.soon.ID: {client.Joinable, true, false}, k.upcoming.ID: {client.Upcoming, false, false}, k.past.ID: {client.Ended, false, true}} {
		res, _ := env.Client.GetMyLessonWithResponse(bg, k.c.ProgramID, l, apitest.Bearer(k.learner.AccessToken))
		w := res.JSON200.Webinar
		if w == nil || w.State != want.state || (w.JoinURL != nil) != want.join || (w.RecordingURL != nil) != want.recording {
			t.Errorf("webinar %s: %s", l, res.Body)
		}
	}
	// A test lesson points to the assessment API.
	res, _ = env.Client.GetMyLessonWithResponse(bg, k.c.ProgramID, k.test.ID, apitest.Bearer(k.learner.AccessToken))
	if res.JSON200 == nil || res.JSON200.TestLessonID == nil || *res.JSON200.TestLessonID != k.test.ID {
		t.Fatalf("test lesson: %s", res.Body)
	}

	// Every mandatory lesson and the final test (passed: assessment's
	// completion, made here by SQL) meet the requirements of a free program.
	for _, l := range []client.Lesson{k.video, k.dated} {
		if r := k.complete(t, l); r.JSON200 == nil {
			t.Fatalf("complete %s: %s", l.Title, r.Body)
		}
	}
	if _, err := env.Pool.Exec(bg, `INSERT INTO lesson_completions (user_id, lesson_id, program_id, source) VALUES ($1, $2, $3, 'test'), ($1, $4, $3, 'manual')`,
		k.learner.User.ID, k.test.ID, k.c.ProgramID, k.days.ID); err != nil {
		t.Fatal(err)
	}
	toc = k.toc(t)
	if !toc.Verdict.Met || len(toc.Verdict.MissingMandatory) != 0 || !toc.Progress.FinalTestPassed || toc.Progress.MandatoryDone != 5 {
		t.Fatalf("verdict after all: %+v %+v", toc.Verdict, toc.Progress)
	}
	// A completed test lesson answers its completion.
	if r := k.complete(t, k.test); r.JSON200 == nil || r.JSON200.Source != "test" {
		t.Fatalf("completed test: %s", r.Body)
	}
}

func TestNoAccessIs404(t *testing.T) {
	t.Parallel()
	k := newCourseWithContent(t)
	env := k.env
	stranger := apitest.Register(t, env, apitest.NewAccount())
	// Another learner, admitted to another program of the same organization.
	elsewhere := apitest.NewCourse(t, env, k.org, 0)
	neighbour := apitest.Admit(t, env, k.org, elsewhere)
	for name, token := range map[string]string{
		"stranger": stranger.AccessToken, "learner of another program": neighbour.AccessToken,
		"the program's manager": k.org.Members["manager"].AccessToken, "its teacher": k.org.Members["teacher"].AccessToken,
	} {
		toc, _ := env.Client.GetMyProgramContentsWithResponse(bg, k.c.ProgramID, apitest.Bearer(token))
		apitest.WantProblem(t, toc.HTTPResponse, toc.Body, http.StatusNotFound, "not_found")
		l, _ := env.Client.GetMyLessonWithResponse(bg, k.c.ProgramID, k.intro.ID, apitest.Bearer(token))
		apitest.WantProblem(t, l.HTTPResponse, l.Body, http.StatusNotFound, "not_found")
		c, _ := env.Client.CompleteMyLessonWithResponse(bg, k.c.ProgramID, k.intro.ID, apitest.Bearer(token))
		apitest.WantProblem(t, c.HTTPResponse, c.Body, http.StatusNotFound, "not_found")
		_ = name
	}
	// A lesson of another program through this one's path.
	other, _ := env.Client.GetMyLessonWithResponse(bg, elsewhere.ProgramID, k.intro.ID, apitest.Bearer(neighbour.AccessToken))
	apitest.WantProblem(t, other.HTTPResponse, other.Body, http.StatusNotFound, "not_found")

	// Before the group runs there is no access yet.
	if _, err := env.Pool.Exec(bg, `UPDATE study_groups SET status = 'enrolling' WHERE id = $1`, k.c.GroupID); err != nil {
		t.Fatal(err)
	}
	toc, _ := env.Client.GetMyProgramContentsWithResponse(bg, k.c.ProgramID, apitest.Bearer(k.learner.AccessToken))
	apitest.WantProblem(t, toc.HTTPResponse, toc.Body, http.StatusNotFound, "not_found")
	if _, err := env.Pool.Exec(bg, `UPDATE study_groups SET status = 'finished' WHERE id = $1`, k.c.GroupID); err != nil {
		t.Fatal(err)
	}
	k.toc(t) // a finished group keeps its materials open

	// An installment overdue past its grace period suspends access; paying restores it.
	order := apitest.OverdueInstallment(t, env, k.org, k.c, k.learner.User.ID)
	toc, _ = env.Client.GetMyProgramContentsWithResponse(bg, k.c.ProgramID, apitest.Bearer(k.learner.AccessToken))
	apitest.WantProblem(t, toc.HTTPResponse, toc.Body, http.StatusNotFound, "not_found")
	done := k.complete(t, k.intro)
	apitest.WantProblem(t, done.HTTPResponse, done.Body, http.StatusNotFound, "not_found")
	mine, _ := env.Client.ListMyLearningProgramsWithResponse(bg, &client.ListMyLearningProgramsParams{}, apitest.Bearer(k.learner.AccessToken))
	if mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || !mine.JSON200.Items[0].AccessSuspended {
		t.Fatalf("my programs while suspended: %s", mine.Body)
	}
	apitest.PayInstallments(t, env, order)
	if toc := k.toc(t); !toc.Verdict.PaidInFull {
		t.Fatalf("paid: %+v", toc.Verdict)
	}
}

func TestMyLearningPrograms(t *testing.T) {
	t.Parallel()
	k := newCourseWithContent(t)
	env := k.env
	second := apitest.NewCourse(t, env, k.org, 0)
	apitest.Admit(t, env, k.org, second)
	if _, err := env.Pool.Exec(bg, `UPDATE applications a SET decided_at = now() + interval '1 minute'
		FROM study_groups g WHERE g.id = a.group_id AND a.user_id = $1 AND a.program_id = $2`, k.learner.User.ID, second.ProgramID); err != nil {
		t.Fatal(err)
	}
	// The learner of k is admitted to the second program too.
	if _, err := env.Pool.Exec(bg, `INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name,
		waiting_since, submitted_at, decided_at) VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now(), now() + interval '1 minute')`,
		k.org.ID, second.ProgramID, second.GroupID, k.learner.User.ID); err != nil {
		t.Fatal(err)
	}
	if r := k.complete(t, k.intro); r.JSON200 == nil {
		t.Fatal(string(r.Body))
	}
	page, _ := env.Client.ListMyLearningProgramsWithResponse(bg, &client.ListMyLearningProgramsParams{Limit: ptr(1)}, apitest.Bearer(k.learner.AccessToken))
	if page.JSON200 == nil || len(page.JSON200.Items) != 1 || page.JSON200.Items[0].ProgramID != second.ProgramID || page.JSON200.NextCursor == nil {
		t.Fatalf("first page: %s", page.Body)
	}
	page, _ = env.Client.ListMyLearningProgramsWithResponse(bg, &client.ListMyLearningProgramsParams{Limit: ptr(1), Cursor: page.JSON200.NextCursor}, apitest.Bearer(k.learner.AccessToken))
	if page.JSON200 == nil || len(page.JSON200.Items) != 1 || page.JSON200.NextCursor != nil {
		t.Fatalf("second page: %s", page.Body)
	}
	it := page.JSON200.Items[0]
	if it.ProgramID != k.c.ProgramID || it.Progress.CompletedLessons != 1 || it.Progress.TotalLessons != 9 || it.Progress.Percent != 11 ||
		it.Progress.MandatoryDone != 1 || it.LastLessonID == nil || *it.LastLessonID != k.intro.ID || it.Group.Status != "running" {
		t.Fatalf("item %+v", it)
	}
	other := apitest.NewStaffOrg(t, env, "lc-other-"+apitest.Itoa(apitest.Seq.Add(1)))
	page, _ = env.Client.ListMyLearningProgramsWithResponse(bg, &client.ListMyLearningProgramsParams{OrganizationID: &other.ID}, apitest.Bearer(k.learner.AccessToken))
	if page.JSON200 == nil || len(page.JSON200.Items) != 0 {
		t.Fatalf("other organization: %s", page.Body)
	}
	bad, _ := env.Client.ListMyLearningProgramsWithResponse(bg, &client.ListMyLearningProgramsParams{Cursor: ptr("nope")}, apitest.Bearer(k.learner.AccessToken))
	apitest.WantProblem(t, bad.HTTPResponse, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
}

// Concurrent completions of one lesson record it once and enqueue one
// completion check; every caller gets the same completion.
func TestConcurrentCompletionsAreRecordedOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := staffOrg(t, env)
	programID, _, learner := apitest.Learner(t, env, org)
	m := newModule(t, env, org, programID, "Модуль")
	l := newLesson(t, env, org, programID, textLesson(m.ID, "Урок"))
	const n = 6
	at := make(chan time.Time, n)
	for range n {
		go func() {
			res, err := env.Client.CompleteMyLessonWithResponse(bg, programID, l.ID, apitest.Bearer(learner.AccessToken))
			if err != nil || res.JSON200 == nil {
				t.Errorf("complete: %v %s", err, res.Body)
				at <- time.Time{}
				return
			}
			at <- res.JSON200.CompletedAt
		}()
	}
	first := <-at
	for range n - 1 {
		if got := <-at; !got.Equal(first) {
			t.Fatalf("completedAt %v and %v", first, got)
		}
	}
	if jobs := countJobs(t, env, "completion_check"); jobs != 1 {
		t.Fatalf("%d completion checks, want 1", jobs)
	}
}
