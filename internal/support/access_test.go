package support_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Internal notes appear in the staff thread only: no endpoint the author
// can call returns their text.
func TestInternalNotesNeverReachTheAuthor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	learner := o.Members["learner"].AccessToken
	tk := open(t, env, learner, o.ID, "Счёт", "payment")
	const secret = "SECRET-NOTE: клиент должен нам 5000"
	note := post(t, env, o, "manager", tk.ID, secret, true)
	if !note.Internal {
		t.Fatalf("note = %+v", note)
	}
	st := staffTicket(t, env, o, tk.ID)
	if st.Status != "open" || st.FirstResponseAt != nil {
		t.Fatalf("a note changed the ticket: %+v", st)
	}
	if apitest.CountMail(t, env, string(o.Members["learner"].User.Email), "support_answered") != 0 {
		t.Fatal("a note e-mailed the author")
	}
	if unreadCount(t, env, learner) != 0 {
		t.Fatal("a note made the ticket unread for the author")
	}
	post(t, env, o, "manager", tk.ID, "Счёт отправлен на почту.", false)

	// Every author-facing endpoint, raw, so nothing hides in a field the client ignores.
	base := env.URL + "/api/v1/me/support-tickets"
	for _, tc := range []struct{ method, url, body string }{
		{"GET", base, ""},
		{"GET", base + "?organizationId=" + o.ID.String(), ""},
		{"GET", base + "/unread-count", ""},
		{"GET", base + "/" + tk.ID.String(), ""},
		{"GET", base + "/" + tk.ID.String() + "/messages", ""},
		{"GET", base + "/" + tk.ID.String() + "/messages?limit=1", ""},
		{"POST", base + "/" + tk.ID.String() + "/messages", `{"body":"спасибо"}`},
		{"POST", base + "/" + tk.ID.String() + "/close", ""},
	} {
		req, _ := http.NewRequestWithContext(ctx, tc.method, tc.url, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+learner)
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := env.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", tc.method, tc.url, res.StatusCode, b)
		}
		if strings.Contains(string(b), "SECRET-NOTE") || strings.Contains(string(b), note.ID.String()) || strings.Contains(string(b), "internal") {
			t.Errorf("%s %s leaks the internal note: %s", tc.method, tc.url, b)
		}
	}
	if thread := myThread(t, env, learner, tk.ID); len(thread) != 3 {
		t.Fatalf("author's thread has %d messages, want 3 (first, reply, thanks)", len(thread))
	}
	res, _ := env.Client.ListSupportTicketMessagesWithResponse(ctx, o.ID, tk.ID, &client.ListSupportTicketMessagesParams{}, o.As("admin"))
	if res.JSON200 == nil || len(res.JSON200.Items) != 4 || !res.JSON200.Items[1].Internal || res.JSON200.Items[1].Body != secret {
		t.Fatalf("staff thread: %s", res.Body)
	}
}

