package support_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestTicketLifecycle(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	learner := o.Members["learner"]
	tk := open(t, env, learner.AccessToken, o.ID, "  Не открывается вебинар ", "learning")
	if tk.Status != "open" || tk.Subject != "Не открывается вебинар" || tk.Unread || tk.ClosedAt != nil {
		t.Fatalf("new ticket = %+v", tk)
	}

	// Staff see it waiting and unread; reading the thread clears that.
	st := staffTicket(t, env, o, tk.ID)
	if !st.Unread || st.Author.ID != learner.User.ID || st.FirstResponseAt != nil || st.AssigneeID != nil {
		t.Fatalf("staff view = %+v", st)
	}
	res, err := env.Client.ListSupportTicketMessagesWithResponse(ctx, o.ID, tk.ID, &client.ListSupportTicketMessagesParams{}, o.As("manager"))
	if err != nil || res.JSON200 == nil || len(res.JSON200.Items) != 1 || res.JSON200.Items[0].Body != "Здравствуйте!\nНе открывается вебинар." {
		t.Fatalf("staff thread: %v %s", err, res.Body)
	}
	if staffTicket(t, env, o, tk.ID).Unread {
		t.Fatal("reading the thread did not mark it read for staff")
	}

	// A public reply answers the ticket, records the first response and
	// tells the author by e-mail; the author now has an unread ticket.
	post(t, env, o, "manager", tk.ID, "Проверяем, минуту.", false)
	st = staffTicket(t, env, o, tk.ID)
	if st.Status != "answered" || st.FirstResponseAt == nil || st.Unread {
		t.Fatalf("after reply = %+v", st)
	}
	first := *st.FirstResponseAt
	if mail := apitest.LastMail(t, env, string(learner.User.Email), "support_answered"); !strings.Contains(mail, "Не открывается вебинар") {
		t.Fatalf("mail = %q", mail)
	}
	if n := unreadCount(t, env, learner.AccessToken); n != 1 {
		t.Fatalf("unread count = %d, want 1", n)
	}
	inbox, err := env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{}, apitest.Bearer(learner.AccessToken))
	if err != nil || inbox.JSON200 == nil || len(inbox.JSON200.Items) != 1 {
		t.Fatalf("inbox: %v %s", err, inbox.Body)
	}
	if n := inbox.JSON200.Items[0]; n.Category != client.NotificationCategorySupport || n.Link == nil || n.Link.ID != tk.ID.String() ||
		!strings.Contains(n.Title, "Не открывается вебинар") {
		t.Fatalf("inbox notification = %+v", n)
	}
	if !myTicket(t, env, learner.AccessToken, tk.ID).Unread {
		t.Fatal("ticket not unread for its author")
	}
	if thread := myThread(t, env, learner.AccessToken, tk.ID); len(thread) != 2 || !thread[1].FromStaff || thread[1].Author.ID != o.User("manager") {
		t.Fatalf("thread = %+v", thread)
	}
	if n := unreadCount(t, env, learner.AccessToken); n != 0 || myTicket(t, env, learner.AccessToken, tk.ID).Unread {
		t.Fatalf("reading did not clear the unread mark (count %d)", n)
	}

	// The author's reply reopens it and makes it unread for staff.
	rr, err := env.Client.ReplyToMySupportTicketWithResponse(ctx, tk.ID, client.SupportMessageCreate{Body: "Всё ещё не работает"}, apitest.Bearer(learner.AccessToken))
	if err != nil || rr.JSON201 == nil || rr.JSON201.FromStaff {
		t.Fatalf("reply: %v %s", err, rr.Body)
	}
	st = staffTicket(t, env, o, tk.ID)
	if st.Status != "open" || !st.Unread {
		t.Fatalf("after the author's reply = %+v", st)
	}

	// waiting_for_user, then the author closes; closing again is 409 naming the status.
	if res := setStatus(t, env, o, tk.ID, "waiting_for_user"); res.JSON200 == nil || res.JSON200.Status != "waiting_for_user" {
		t.Fatalf("waiting_for_user: %d %s", res.StatusCode(), res.Body)
	}
	cr, err := env.Client.CloseMySupportTicketWithResponse(ctx, tk.ID, apitest.Bearer(learner.AccessToken))
	if err != nil || cr.JSON200 == nil || cr.JSON200.Status != "closed" || cr.JSON200.ClosedAt == nil {
		t.Fatalf("close: %v %s", err, cr.Body)
	}
	cr, _ = env.Client.CloseMySupportTicketWithResponse(ctx, tk.ID, apitest.Bearer(learner.AccessToken))
	if p := apitest.WantProblem(t, cr.HTTPResponse, cr.Body, 409, "invalid_status_transition"); !strings.Contains(*p.Detail, "closed") || !apitest.Contains(apitest.Fields(p), "status:closed") {
		t.Fatalf("problem = %+v", p)
	}
	// Staff cannot answer a closed ticket, nor make it wait for the user.
	pr, _ := env.Client.PostSupportMessageWithResponse(ctx, o.ID, tk.ID, client.StaffSupportMessageCreate{Body: "ещё"}, o.As("manager"))
	apitest.WantProblem(t, pr.HTTPResponse, pr.Body, 409, "invalid_status_transition")
	sr := setStatus(t, env, o, tk.ID, "waiting_for_user")
	apitest.WantProblem(t, sr.HTTPResponse, sr.Body, 409, "invalid_status_transition")
	// An internal note is fine on a closed ticket.
	post(t, env, o, "admin", tk.ID, "закрыто пользователем", true)

	// The author's reply to a closed ticket reopens it; the first response stays.
	rr, _ = env.Client.ReplyToMySupportTicketWithResponse(ctx, tk.ID, client.SupportMessageCreate{Body: "Снова не работает"}, apitest.Bearer(learner.AccessToken))
	if rr.StatusCode() != http.StatusCreated {
		t.Fatalf("reply to closed: %d %s", rr.StatusCode(), rr.Body)
	}
	st = staffTicket(t, env, o, tk.ID)
	if st.Status != "open" || st.ClosedAt != nil || !st.FirstResponseAt.Equal(first) {
		t.Fatalf("reopened = %+v", st)
	}
	// Staff close, then reopen.
	if res := setStatus(t, env, o, tk.ID, "closed"); res.JSON200 == nil || res.JSON200.ClosedAt == nil {
		t.Fatalf("staff close: %d %s", res.StatusCode(), res.Body)
	}
	if res := setStatus(t, env, o, tk.ID, "open"); res.JSON200 == nil || res.JSON200.Status != "open" || res.JSON200.ClosedAt != nil {
		t.Fatalf("staff reopen: %d %s", res.StatusCode(), res.Body)
	}
	if res := setStatus(t, env, o, tk.ID, "open"); res.StatusCode() != 409 {
		t.Fatalf("open → open: %d", res.StatusCode())
	}
	if n := apitest.CountAudit(t, env, "support_ticket_status_changed", o.ID, &learner.User.ID); n != 3 {
		t.Fatalf("status changes audited: %d, want 3", n)
	}

	// The author's list shows it, filterable by status.
	open(t, env, learner.AccessToken, o.ID, "Оплата", "payment")
	lr, err := env.Client.ListMySupportTicketsWithResponse(ctx, &client.ListMySupportTicketsParams{}, apitest.Bearer(learner.AccessToken))
	if err != nil || lr.JSON200 == nil || len(lr.JSON200.Items) != 2 || lr.JSON200.Items[0].Subject != "Оплата" {
		t.Fatalf("my tickets: %v %s", err, lr.Body)
	}
	limit, status := 1, client.SupportTicketStatus("open")
	lr, _ = env.Client.ListMySupportTicketsWithResponse(ctx, &client.ListMySupportTicketsParams{Limit: &limit, Status: &status}, apitest.Bearer(learner.AccessToken))
	if lr.JSON200 == nil || len(lr.JSON200.Items) != 1 || lr.JSON200.NextCursor == nil {
		t.Fatalf("first page: %s", lr.Body)
	}
	lr, _ = env.Client.ListMySupportTicketsWithResponse(ctx, &client.ListMySupportTicketsParams{Limit: &limit, Status: &status, Cursor: lr.JSON200.NextCursor}, apitest.Bearer(learner.AccessToken))
	if lr.JSON200 == nil || len(lr.JSON200.Items) != 1 || lr.JSON200.Items[0].ID != tk.ID || lr.JSON200.NextCursor != nil {
		t.Fatalf("second page: %s", lr.Body)
	}
}

