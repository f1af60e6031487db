package notifications_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/notifications"
)

func TestInboxListFilterAndPaging(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	anna := apitest.Register(t, env, apitest.NewAccount())
	other := apitest.Register(t, env, apitest.NewAccount())
	org := apitest.NewOrganization(t, env, "inbox-org")

	publish(t, env, paymentFor(anna.User.ID, "Оплата 1"))
	news := notifications.Event{UserID: anna.User.ID, OrganizationID: &org, Category: notifications.CategoryNews, Title: notifications.Text{RU: "Новость"}}
	publish(t, env, news)
	publish(t, env, paymentFor(anna.User.ID, "Оплата 2"))
	publish(t, env, paymentFor(other.User.ID, "Чужая оплата"))

	// Newest first, two per page.
	limit := client.Limit(2)
	res, err := env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{Limit: &limit}, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil || len(res.JSON200.Items) != 2 || res.JSON200.NextCursor == nil {
		t.Fatalf("first page: %d %s", res.StatusCode(), res.Body)
	}
	first := res.JSON200.Items
	if first[0].Title != "Оплата 2" || first[1].Title != "Новость" || first[0].Seq != 3 || first[1].Seq != 2 {
		t.Fatalf("first page = %+v", first)
	}
	if l := first[0].Link; l == nil || l.Kind != "invoice" || l.ID != "inv-1" || l.Path == nil || *l.Path != "/payments/invoices/inv-1" {
		t.Fatalf("link = %+v", first[0].Link)
	}
	if first[1].OrganizationID == nil || *first[1].OrganizationID != org || first[0].OrganizationID != nil {
		t.Fatalf("organizations = %v, %v", first[0].OrganizationID, first[1].OrganizationID)
	}
	res, err = env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{Limit: &limit, Cursor: res.JSON200.NextCursor}, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil || len(res.JSON200.Items) != 1 || res.JSON200.Items[0].Title != "Оплата 1" || res.JSON200.NextCursor != nil {
		t.Fatalf("last page: %s", res.Body)
	}

	// The category filter.
	cat := client.NotificationCategory("news")
	res, err = env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{Category: &cat}, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.JSON200.Items) != 1 || res.JSON200.Items[0].Title != "Новость" {
		t.Fatalf("news = %s", res.Body)
	}

	// A cursor this list did not hand out.
	bad := "not-a-cursor!"
	res, err = env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{Cursor: &bad}, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "query.cursor:invalid_value") {
		t.Fatalf("fields = %v", apitest.Fields(p))
	}
	// An unknown category is refused by the schema.
	res, err = env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{Category: new(client.NotificationCategory("weather"))}, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
}

func TestMarkReadAndUnreadCounts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	anna := apitest.Register(t, env, apitest.NewAccount())
	as := apitest.Bearer(anna.AccessToken)
	publish(t, env, paymentFor(anna.User.ID, "Оплата 1"))
	publish(t, env, paymentFor(anna.User.ID, "Оплата 2"))
	publish(t, env, notifications.Event{UserID: anna.User.ID, Category: notifications.CategorySupport, Title: notifications.Text{RU: "Ответ поддержки"}})

	count := func() client.UnreadNotificationCount {
		t.Helper()
		res, err := env.Client.GetUnreadNotificationCountWithResponse(ctx, as)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("count: %v %s", err, res.Body)
		}
		return *res.JSON200
	}
	if c := count(); c.Total != 3 || c.ByCategory.Payment != 2 || c.ByCategory.Support != 1 || c.ByCategory.News != 0 {
		t.Fatalf("count = %+v", c)
	}

	list, err := env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{}, as)
	if err != nil {
		t.Fatal(err)
	}
	support := list.JSON200.Items[0]
	read, err := env.Client.MarkNotificationReadWithResponse(ctx, support.ID, as)
	if err != nil {
		t.Fatal(err)
	}
	if read.JSON200 == nil || read.JSON200.ReadAt == nil {
		t.Fatalf("mark read: %d %s", read.StatusCode(), read.Body)
	}
	// Again: the first time stays.
	again, err := env.Client.MarkNotificationReadWithResponse(ctx, support.ID, as)
	if err != nil {
		t.Fatal(err)
	}
	if again.JSON200 == nil || !again.JSON200.ReadAt.Equal(*read.JSON200.ReadAt) {
		t.Fatalf("second mark: %s", again.Body)
	}
	if c := count(); c.Total != 2 || c.ByCategory.Support != 0 {
		t.Fatalf("count after read = %+v", c)
	}
	unread := true
	list, err = env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{Unread: &unread}, as)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.JSON200.Items) != 2 {
		t.Fatalf("unread list = %s", list.Body)
	}

	// Mark all read in one category, then everything.
	news := client.NotificationCategory("news")
	all, err := env.Client.MarkAllNotificationsReadWithResponse(ctx, &client.MarkAllNotificationsReadParams{Category: &news}, as)
	if err != nil {
		t.Fatal(err)
	}
	if all.JSON200 == nil || all.JSON200.Marked != 0 || all.JSON200.Unread.Total != 2 {
		t.Fatalf("mark news: %s", all.Body)
	}
	all, err = env.Client.MarkAllNotificationsReadWithResponse(ctx, &client.MarkAllNotificationsReadParams{}, as)
	if err != nil {
		t.Fatal(err)
	}
	if all.JSON200 == nil || all.JSON200.Marked != 2 || all.JSON200.Unread.Total != 0 {
		t.Fatalf("mark all: %s", all.Body)
	}
}