func TestTicketsOfOthersAreNotFound(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	a := apitest.NewStaffOrg(t, env, "center-a")
	b := apitest.NewStaffOrg(t, env, "center-b")
	other := apitest.Register(t, env, apitest.NewAccount())
	apitest.AddMember(t, env, a.ID, other.User.ID, "learner")
	tk := open(t, env, a.Members["learner"].AccessToken, a.ID, "Мой вопрос", "other")

	// Another learner of the same organization: every author endpoint is 404.
	as := apitest.Bearer(other.AccessToken)
	g, _ := env.Client.GetMySupportTicketWithResponse(ctx, tk.ID, as)
	apitest.WantProblem(t, g.HTTPResponse, g.Body, 404, "not_found")
	m, _ := env.Client.ListMySupportTicketMessagesWithResponse(ctx, tk.ID, &client.ListMySupportTicketMessagesParams{}, as)
	apitest.WantProblem(t, m.HTTPResponse, m.Body, 404, "not_found")
	r, _ := env.Client.ReplyToMySupportTicketWithResponse(ctx, tk.ID, client.SupportMessageCreate{Body: "чужое"}, as)
	apitest.WantProblem(t, r.HTTPResponse, r.Body, 404, "not_found")
	c, _ := env.Client.CloseMySupportTicketWithResponse(ctx, tk.ID, as)
	apitest.WantProblem(t, c.HTTPResponse, c.Body, 404, "not_found")
	if l, _ := env.Client.ListMySupportTicketsWithResponse(ctx, &client.ListMySupportTicketsParams{}, as); l.JSON200 == nil || len(l.JSON200.Items) != 0 {
		t.Fatalf("another learner lists %s", l.Body)
	}
	// Staff of the same organization cannot use the author's side either.
	g, _ = env.Client.GetMySupportTicketWithResponse(ctx, tk.ID, a.As("admin"))
	apitest.WantProblem(t, g.HTTPResponse, g.Body, 404, "not_found")

	// Staff of organization B: A's queue and A's ticket are 404, also through B's path.
	q, _ := env.Client.ListSupportQueueWithResponse(ctx, a.ID, &client.ListSupportQueueParams{}, b.As("admin"))
	apitest.WantProblem(t, q.HTTPResponse, q.Body, 404, "not_found")
	s, _ := env.Client.GetSupportTicketWithResponse(ctx, a.ID, tk.ID, b.As("admin"))
	apitest.WantProblem(t, s.HTTPResponse, s.Body, 404, "not_found")
	s, _ = env.Client.GetSupportTicketWithResponse(ctx, b.ID, tk.ID, b.As("admin"))
	apitest.WantProblem(t, s.HTTPResponse, s.Body, 404, "not_found")
	sm, _ := env.Client.ListSupportTicketMessagesWithResponse(ctx, b.ID, tk.ID, &client.ListSupportTicketMessagesParams{}, b.As("manager"))
	apitest.WantProblem(t, sm.HTTPResponse, sm.Body, 404, "not_found")
	p, _ := env.Client.PostSupportMessageWithResponse(ctx, b.ID, tk.ID, client.StaffSupportMessageCreate{Body: "x"}, b.As("manager"))
	apitest.WantProblem(t, p.HTTPResponse, p.Body, 404, "not_found")
	st, _ := env.Client.SetSupportTicketStatusWithResponse(ctx, b.ID, tk.ID, client.SupportTicketStatusUpdate{Status: "closed"}, b.As("manager"))
	apitest.WantProblem(t, st.HTTPResponse, st.Body, 404, "not_found")
	sla, _ := env.Client.GetSupportSLAReportWithResponse(ctx, a.ID, &client.GetSupportSLAReportParams{From: tk.CreatedAt.Add(-1), To: tk.CreatedAt.Add(1e12)}, b.As("director"))
	apitest.WantProblem(t, sla.HTTPResponse, sla.Body, 404, "not_found")

	// In A: teachers and learners have no queue (403); opening a ticket to
	// an organization one is not a member of is 404.
	for _, role := range []client.Role{"teacher", "learner"} {
		q, _ = env.Client.ListSupportQueueWithResponse(ctx, a.ID, &client.ListSupportQueueParams{}, a.As(role))
		apitest.WantProblem(t, q.HTTPResponse, q.Body, 403, "forbidden")
	}
	o, _ := env.Client.CreateSupportTicketWithResponse(ctx, client.SupportTicketCreate{OrganizationID: b.ID, Subject: "s", Category: "other", Body: "x"}, as)
	apitest.WantProblem(t, o.HTTPResponse, o.Body, 404, "not_found")
	o, _ = env.Client.CreateSupportTicketWithResponse(ctx, client.SupportTicketCreate{OrganizationID: uuid.New(), Subject: "s", Category: "other", Body: "x"}, as)
	apitest.WantProblem(t, o.HTTPResponse, o.Body, 404, "not_found")

	// Nothing above changed the ticket.
	if st := staffTicket(t, env, a, tk.ID); st.Status != "open" || !st.Unread {
		t.Fatalf("ticket changed: %+v", st)
	}
}

func TestAssignment(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	a := apitest.NewStaffOrg(t, env, "center-a")
	b := apitest.NewStaffOrg(t, env, "center-b")
	tk := open(t, env, a.Members["learner"].AccessToken, a.ID, "Вопрос", "other")
	assign := func(as client.Role, to *uuid.UUID) *client.AssignSupportTicketResponse {
		res, err := env.Client.AssignSupportTicketWithResponse(ctx, a.ID, tk.ID, client.SupportTicketAssignment{AssigneeID: to}, a.As(as))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	mgr := a.User("manager")
	if res := assign("admin", &mgr); res.JSON200 == nil || res.JSON200.AssigneeID == nil || *res.JSON200.AssigneeID != mgr {
		t.Fatalf("assign: %d %s", res.StatusCode(), res.Body)
	}
	for _, bad := range []uuid.UUID{a.User("teacher"), a.User("learner"), b.User("manager"), uuid.New()} {
		res := assign("director", &bad)
		if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "assigneeId:not_support_staff") {
			t.Errorf("fields %v", apitest.Fields(p))
		}
	}
	if res := assign("teacher", &mgr); res.StatusCode() != 403 {
		t.Fatalf("teacher assigns: %d", res.StatusCode())
	}
	if res := assign("manager", nil); res.JSON200 == nil || res.JSON200.AssigneeID != nil {
		t.Fatalf("unassign: %d %s", res.StatusCode(), res.Body)
	}
	if n := apitest.CountAudit(t, env, "support_ticket_assigned", a.ID, nil); n != 2 {
		t.Fatalf("assignments audited: %d, want 2", n)
	}
}
