package calendar_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// GET /me/calendar lists every kind of event of the learner's programs,
// and none of anybody else's.
func TestCalendarEvents(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "cal-ev-"+apitest.Itoa(apitest.Seq.Add(1)))
	c := newCourse(t, env, o.ID, "running", -2, 40)
	me := learner(t, env)
	app := enroll(t, env, c, me.User.ID)
	now := time.Now().UTC().Truncate(time.Second)
	w := webinar(t, env, c, "Проектное обучение", now.Add(72*time.Hour), 90)
	ts := test(t, env, c, "Итоговый тест", now.Add(10*24*time.Hour))
	ord := order(t, env, c, me.User.ID, app, 15)
	// A program the learner does not study: none of its events show.
	foreign := newCourse(t, env, o.ID, "running", -2, 40)
	webinar(t, env, foreign, "Чужой вебинар", now.Add(48*time.Hour), 60)

	from := now.AddDate(0, 0, -5)
	res, err := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{From: &from}, apitest.Bearer(me.AccessToken))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("calendar: %v %s", err, res.Body)
	}
	byID := map[string]client.CalendarEvent{}
	for _, e := range res.JSON200.Items {
		byID[e.ID] = e
	}
	if len(byID) != 5 || res.JSON200.TimeZone != "Europe/Moscow" {
		t.Fatalf("events: %s", res.Body)
	}
	web := byID["webinar-"+w.String()]
	if web.Kind != "webinar" || !web.Start.Equal(now.Add(72*time.Hour)) || !web.End.Equal(now.Add(72*time.Hour+90*time.Minute)) ||
		web.AllDay || web.JoinURL == nil || *web.JoinURL != "https://meet.example.org/j/42" || web.LessonID == nil || *web.LessonID != w ||
		web.UID != "webinar-"+w.String()+"@"+hostOf(t, env) || web.ProgramID != c.program {
		t.Errorf("webinar: %+v", web)
	}
	if d := byID["deadline-"+ts.String()]; d.Kind != "deadline" || !d.Start.Equal(d.End) || !d.Start.Equal(now.Add(10*24*time.Hour)) {
		t.Errorf("deadline: %+v", d)
	}
	start := byID["group-start-"+c.group.String()]
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if start.Kind != "group_start" || !start.AllDay || start.Date == nil || !start.Date.Equal(today.AddDate(0, 0, -2)) ||
		!start.End.Equal(today.AddDate(0, 0, -1)) {
		t.Errorf("group start: %+v", start)
	}
	if end := byID["group-end-"+c.group.String()]; end.Kind != "group_end" || !end.Start.Equal(today.AddDate(0, 0, 40)) {
		t.Errorf("group end: %+v", end)
	}
	inst := byID["installment-"+ord.String()+"-2"]
	if inst.Kind != "installment" || !inst.AllDay || inst.AmountMinor == nil || *inst.AmountMinor != 1_500_000 || inst.OrderID == nil ||
		!inst.Start.Equal(today.AddDate(0, 0, 15)) {
		t.Errorf("installment: %+v", inst)
	}

	// The default range (now → 60 days) drops the group's start, two days ago.
	def, _ := env.Client.GetMyCalendarWithResponse(ctx, nil, apitest.Bearer(me.AccessToken))
	if def.JSON200 == nil || len(def.JSON200.Items) != 4 {
		t.Fatalf("default range: %s", def.Body)
	}
	// Filters: by kind, by program.
	kinds := []client.CalendarEventKind{"webinar", "installment"}
	f, _ := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{Kind: &kinds}, apitest.Bearer(me.AccessToken))
	if f.JSON200 == nil || len(f.JSON200.Items) != 2 {
		t.Fatalf("kind filter: %s", f.Body)
	}
	p, _ := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{ProgramID: &foreign.program}, apitest.Bearer(me.AccessToken))
	if p.JSON200 == nil || len(p.JSON200.Items) != 0 {
		t.Fatalf("program filter: %s", p.Body)
	}

	// Another learner sees nothing of it.
	other := learner(t, env)
	oc, _ := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{From: &from}, apitest.Bearer(other.AccessToken))
	if oc.JSON200 == nil || len(oc.JSON200.Items) != 0 {
		t.Fatalf("another learner's calendar: %s", oc.Body)
	}

	// Access suspended (the installment overdue past its grace): the
	// lessons go, the groups and the installment stay.
	if _, err := env.Pool.Exec(ctx, `UPDATE order_installments SET due_on = current_date - 4, grace_ends = current_date - 1 WHERE order_id = $1 AND number = 2`, ord); err != nil {
		t.Fatal(err)
	}
	sus, _ := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{From: &from}, apitest.Bearer(me.AccessToken))
	if sus.JSON200 == nil || len(sus.JSON200.Items) != 3 {
		t.Fatalf("suspended: %s", sus.Body)
	}
}

func hostOf(t *testing.T, env *apitest.Env) string {
	t.Helper()
	u, err := url.Parse(env.Config.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Hostname()
}

// The range is bounded: to after from, at most a year.
func TestCalendarRange(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	me := learner(t, env)
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, to := range map[string]time.Time{
		"before_from":    from.Add(-time.Hour),
		"range_too_long": from.AddDate(1, 0, 2),
	} {
		res, err := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{From: &from, To: &to}, apitest.Bearer(me.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.to:"+name) {
			t.Errorf("%s: %s", name, res.Body)
		}
	}
	to := from.AddDate(1, 0, 0)
	ok, _ := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{From: &from, To: &to}, apitest.Bearer(me.AccessToken))
	if ok.JSON200 == nil || len(ok.JSON200.Items) != 0 {
		t.Fatalf("a year: %s", ok.Body)
	}
}
