package notifications_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// The link of a mailing works without signing in: GET shows a confirmation
// and changes nothing, POST (RFC 8058 one-click) unsubscribes, again and
// again; an unknown token is 404.
func TestOneClickUnsubscribeWithoutSignIn(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	org := apitest.NewStaffOrg(t, env, "unsub")
	learner := org.As("learner")
	if r, err := env.Client.SubscribeToMailingWithResponse(ctx, org.ID, "information", client.MailingSubscribeRequest{PolicyVersion: "2026-09"}, learner); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("subscribe: %v", err)
	}
	// What a mailing's fan-out stores for the recipient's e-mail.
	token := "un_" + strings.Repeat("A", 52)
	sum := sha256.Sum256([]byte(token))
	if _, err := env.Pool.Exec(ctx, `INSERT INTO mailing_unsubscribe_tokens (token_hash, user_id, organization_id, list) VALUES ($1, $2, $3, 'information')`,
		sum[:], org.User("learner"), org.ID); err != nil {
		t.Fatal(err)
	}

	page, err := env.Client.ShowUnsubscribe(ctx, &client.ShowUnsubscribeParams{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	body := string(apitest.ReadAll(t, page))
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, `<form method="post">`) || !strings.Contains(body, "Центр unsub") {
		t.Fatalf("confirmation page: %d %s", page.StatusCode, body)
	}
	if subscribed(t, env, learner) != true {
		t.Fatal("the GET unsubscribed")
	}

	// What a mail client sends for List-Unsubscribe-Post (no Authorization).
	for range 2 {
		res, err := env.Client.UnsubscribeWithBody(ctx, &client.UnsubscribeParams{Token: token}, "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"List-Unsubscribe": {"One-Click"}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		if b := apitest.ReadAll(t, res); res.StatusCode != http.StatusOK || !strings.Contains(string(b), "Вы отписались") {
			t.Fatalf("one-click: %d %s", res.StatusCode, b)
		}
	}
	if subscribed(t, env, learner) != false {
		t.Fatal("still subscribed after the one-click POST")
	}
	uid := org.User("learner")
	if n := apitest.CountAudit(t, env, "mailing_unsubscribed", org.ID, &uid); n != 1 {
		t.Fatalf("unsubscription audited %d times", n)
	}
	var via string
	if err := env.Pool.QueryRow(ctx, `SELECT unsubscribed_via FROM mailing_subscriptions WHERE user_id = $1`, uid).Scan(&via); err != nil || via != "link" {
		t.Fatalf("unsubscribed via %q (%v)", via, err)
	}

	for _, bad := range []string{"un_forged", token + "x"} {
		res, err := env.Client.ShowUnsubscribe(ctx, &client.ShowUnsubscribeParams{Token: bad})
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res, apitest.ReadAll(t, res), http.StatusNotFound, "not_found")
		res, err = env.Client.UnsubscribeWithFormdataBody(ctx, &client.UnsubscribeParams{Token: bad}, client.UnsubscribeFormdataRequestBody{})
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res, apitest.ReadAll(t, res), http.StatusNotFound, "not_found")
	}
}

func subscribed(t *testing.T, env *apitest.Env, as client.RequestEditorFn) bool {
	t.Helper()
	res, err := env.Client.ListMailingSubscriptionsWithResponse(context.Background(), as)
	if err != nil || res.JSON200 == nil || len(res.JSON200.Items) != 1 {
		t.Fatalf("subscriptions: %v", err)
	}
	return res.JSON200.Items[0].Subscribed
}
