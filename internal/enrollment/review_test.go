package enrollment_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// The whole review loop: submitted → needs_changes (reason mailed) →
// resubmitted → approved, every transition in the history with its actor
// and reason; internal notes are the staff's only.
func TestReviewLoopKeepsHistoryAndMails(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "loop")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, capacity: 10})
	acc := apitest.Register(t, env, apitest.NewAccount())
	token := acc.AccessToken
	a := submitted(t, env, token, c.group.ID)
	manager := o.User("manager")

	cm, _ := env.Client.CommentApplicationWithResponse(ctx, o.ID, a.ID, client.CommentRequest{Text: "Проверить диплом", Internal: ptrTo(true)}, o.As("manager"))
	wantStatus(t, cm, cm.Body, http.StatusOK)
	rc, _ := env.Client.RequestApplicationChangesWithResponse(ctx, o.ID, a.ID, client.DecisionRequest{Reason: "Укажите отчество"}, o.As("manager"))
	wantStatus(t, rc, rc.Body, http.StatusOK)
	if rc.JSON200.Status != client.ApplicationStatusNeedsChanges {
		t.Fatalf("status %s", rc.JSON200.Status)
	}
	if body := apitest.LastMail(t, env, string(acc.User.Email), "application_changes_requested"); !contains(body, "Укажите отчество") {
		t.Fatalf("mail %q", body)
	}
	res := submit(t, env, token, a.ID)
	wantStatus(t, res, res.Body, http.StatusOK)
	if res.JSON200.Status != client.ApplicationStatusResubmitted {
		t.Fatalf("status %s", res.JSON200.Status)
	}
	ap := approve(t, env, o, a.ID)
	wantStatus(t, ap, ap.Body, http.StatusOK)
	if ap.JSON200.Status != client.ApplicationStatusApproved || ap.JSON200.DecidedAt == nil {
		t.Fatalf("approved %+v", ap.JSON200)
	}
	if apitest.CountMail(t, env, string(acc.User.Email), "application_approved") != 1 {
		t.Fatal("no approval mail")
	}
	// Each decision is also in the applicant's inbox, without a second,
	// generic e-mail beside the decision's own.
	inbox, _ := env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{}, apitest.Bearer(token))
	wantStatus(t, inbox, inbox.Body, http.StatusOK)
	var decisions []string
	for _, n := range inbox.JSON200.Items {
		if n.Category == client.NotificationCategoryApplication && n.Link != nil && n.Link.ID == a.ID.String() {
			decisions = append(decisions, n.Title)
		}
	}
	if len(decisions) != 2 || !contains(decisions[0], "одобрена") || !contains(decisions[1], "исправить") {
		t.Fatalf("inbox decisions %q", decisions)
	}
	if n := apitest.CountMail(t, env, string(acc.User.Email), "notification"); n != 0 {
		t.Fatalf("%d generic notification e-mails besides the decision's", n)
	}

	events := func(list []client.ApplicationEvent) string {
		s := ""
		for _, e := range list {
			s += string(e.Event) + " "
		}
		return s
	}
	staff := ap.JSON200.Events
	if got := events(staff); got != "created submitted commented changes_requested resubmitted approved " {
		t.Fatalf("staff history %q", got)
	}
	if e := staff[3]; *e.ActorID != manager || *e.Reason != "Укажите отчество" || *e.FromStatus != "submitted" || *e.ToStatus != "needs_changes" {
		t.Fatalf("changes_requested event %+v", e)
	}
	mine, _ := env.Client.GetMyApplicationWithResponse(ctx, a.ID, apitest.Bearer(token))
	if got := events(mine.JSON200.Events); got != "created submitted changes_requested resubmitted approved " {
		t.Fatalf("learner history %q (internal note leaked?)", got)
	}
}

