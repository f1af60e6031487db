package notifications_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

var unsubscribeLink = regexp.MustCompile(`https?://\S+/api/v1/mailings/unsubscribe\?token=([A-Za-z0-9_%]+)`)

// A manager's mailing reaches the subscribed members whose account-wide
// switch is on, in batches, each e-mail with its own one-click unsubscribe
// link in the headers and the text; following it needs no sign-in.
func TestMailingFanOutAndUnsubscribe(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Notifications.MailingBatchSize = 2 })
	ctx := context.Background()
	org := apitest.NewStaffOrg(t, env, "mailing")
	var subscribers []*client.AuthResponse
	for range 3 {
		acc := apitest.Register(t, env, apitest.NewAccount())
		apitest.AddMember(t, env, org.ID, acc.User.ID, "learner")
		if r, err := env.Client.SubscribeToMailingWithResponse(ctx, org.ID, "information", client.MailingSubscribeRequest{PolicyVersion: "2026-09"}, apitest.Bearer(acc.AccessToken)); err != nil || r.StatusCode() != http.StatusOK {
			t.Fatalf("subscribe: %v", err)
		}
		subscribers = append(subscribers, acc)
	}
	// Subscribed, but information mailings switched off account-wide.
	off := subscribers[2]
	if r, err := env.Client.UpdateNotificationPreferencesWithResponse(ctx, client.NotificationPreferencesUpdate{EmailNews: false}, apitest.Bearer(off.AccessToken)); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("preferences: %v", err)
	}
	// Subscribed to advertising only: not a recipient of information.
	if r, err := env.Client.SubscribeToMailingWithResponse(ctx, org.ID, "advertising", client.MailingSubscribeRequest{PolicyVersion: "1"}, org.As("teacher")); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("subscribe: %v", err)
	}

	// Learners may not send; non-members do not see the organization.
	req := client.MailingRequest{List: "information", Subject: "Весенний набор", Body: "Открыта запись.\n\nЖдём вас!"}
	res, err := env.Client.CreateMailingWithResponse(ctx, org.ID, req, org.As("learner"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "forbidden")
	res, err = env.Client.CreateMailingWithResponse(ctx, org.ID, req, apitest.Bearer(subscribers[0].AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "forbidden")
	other := apitest.NewStaffOrg(t, env, "mailing-other")
	res, err = env.Client.CreateMailingWithResponse(ctx, org.ID, req, other.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusNotFound, "not_found")

	res, err = env.Client.CreateMailingWithResponse(ctx, org.ID, req, org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON202 == nil || res.JSON202.Status != "queued" {
		t.Fatalf("create: %d %s", res.StatusCode(), res.Body)
	}
	id := res.JSON202.ID
	workJobs(t, env)
	var m *client.Mailing
	eventually(t, "mailing sent", func() bool {
		r, err := env.Client.GetMailingWithResponse(ctx, org.ID, id, org.As("admin"))
		if err != nil || r.JSON200 == nil {
			t.Fatalf("get: %v", err)
		}
		m = r.JSON200
		return m.Status == "sent"
	})
	if m.RecipientCount != 2 || m.SentAt == nil {
		t.Fatalf("mailing = %+v", m)
	}
	// Another organization's manager gets 404 for it.
	if r, err := env.Client.GetMailingWithResponse(ctx, other.ID, id, other.As("manager")); err != nil || r.StatusCode() != http.StatusNotFound {
		t.Fatalf("cross-organization read: %v %d", err, r.StatusCode())
	}
	list, err := env.Client.ListMailingsWithResponse(ctx, org.ID, &client.ListMailingsParams{}, org.As("manager"))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("list: %v %s", err, list.Body)
	}

	// Exactly the two recipients, each with a delivery job and the headers.
	rows, err := env.Pool.Query(ctx, `SELECT recipient, body_text, body_html, headers FROM outbox WHERE template = 'mailing' ORDER BY recipient`)
	if err != nil {
		t.Fatal(err)
	}
	type mail struct {
		to, text, html string
		headers        map[string]string
	}
	var mails []mail
	for rows.Next() {
		var m mail
		var raw []byte
		if err := rows.Scan(&m.to, &m.text, &m.html, &raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &m.headers); err != nil {
			t.Fatal(err)
		}
		mails = append(mails, m)
	}
	rows.Close()
	want := []string{string(subscribers[0].User.Email), string(subscribers[1].User.Email)}
	if len(mails) != 2 || !apitest.Contains(want, mails[0].to, mails[1].to) {
		t.Fatalf("mailed to %v, want %v", mails, want)
	}
	var jobs int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'deliver_message' AND (args->>'message_id')::bigint IN (SELECT id FROM outbox WHERE template = 'mailing')`).Scan(&jobs); err != nil || jobs != 2 {
		t.Fatalf("delivery jobs = %d (%v)", jobs, err)
	}
	first := mails[0]
	if first.headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || !strings.HasPrefix(first.headers["List-Unsubscribe"], "<"+env.Config.PublicURL+"/api/v1/mailings/unsubscribe?token=") {
		t.Fatalf("headers = %v", first.headers)
	}
	if !strings.Contains(first.html, "<p>Ждём вас!</p>") || !strings.Contains(first.text, "Открыта запись.") {
		t.Fatalf("bodies: %q %q", first.text, first.html)
	}
	match := unsubscribeLink.FindStringSubmatch(first.text)
	if match == nil || "<"+match[0]+">" != first.headers["List-Unsubscribe"] || mails[1].headers["List-Unsubscribe"] == first.headers["List-Unsubscribe"] {
		t.Fatalf("the text's link %q is not the header's, or links are shared", match)
	}
	token, err := url.QueryUnescape(match[1])
	if err != nil {
		t.Fatal(err)
	}

	// One click, no sign-in: that recipient is unsubscribed, the other is not.
	un, err := env.Client.UnsubscribeWithFormdataBody(ctx, &client.UnsubscribeParams{Token: token}, client.UnsubscribeFormdataRequestBody{ListUnsubscribe: new("One-Click")})
	if err != nil {
		t.Fatal(err)
	}
	if b := apitest.ReadAll(t, un); un.StatusCode != http.StatusOK {
		t.Fatalf("unsubscribe: %d %s", un.StatusCode, b)
	}
	var unsubscribed []string
	for _, s := range subscribers[:2] {
		r, err := env.Client.ListMailingSubscriptionsWithResponse(ctx, apitest.Bearer(s.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		if !r.JSON200.Items[0].Subscribed {
			unsubscribed = append(unsubscribed, string(s.User.Email))
		}
	}
	if len(unsubscribed) != 1 || unsubscribed[0] != first.to {
		t.Fatalf("unsubscribed %v, want only %s", unsubscribed, first.to)
	}
	if n := apitest.CountAudit(t, env, "mailing_created", org.ID, nil); n != 1 {
		t.Fatalf("mailing_created audited %d times", n)
	}
}
