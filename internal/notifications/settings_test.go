package notifications_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/notifications"
)

func TestSettingsDefaultsAndUpdate(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	anna := apitest.Register(t, env, apitest.NewAccount())
	as := apitest.Bearer(anna.AccessToken)

	res, err := env.Client.GetNotificationSettingsWithResponse(ctx, as)
	if err != nil {
		t.Fatal(err)
	}
	want := map[client.NotificationCategory][3]bool{
		"application": {true, true, false}, "payment": {true, true, false}, "message": {true, false, false},
		"support": {true, true, false}, "document": {true, true, false}, "news": {true, false, false}, "account": {true, false, false},
	}
	got := map[client.NotificationCategory][3]bool{}
	for _, c := range res.JSON200.Categories {
		got[c.Category] = [3]bool{c.InApp, c.Email, c.Sms}
	}
	if len(res.JSON200.Categories) != 7 || len(got) != 7 {
		t.Fatalf("categories = %s", res.Body)
	}
	for c, w := range want {
		if got[c] != w {
			t.Errorf("%s = %v, want %v", c, got[c], w)
		}
	}

	up, err := env.Client.UpdateNotificationSettingsWithResponse(ctx, client.NotificationSettingsUpdate{Categories: []client.NotificationChannels{
		{Category: "news", InApp: false, Email: true, Sms: false},
	}}, as)
	if err != nil {
		t.Fatal(err)
	}
	if up.JSON200 == nil {
		t.Fatalf("update: %d %s", up.StatusCode(), up.Body)
	}
	for _, c := range up.JSON200.Categories {
		if c.Category == "news" && (c.InApp || !c.Email) {
			t.Fatalf("news = %+v", c)
		}
		if c.Category == "payment" && !c.Email {
			t.Fatalf("payment changed: %+v", c)
		}
	}

	// A category twice, and an unknown one.
	dup, err := env.Client.UpdateNotificationSettingsWithResponse(ctx, client.NotificationSettingsUpdate{Categories: []client.NotificationChannels{
		{Category: "news", InApp: true}, {Category: "news", InApp: false},
	}}, as)
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, dup.StatusCode(), dup.HTTPResponse.Header, dup.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "categories.1.category:duplicate") {
		t.Fatalf("fields = %v", apitest.Fields(p))
	}
	unknown, err := env.Client.UpdateNotificationSettingsWithResponse(ctx, client.NotificationSettingsUpdate{Categories: []client.NotificationChannels{
		{Category: "weather"},
	}}, as)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, unknown.StatusCode(), unknown.HTTPResponse.Header, unknown.Body, http.StatusUnprocessableEntity, "validation_failed")
}

// Publish honours the settings: each channel only when it is on, SMS only
// to a confirmed phone.
func TestPublishFollowsSettings(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	anna := apitest.Register(t, env, acc)
	as := apitest.Bearer(anna.AccessToken)
	email := string(acc.Email)
	phone := *anna.User.Phone

	// Defaults: a payment goes in-app and by e-mail, not by SMS.
	publish(t, env, paymentFor(anna.User.ID, "Оплата получена"))
	if n := countInbox(t, env, anna.User.ID); n != 1 {
		t.Fatalf("inbox = %d", n)
	}
	m, ok := apitest.LastMessage(t, env, "notification", email)
	if !ok || m.Subject != "Оплата получена" || !containsAll(m.Text, "Мы получили 12 000 ₽.", env.Config.PublicURL+"/payments/invoices/inv-1") {
		t.Fatalf("e-mail = %+v (found %v)", m, ok)
	}
	// A news item: in-app only.
	publish(t, env, notifications.Event{UserID: anna.User.ID, Category: notifications.CategoryNews, Title: notifications.Text{RU: "Новость"}})
	if n := apitest.CountMail(t, env, email, "notification"); n != 1 {
		t.Fatalf("e-mails = %d, want 1", n)
	}

	// In-app off, SMS on for payments; the phone is not confirmed yet.
	if _, err := env.Client.UpdateNotificationSettingsWithResponse(ctx, client.NotificationSettingsUpdate{Categories: []client.NotificationChannels{
		{Category: "payment", InApp: false, Email: false, Sms: true},
	}}, as); err != nil {
		t.Fatal(err)
	}
	publish(t, env, paymentFor(anna.User.ID, "Вторая оплата"))
	if n := countInbox(t, env, anna.User.ID); n != 2 {
		t.Fatalf("inbox = %d, want 2 (no new row)", n)
	}
	if n := apitest.CountMail(t, env, email, "notification"); n != 1 {
		t.Fatalf("e-mails = %d, want 1", n)
	}
	if n := apitest.CountMail(t, env, phone, "notification_sms"); n != 0 {
		t.Fatalf("SMS to an unconfirmed phone: %d", n)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE users SET phone_verified_at = now() WHERE id = $1`, anna.User.ID); err != nil {
		t.Fatal(err)
	}
	publish(t, env, paymentFor(anna.User.ID, "Третья оплата"))
	if sms, ok := apitest.LastMessage(t, env, "notification_sms", phone); !ok || sms.Text != "Третья оплата" {
		t.Fatalf("SMS = %+v (found %v)", sms, ok)
	}

	// English recipients get the English text.
	if _, err := env.Pool.Exec(ctx, `UPDATE users SET locale = 'en' WHERE id = $1`, anna.User.ID); err != nil {
		t.Fatal(err)
	}
	publish(t, env, notifications.Event{UserID: anna.User.ID, Category: notifications.CategoryNews, Title: notifications.Text{RU: "Новость", EN: "News"}})
	list, err := env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{}, as)
	if err != nil {
		t.Fatal(err)
	}
	if list.JSON200.Items[0].Title != "News" {
		t.Fatalf("title = %q", list.JSON200.Items[0].Title)
	}
}

func countInbox(t *testing.T, env *apitest.Env, user any) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM notifications WHERE user_id = $1`, user).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !contains(s, p) {
			return false
		}
	}
	return true
}