// Every action outside the statuses it is allowed from is 409
// invalid_transition naming the current status.
func TestIllegalTransitionsAre409(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "edges")
	token, _ := learner(t, env)
	as := apitest.Bearer(token)
	// One group per application: a learner has one open application per group.
	mk := func(to client.ApplicationStatus) uuid.UUID {
		c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, docs: []string{"passport"}})
		a := apply(t, env, token, c.group.ID)
		if to == client.ApplicationStatusDraft {
			return a.ID
		}
		wantStatus(t, upload(t, env, token, a.ID, "passport", "p.pdf", pdfFile), nil, http.StatusOK)
		wantStatus(t, submit(t, env, token, a.ID), nil, http.StatusOK)
		switch to {
		case client.ApplicationStatusNeedsChanges:
			env.Client.RequestApplicationChangesWithResponse(ctx, o.ID, a.ID, client.DecisionRequest{Reason: "x"}, o.As("manager"))
		case client.ApplicationStatusApproved:
			approve(t, env, o, a.ID)
		case client.ApplicationStatusRejected:
			env.Client.RejectApplicationWithResponse(ctx, o.ID, a.ID, client.DecisionRequest{Reason: "x"}, o.As("manager"))
		case client.ApplicationStatusWithdrawn:
			env.Client.WithdrawApplicationWithResponse(ctx, a.ID, client.OptionalReasonRequest{}, as)
		}
		got, _ := env.Client.GetMyApplicationWithResponse(ctx, a.ID, as)
		if got.JSON200.Status != to {
			t.Fatalf("made %s, want %s", got.JSON200.Status, to)
		}
		return a.ID
	}
	type call func(id uuid.UUID) (int, http.Header, []byte)
	actions := map[string]call{
		"submit": func(id uuid.UUID) (int, http.Header, []byte) {
			r := submit(t, env, token, id)
			return r.StatusCode(), r.HTTPResponse.Header, r.Body
		},
		"edit": func(id uuid.UUID) (int, http.Header, []byte) {
			r, _ := env.Client.UpdateApplicationDataWithResponse(ctx, id, client.ApplicantUpdate{LastName: "А", FirstName: "Б"}, as)
			return r.StatusCode(), r.HTTPResponse.Header, r.Body
		},
		"upload": func(id uuid.UUID) (int, http.Header, []byte) {
			r := upload(t, env, token, id, "passport", "p.pdf", pdfFile)
			return r.StatusCode(), r.HTTPResponse.Header, r.Body
		},
		"withdraw": func(id uuid.UUID) (int, http.Header, []byte) {
			r, _ := env.Client.WithdrawApplicationWithResponse(ctx, id, client.OptionalReasonRequest{}, as)
			return r.StatusCode(), r.HTTPResponse.Header, r.Body
		},
		"request_changes": func(id uuid.UUID) (int, http.Header, []byte) {
			r, _ := env.Client.RequestApplicationChangesWithResponse(ctx, o.ID, id, client.DecisionRequest{Reason: "x"}, o.As("manager"))
			return r.StatusCode(), r.HTTPResponse.Header, r.Body
		},
		"approve": func(id uuid.UUID) (int, http.Header, []byte) {
			r := approve(t, env, o, id)
			return r.StatusCode(), r.HTTPResponse.Header, r.Body
		},
		"reject": func(id uuid.UUID) (int, http.Header, []byte) {
			r, _ := env.Client.RejectApplicationWithResponse(ctx, o.ID, id, client.DecisionRequest{Reason: "x"}, o.As("manager"))
			return r.StatusCode(), r.HTTPResponse.Header, r.Body
		},
	}
	// The illegal (action, status) pairs; staff actions on a draft are 404
	// instead (the organization does not see drafts).
	illegal := map[client.ApplicationStatus][]string{
		client.ApplicationStatusSubmitted:    {"submit", "edit", "upload"},
		client.ApplicationStatusNeedsChanges: {"request_changes", "approve"},
		client.ApplicationStatusApproved:     {"submit", "edit", "upload", "request_changes", "approve", "reject"},
		client.ApplicationStatusRejected:     {"submit", "edit", "upload", "withdraw", "request_changes", "approve", "reject"},
		client.ApplicationStatusWithdrawn:    {"submit", "edit", "upload", "withdraw", "request_changes", "approve", "reject"},
	}
	for st, acts := range illegal {
		id := mk(st)
		for _, name := range acts {
			status, header, body := actions[name](id)
			p := apitest.ProblemOf(t, status, header, body, http.StatusConflict, "invalid_transition")
			if f := apitest.Fields(p); len(f) != 1 || f[0] != "status:"+string(st) {
				t.Errorf("%s on %s: fields %v", name, st, f)
			}
		}
	}
	draft := mk(client.ApplicationStatusDraft)
	for _, name := range []string{"request_changes", "approve", "reject"} {
		status, header, body := actions[name](draft)
		apitest.ProblemOf(t, status, header, body, http.StatusNotFound, "not_found")
	}
}

