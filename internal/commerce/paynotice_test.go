package commerce_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
)

// inbox lists token's user's notifications of a category.
func (s *shop) inbox(t *testing.T, token string, category client.NotificationCategory) []client.Notification {
	t.Helper()
	res, err := s.env.Client.ListNotificationsWithResponse(context.Background(), &client.ListNotificationsParams{Category: &category}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("notifications: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200.Items
}

// A succeeded payment tells the learner once, in the inbox, however often
// the provider repeats its notification; the failed attempt before it
// tells nothing.
func TestPaymentNotifiesTheLearnerOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 1250000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	p := s.pay(t, l.AccessToken, o.ID, client.Next)
	if n := s.inbox(t, l.AccessToken, client.NotificationCategoryPayment); len(n) != 0 {
		t.Fatalf("a notice before the payment: %+v", n)
	}
	body := s.decide(t, p.ID, sandbox.Succeed)
	for range 2 {
		if code, out := s.notify(t, body); code != 200 || (out != "applied" && out != "duplicate") {
			t.Fatalf("notification: %d %s", code, out)
		}
	}
	got := s.inbox(t, l.AccessToken, client.NotificationCategoryPayment)
	if len(got) != 1 || got[0].Title != "Платёж получен: 12\u00a0500,00\u00a0₽" || got[0].Link == nil || got[0].Link.ID != o.ID.String() ||
		got[0].OrganizationID == nil || *got[0].OrganizationID != s.org.ID {
		t.Fatalf("payment notices: %+v", got)
	}
	// The provider e-mails the receipt: no generic notification letter.
	if c := apitest.CountMail(t, s.env, string(l.User.Email), "notification"); c != 0 {
		t.Fatalf("%d notification e-mails for a card payment", c)
	}
}