func TestTicketInputIsChecked(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	for _, tc := range []struct {
		body  client.SupportTicketCreate
		field string
	}{
		{client.SupportTicketCreate{OrganizationID: o.ID, Subject: "   ", Category: "other", Body: "x"}, "subject:required"},
		{client.SupportTicketCreate{OrganizationID: o.ID, Subject: "s", Category: "other", Body: " \n\t"}, "body:required"},
		{client.SupportTicketCreate{OrganizationID: o.ID, Subject: "s", Category: "gossip", Body: "x"}, "category:invalid_value"},
		{client.SupportTicketCreate{OrganizationID: o.ID, Subject: "s", Category: "other", Body: "a\x00b"}, "body:invalid_character"},
		{client.SupportTicketCreate{OrganizationID: o.ID, Subject: "two\nlines", Category: "other", Body: "x"}, "subject:invalid_character"},
	} {
		res, err := env.Client.CreateSupportTicketWithResponse(ctx, tc.body, o.As("learner"))
		if err != nil {
			t.Fatal(err)
		}
		if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), tc.field) {
			t.Errorf("%+v: fields %v, want %s", tc.body, apitest.Fields(p), tc.field)
		}
	}
	if n := apitest.CountRows(t, env, "support_tickets"); n != 0 {
		t.Fatalf("%d tickets written", n)
	}
}

// Two closes at once: the row lock lets one through; the other sees the
// closed ticket and is refused.
func TestConcurrentClosesOneWins(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	tk := open(t, env, o.Members["learner"].AccessToken, o.ID, "Двойной клик", "technical")
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Go(func() {
			if i%2 == 0 {
				res, err := env.Client.CloseMySupportTicketWithResponse(ctx, tk.ID, o.As("learner"))
				if err == nil {
					codes[i] = res.StatusCode()
				}
				return
			}
			res, err := env.Client.SetSupportTicketStatusWithResponse(ctx, o.ID, tk.ID, client.SupportTicketStatusUpdate{Status: "closed"}, o.As("manager"))
			if err == nil {
				codes[i] = res.StatusCode()
			}
		})
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 409:
			conflicts++
		}
	}
	if ok != 1 || conflicts != 5 {
		t.Fatalf("codes = %v, want one 200 and five 409", codes)
	}
}