// Another user's notification is 404 — to read and to mark — and stays
// unread.
func TestMarkingSomeoneElsesNotificationIsNotFound(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	anna := apitest.Register(t, env, apitest.NewAccount())
	boris := apitest.Register(t, env, apitest.NewAccount())
	publish(t, env, paymentFor(anna.User.ID, "Оплата"))
	list, err := env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{}, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	id := list.JSON200.Items[0].ID

	for _, target := range []uuid.UUID{id, uuid.New()} {
		res, err := env.Client.MarkNotificationReadWithResponse(ctx, target, apitest.Bearer(boris.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusNotFound, "not_found")
	}
	// Boris's "mark all" does not touch Anna's.
	if _, err := env.Client.MarkAllNotificationsReadWithResponse(ctx, &client.MarkAllNotificationsReadParams{}, apitest.Bearer(boris.AccessToken)); err != nil {
		t.Fatal(err)
	}
	c, err := env.Client.GetUnreadNotificationCountWithResponse(ctx, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if c.JSON200.Total != 1 {
		t.Fatalf("Anna's unread = %d, want 1", c.JSON200.Total)
	}
	// And nobody without a token.
	res, err := env.Client.ListNotificationsWithResponse(ctx, &client.ListNotificationsParams{})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnauthorized, "authentication_required")
}

// An invalid event is the caller's bug: Publish refuses it and writes nothing.
func TestPublishRefusesInvalidEvents(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	anna := apitest.Register(t, env, apitest.NewAccount())
	for name, e := range map[string]notifications.Event{
		"no title":      {UserID: anna.User.ID, Category: notifications.CategoryNews},
		"bad category":  {UserID: anna.User.ID, Category: "weather", Title: notifications.Text{RU: "x"}},
		"absolute path": {UserID: anna.User.ID, Category: notifications.CategoryNews, Title: notifications.Text{RU: "x"}, Link: &notifications.Link{Kind: "a", ID: "1", Path: "https://evil.example/"}},
		"no recipient":  {Category: notifications.CategoryNews, Title: notifications.Text{RU: "x"}},
	} {
		if err := publishErr(env, e); err == nil {
			t.Errorf("%s: Publish accepted it", name)
		}
	}
	if n := apitest.CountRows(t, env, "notifications"); n != 0 {
		t.Fatalf("%d notifications written", n)
	}
}

// The unread badge checks the session in its own statement: an ended
// session or a blocked user is 401 there as everywhere, and no unread
// notification is a count of 0, not an ended session.
func TestUnreadCountRefusesAnEndedSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	anna := apitest.Register(t, env, apitest.NewAccount())
	as := apitest.Bearer(anna.AccessToken)
	res, err := env.Client.GetUnreadNotificationCountWithResponse(ctx, as)
	if err != nil || res.JSON200 == nil || res.JSON200.Total != 0 {
		t.Fatalf("no notifications: %v %d %s", err, res.StatusCode(), res.Body)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE users SET status = 'blocked' WHERE id = $1`, anna.User.ID); err != nil {
		t.Fatal(err)
	}
	res, err = env.Client.GetUnreadNotificationCountWithResponse(ctx, as)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnauthorized, "session_ended")
	if _, err := env.Pool.Exec(ctx, `UPDATE users SET status = 'active' WHERE id = $1`, anna.User.ID); err != nil {
		t.Fatal(err)
	}
	publish(t, env, paymentFor(anna.User.ID, "Оплата"))
	if res, err = env.Client.GetUnreadNotificationCountWithResponse(ctx, as); err != nil || res.JSON200 == nil || res.JSON200.Total != 1 {
		t.Fatalf("one notification: %v %s", err, res.Body)
	}
	if out, err := env.Client.LogoutWithResponse(ctx, as); err != nil || out.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %v", err)
	}
	res, err = env.Client.GetUnreadNotificationCountWithResponse(ctx, as)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnauthorized, "session_ended")
}
