package notifications_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestMailingSubscriptions(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	org := apitest.NewStaffOrg(t, env, "subs")
	learner := org.As("learner")
	outsider := apitest.Register(t, env, apitest.NewAccount())

	sub, err := env.Client.SubscribeToMailingWithResponse(ctx, org.ID, "advertising", client.MailingSubscribeRequest{PolicyVersion: "2026-09"}, learner)
	if err != nil {
		t.Fatal(err)
	}
	if sub.JSON200 == nil || !sub.JSON200.Subscribed || sub.JSON200.PolicyVersion != "2026-09" || sub.JSON200.OrganizationName != "Центр subs" {
		t.Fatalf("subscribe: %d %s", sub.StatusCode(), sub.Body)
	}
	// The account-wide advertising switch is on now, with its consent time.
	prefs, err := env.Client.GetNotificationPreferencesWithResponse(ctx, learner)
	if err != nil {
		t.Fatal(err)
	}
	if !prefs.JSON200.EmailMarketing || prefs.JSON200.MarketingConsentAt == nil || !prefs.JSON200.EmailNews {
		t.Fatalf("preferences: %s", prefs.Body)
	}
	uid := org.User("learner")
	if n := apitest.CountAudit(t, env, "mailing_subscribed", org.ID, &uid); n != 1 {
		t.Fatalf("audited %d times", n)
	}

	list, err := env.Client.ListMailingSubscriptionsWithResponse(ctx, learner)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.JSON200.Items) != 1 || list.JSON200.Items[0].List != "advertising" {
		t.Fatalf("list: %s", list.Body)
	}

	// Unsubscribing keeps the record; twice is audited once.
	for range 2 {
		un, err := env.Client.UnsubscribeFromMailingWithResponse(ctx, org.ID, "advertising", learner)
		if err != nil {
			t.Fatal(err)
		}
		if un.JSON200 == nil || un.JSON200.Subscribed || un.JSON200.UnsubscribedAt == nil {
			t.Fatalf("unsubscribe: %d %s", un.StatusCode(), un.Body)
		}
	}
	if n := apitest.CountAudit(t, env, "mailing_unsubscribed", org.ID, &uid); n != 1 {
		t.Fatalf("unsubscription audited %d times", n)
	}

	// Not a member: 404, for an existing organization and an unknown one.
	for _, id := range []uuid.UUID{org.ID, uuid.New()} {
		res, err := env.Client.SubscribeToMailingWithResponse(ctx, id, "information", client.MailingSubscribeRequest{PolicyVersion: "1"}, apitest.Bearer(outsider.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusNotFound, "not_found")
	}
	// Never subscribed: 404. An unknown list or a missing policy version: 422.
	un, err := env.Client.UnsubscribeFromMailingWithResponse(ctx, org.ID, "information", learner)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, un.StatusCode(), un.HTTPResponse.Header, un.Body, http.StatusNotFound, "not_found")
	bad, err := env.Client.SubscribeToMailingWithResponse(ctx, org.ID, "spam", client.MailingSubscribeRequest{}, learner)
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "path.list:invalid_value", "policyVersion:too_short") {
		t.Fatalf("fields = %v", apitest.Fields(p))
	}
}
