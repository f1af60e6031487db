package support_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// backdate moves a ticket's clock: opened and waiting since at, other times relative to it.
func backdate(t *testing.T, env *apitest.Env, ticket uuid.UUID, at time.Time, firstResponse, closed *time.Duration) {
	t.Helper()
	var fr, cl *time.Time
	if firstResponse != nil {
		fr = new(at.Add(*firstResponse))
	}
	status := "open"
	if closed != nil {
		cl, status = new(at.Add(*closed)), "closed"
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE support_tickets SET created_at = $2, waiting_since = $2, updated_at = $2,
		first_response_at = $3, closed_at = $4, status = $5 WHERE id = $1`, ticket, at, fr, cl, status); err != nil {
		t.Fatal(err)
	}
}

func TestQueueFiltersAndOrder(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	learner := o.Members["learner"].AccessToken
	now := time.Now().UTC()
	old := open(t, env, learner, o.ID, "Старый вопрос про оплату", "payment")
	mid := open(t, env, learner, o.ID, "Диплом 100%_готов?", "documents")
	fresh := open(t, env, learner, o.ID, "Новый вопрос", "technical")
	open(t, env, other.Members["learner"].AccessToken, other.ID, "Чужой вопрос", "technical")
	backdate(t, env, old.ID, now.Add(-72*time.Hour), nil, nil)
	backdate(t, env, mid.ID, now.Add(-48*time.Hour), nil, nil)
	mgr := o.User("manager")
	if res, _ := env.Client.AssignSupportTicketWithResponse(ctx, o.ID, mid.ID, client.SupportTicketAssignment{AssigneeID: &mgr}, o.As("admin")); res.StatusCode() != 200 {
		t.Fatalf("assign: %d", res.StatusCode())
	}
	post(t, env, o, "manager", fresh.ID, "Ответ", false) // answered, no longer waiting for staff

	all := queue(t, env, o, client.ListSupportQueueParams{})
	if !slices.Equal(ids(all), []uuid.UUID{old.ID, mid.ID, fresh.ID}) {
		t.Fatalf("queue order %v, want the longest waiting first", ids(all))
	}
	yes, cat, q, q2 := true, client.SupportTicketCategory("documents"), "ОПЛАТ", "100%_"
	before := now.Add(-24 * time.Hour)
	for name, tc := range map[string]struct {
		p    client.ListSupportQueueParams
		want []uuid.UUID
	}{
		"status open":      {client.ListSupportQueueParams{Status: &[]client.SupportTicketStatus{"open"}}, []uuid.UUID{old.ID, mid.ID}},
		"status answered+": {client.ListSupportQueueParams{Status: &[]client.SupportTicketStatus{"answered", "closed"}}, []uuid.UUID{fresh.ID}},
		"category":         {client.ListSupportQueueParams{Category: &cat}, []uuid.UUID{mid.ID}},
		"assignee":         {client.ListSupportQueueParams{AssigneeID: &mgr}, []uuid.UUID{mid.ID}},
		"unassigned":       {client.ListSupportQueueParams{Unassigned: &yes}, []uuid.UUID{old.ID, fresh.ID}},
		"unread":           {client.ListSupportQueueParams{Unread: &yes}, []uuid.UUID{old.ID, mid.ID}},
		"older than a day": {client.ListSupportQueueParams{CreatedBefore: &before}, []uuid.UUID{old.ID, mid.ID}},
		"changed recently": {client.ListSupportQueueParams{UpdatedAfter: &before}, []uuid.UUID{mid.ID, fresh.ID}},
		"subject":          {client.ListSupportQueueParams{Query: &q}, []uuid.UUID{old.ID}},
		"wildcards":        {client.ListSupportQueueParams{Query: &q2}, []uuid.UUID{mid.ID}},
	} {
		if got := ids(queue(t, env, o, tc.p)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	limit := 2
	p1 := queue(t, env, o, client.ListSupportQueueParams{Limit: &limit})
	p2 := queue(t, env, o, client.ListSupportQueueParams{Limit: &limit, Cursor: p1.NextCursor})
	if p1.NextCursor == nil || p2.NextCursor != nil || !slices.Equal(append(ids(p1), ids(p2)...), ids(all)) {
		t.Fatalf("pages %v + %v", ids(p1), ids(p2))
	}
	bad := "bad"
	res, _ := env.Client.ListSupportQueueWithResponse(ctx, o.ID, &client.ListSupportQueueParams{Cursor: &bad}, o.As("admin"))
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.cursor:invalid_value") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	res, _ = env.Client.ListSupportQueueWithResponse(ctx, o.ID, &client.ListSupportQueueParams{Unassigned: &yes, AssigneeID: &mgr}, o.As("admin"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed")
}

func TestSLAReport(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	learner := o.Members["learner"].AccessToken
	day := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	h := func(n float64) *time.Duration { return new(time.Duration(n * float64(time.Hour))) }
	// Five tickets in November: first responses after 1, 2, 3, 4 hours and
	// one never answered; resolutions after 10 and 20 hours.
	for i, tc := range []struct{ fr, cl *time.Duration }{
		{h(1), h(10)}, {h(2), h(20)}, {h(3), nil}, {h(4), nil}, {nil, nil},
	} {
		tk := open(t, env, learner, o.ID, "Вопрос", "other")
		backdate(t, env, tk.ID, day.Add(time.Duration(i)*24*time.Hour), tc.fr, tc.cl)
	}
	// Outside the period: counted only as overdue (open, waiting for days).
	late := open(t, env, learner, o.ID, "Октябрь", "other")
	backdate(t, env, late.ID, day.Add(-30*24*time.Hour), nil, nil)
	// Waiting for two hours: not overdue for a day's SLA, overdue for an hour's.
	recent := open(t, env, learner, o.ID, "Только что", "other")
	backdate(t, env, recent.ID, time.Now().Add(-2*time.Hour), nil, nil)

	get := func(as client.Role, p client.GetSupportSLAReportParams) *client.GetSupportSLAReportResponse {
		res, err := env.Client.GetSupportSLAReportWithResponse(ctx, o.ID, &p, o.As(as))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	nov := client.GetSupportSLAReportParams{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	res := get("director", nov)
	r := res.JSON200
	if r == nil {
		t.Fatalf("report: %d %s", res.StatusCode(), res.Body)
	}
	if r.TicketsOpened != 5 || r.SLASeconds != 86400 {
		t.Fatalf("report = %+v", r)
	}
	// Continuous percentiles: median of 1..4 h = 2.5 h, p90 = 3.7 h; of 10, 20 h: 15 h and 19 h.
	want := []struct {
		got       client.SupportDurationStats
		n         int
		p50, p90  float64
		statsName string
	}{
		{r.FirstResponse, 4, 2.5 * 3600, 3.7 * 3600, "firstResponse"},
		{r.Resolution, 2, 15 * 3600, 19 * 3600, "resolution"},
	}
	for _, w := range want {
		if w.got.Count != w.n || w.got.MedianSeconds == nil || *w.got.MedianSeconds != w.p50 || w.got.P90Seconds == nil || !near(*w.got.P90Seconds, w.p90) {
			t.Errorf("%s = %+v (median %v p90 %v), want %d, %v, %v", w.statsName, w.got, deref(w.got.MedianSeconds), deref(w.got.P90Seconds), w.n, w.p50, w.p90)
		}
	}
	// Open tickets 3, 4, 5 of November and October's wait longer than 24 h.
	if r.OverdueOpen != 4 || r.OldestOverdueSince == nil || !r.OldestOverdueSince.Equal(day.Add(-30*24*time.Hour)) {
		t.Fatalf("overdue = %d since %v", r.OverdueOpen, r.OldestOverdueSince)
	}
	// A longer SLA; a period without tickets has no times.
	sla := 1
	p := nov
	p.SLAHours = &sla
	if res := get("admin", p); res.JSON200 == nil || res.JSON200.OverdueOpen != 5 || res.JSON200.SLASeconds != 3600 {
		t.Fatalf("SLA of an hour: %s", res.Body)
	}
	empty := client.GetSupportSLAReportParams{From: nov.From.AddDate(-1, 0, 0), To: nov.To.AddDate(-1, 0, 0)}
	if res := get("director", empty); res.JSON200 == nil || res.JSON200.FirstResponse.Count != 0 || res.JSON200.FirstResponse.MedianSeconds != nil {
		t.Fatalf("empty period: %s", res.Body)
	}
	res = get("manager", nov)
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 403, "forbidden")
	res = get("director", client.GetSupportSLAReportParams{From: nov.To, To: nov.From})
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.to:before_from") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
