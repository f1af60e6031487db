package notifications_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/fcm/fcmtest"
	"github.com/kabinet-edu/kabinet/internal/notifications"
)

// A published notification is pushed to each device of the user's live
// sessions through FCM, by a River job per device; a token FCM no longer
// knows is forgotten; a category whose in-app channel is off is not pushed.
func TestPushesThroughFCM(t *testing.T) {
	t.Parallel()
	fake := fcmtest.New(t)
	fake.Unregistered["uninstalled-app"] = true
	env := apitest.New(t, func(c *config.Config) {
		c.Notifications.FCMCredentialsFile = fake.CredentialsFile(t)
		c.Notifications.FCMEndpoint = fake.URL
	})
	ctx := context.Background()
	acc := apitest.NewAccount()
	phone := apitest.Register(t, env, acc)
	tablet := apitest.Login(t, env, string(acc.Email), acc.Password, false).JSON200
	for token, who := range map[string]string{"android-phone": phone.AccessToken, "uninstalled-app": tablet.AccessToken} {
		if r, err := env.Client.RegisterDeviceWithResponse(ctx, client.DeviceRegistration{Token: token, Platform: "android"}, apitest.Bearer(who)); err != nil || r.StatusCode() != http.StatusCreated {
			t.Fatalf("register %s: %v", token, err)
		}
	}
	workJobs(t, env)

	publish(t, env, paymentFor(phone.User.ID, "Оплата получена"))
	eventually(t, "push delivered", func() bool { return len(fake.Messages()) == 1 })
	got := fake.Messages()[0]
	if got.Token != "android-phone" || got.Title != "Оплата получена" || got.Body != "Мы получили 12 000 ₽." ||
		got.Data["seq"] != "1" || got.Data["category"] != "payment" || got.Data["path"] != "/payments/invoices/inv-1" {
		t.Fatalf("push = %+v", got)
	}
	eventually(t, "dead token forgotten", func() bool { return apitest.CountRows(t, env, "devices") == 1 })

	// In-app off for news: no inbox row, so no push either.
	if _, err := env.Client.UpdateNotificationSettingsWithResponse(ctx, client.NotificationSettingsUpdate{Categories: []client.NotificationChannels{
		{Category: "news", InApp: false},
	}}, apitest.Bearer(phone.AccessToken)); err != nil {
		t.Fatal(err)
	}
	publish(t, env, notifications.Event{UserID: phone.User.ID, Category: notifications.CategoryNews, Title: notifications.Text{RU: "Новость"}})
	publish(t, env, paymentFor(phone.User.ID, "Вторая оплата"))
	eventually(t, "second push", func() bool { return len(fake.Messages()) == 2 })
	if m := fake.Messages()[1]; m.Title != "Вторая оплата" {
		t.Fatalf("second push = %+v (news was pushed?)", m)
	}
}