// Only the organization's managers and admins review; other staff are 403,
// other organizations and other users 404 — documents included.
func TestReviewAccess(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "acc-a")
	other := apitest.NewStaffOrg(t, env, "acc-b")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, docs: []string{"passport"}})
	token, _ := learner(t, env)
	a := apply(t, env, token, c.group.ID)
	doc := upload(t, env, token, a.ID, "passport", "p.pdf", pdfFile).JSON200
	wantStatus(t, submit(t, env, token, a.ID), nil, http.StatusOK)

	for _, role := range []client.Role{"teacher", "director", "learner"} {
		r, _ := env.Client.GetOrganizationApplicationWithResponse(ctx, o.ID, a.ID, o.As(role))
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusForbidden, "forbidden")
	}
	r, _ := env.Client.GetOrganizationApplicationWithResponse(ctx, other.ID, a.ID, other.As("manager"))
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusNotFound, "not_found")
	r, _ = env.Client.GetOrganizationApplicationWithResponse(ctx, o.ID, a.ID, other.As("manager"))
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusNotFound, "not_found")
	ap := approve(t, env, other, a.ID)
	apitest.ProblemOf(t, ap.StatusCode(), ap.HTTPResponse.Header, ap.Body, http.StatusNotFound, "not_found")
	d, _ := env.Client.DownloadOrganizationApplicationDocumentWithResponse(ctx, other.ID, a.ID, doc.ID, nil, other.As("manager"))
	apitest.ProblemOf(t, d.StatusCode(), d.HTTPResponse.Header, d.Body, http.StatusNotFound, "not_found")
	list, _ := env.Client.ListOrganizationApplicationsWithResponse(ctx, other.ID, nil, other.As("manager"))
	if wantStatus(t, list, list.Body, http.StatusOK); len(list.JSON200.Items) != 0 {
		t.Fatalf("another organization's queue shows %v", list.JSON200.Items)
	}

	// Another user: the application and its document do not exist.
	stranger, _ := learner(t, env)
	g, _ := env.Client.GetMyApplicationWithResponse(ctx, a.ID, apitest.Bearer(stranger))
	apitest.ProblemOf(t, g.StatusCode(), g.HTTPResponse.Header, g.Body, http.StatusNotFound, "not_found")
	md, _ := env.Client.DownloadMyApplicationDocumentWithResponse(ctx, a.ID, doc.ID, nil, apitest.Bearer(stranger))
	apitest.ProblemOf(t, md.StatusCode(), md.HTTPResponse.Header, md.Body, http.StatusNotFound, "not_found")
	w, _ := env.Client.WithdrawApplicationWithResponse(ctx, a.ID, client.OptionalReasonRequest{}, apitest.Bearer(stranger))
	apitest.ProblemOf(t, w.StatusCode(), w.HTTPResponse.Header, w.Body, http.StatusNotFound, "not_found")
	mine, _ := env.Client.ListMyApplicationsWithResponse(ctx, nil, apitest.Bearer(stranger))
	if len(mine.JSON200.Items) != 0 {
		t.Fatalf("stranger lists %v", mine.JSON200.Items)
	}
	// The admin may review too.
	r, _ = env.Client.GetOrganizationApplicationWithResponse(ctx, o.ID, a.ID, o.As("admin"))
	wantStatus(t, r, r.Body, http.StatusOK)
}

// The queue: oldest waiting first, filtered by program, group, status and
// age, paged with a cursor.
func TestQueueFiltersAndPages(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "queue")
	c1 := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse})
	c2 := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse})
	var ids []uuid.UUID
	for i := 0; i < 5; i++ {
		token, _ := learner(t, env)
		c := c1
		if i%2 == 1 {
			c = c2
		}
		ids = append(ids, submitted(t, env, token, c.group.ID).ID)
	}
	// Make the waiting times distinct and known: the first is the oldest.
	for i, id := range ids {
		if _, err := env.Pool.Exec(ctx, `UPDATE applications SET waiting_since = now() - make_interval(days => $2) WHERE id = $1`, id, 10-i); err != nil {
			t.Fatal(err)
		}
	}
	env.Client.RejectApplicationWithResponse(ctx, o.ID, ids[4], client.DecisionRequest{Reason: "нет мест"}, o.As("manager"))

	var got []uuid.UUID
	params := &client.ListOrganizationApplicationsParams{Limit: ptrTo(2)}
	for {
		res, _ := env.Client.ListOrganizationApplicationsWithResponse(ctx, o.ID, params, o.As("manager"))
		wantStatus(t, res, res.Body, http.StatusOK)
		for _, it := range res.JSON200.Items {
			got = append(got, it.ID)
		}
		if res.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = res.JSON200.NextCursor
	}
	if len(got) != 4 || got[0] != ids[0] || got[3] != ids[3] {
		t.Fatalf("queue %v, want %v (oldest first, rejected left out)", got, ids[:4])
	}
	count := func(p *client.ListOrganizationApplicationsParams) int {
		res, _ := env.Client.ListOrganizationApplicationsWithResponse(ctx, o.ID, p, o.As("manager"))
		wantStatus(t, res, res.Body, http.StatusOK)
		return len(res.JSON200.Items)
	}
	st := client.ListOrganizationApplicationsParamsStatusRejected
	old := mustTime(t, env, "now() - interval '8 days 12 hours'")
	cases := map[string]struct {
		p    *client.ListOrganizationApplicationsParams
		want int
	}{
		"program":  {&client.ListOrganizationApplicationsParams{ProgramID: &c2.program.ID}, 2},
		"group":    {&client.ListOrganizationApplicationsParams{GroupID: &c1.group.ID}, 2},
		"rejected": {&client.ListOrganizationApplicationsParams{Status: &st}, 1},
		"older":    {&client.ListOrganizationApplicationsParams{WaitingBefore: &old}, 2},
		"newer":    {&client.ListOrganizationApplicationsParams{WaitingSince: &old}, 2},
	}
	for name, tc := range cases {
		if n := count(tc.p); n != tc.want {
			t.Errorf("%s: %d items, want %d", name, n, tc.want)
		}
	}
	bad, _ := env.Client.ListOrganizationApplicationsWithResponse(ctx, o.ID, &client.ListOrganizationApplicationsParams{Cursor: ptrTo("nope")}, o.As("manager"))
	apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
}
