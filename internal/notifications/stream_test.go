package notifications_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// A notification raised through one instance reaches a stream held by
// another: both serve the same database, and only PostgreSQL connects them.
func TestStreamAcrossTwoInstances(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	b, err := apitest.Start(a.Pool, a.Config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx := context.Background()
	acc := apitest.NewAccount()
	anna := apitest.Register(t, a, acc)
	// Each test instance signs with its own key: sign in on B for B's token.
	onB := apitest.Login(t, b, string(acc.Email), acc.Password, false)
	if onB.JSON200 == nil {
		t.Fatalf("login on B: %d %s", onB.StatusCode(), onB.Body)
	}

	res, events := openStream(t, b, nil, apitest.Bearer(onB.JSON200.AccessToken))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var c client.UnreadNotificationCount
	if err := json.Unmarshal([]byte(next(t, events, "unread").Data), &c); err != nil || c.Total != 0 {
		t.Fatalf("initial counts %+v (%v)", c, err)
	}

	publish(t, a, paymentFor(anna.User.ID, "Оплата получена"))
	// The notification, and the counts that include it, in either order.
	var ev sseEvent
	var n client.Notification
	for ev.Name == "" || c.Total != 1 {
		got := nextWhere(t, events, "", func(sseEvent) bool { return true })
		switch got.Name {
		case "notification":
			ev = got
			if err := json.Unmarshal([]byte(got.Data), &n); err != nil {
				t.Fatal(err)
			}
		case "unread":
			if err := json.Unmarshal([]byte(got.Data), &c); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ev.ID != "1" || n.Seq != 1 || n.Title != "Оплата получена" || n.ReadAt != nil || c.ByCategory.Payment != 1 {
		t.Fatalf("event %+v, counts %+v", ev, c)
	}

	// Reading it through instance A updates the counts on B's stream.
	if r, err := a.Client.MarkNotificationReadWithResponse(ctx, n.ID, apitest.Bearer(anna.AccessToken)); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("mark read: %v", err)
	}
	unreadTotal(t, events, 0)
}

// A reconnecting stream replays what was committed after its last event id,
// from the Last-Event-ID header or the ?after= parameter, and then follows.
func TestStreamResumesWithLastEventID(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	anna := apitest.Register(t, env, apitest.NewAccount())
	for _, title := range []string{"Первая", "Вторая", "Третья"} {
		publish(t, env, paymentFor(anna.User.ID, title))
	}
	lastEventID := int64(1)
	_, events := openStream(t, env, &client.StreamNotificationsParams{LastEventID: &lastEventID}, apitest.Bearer(anna.AccessToken))
	for _, want := range []string{"2", "3"} {
		if ev := next(t, events, "notification"); ev.ID != want {
			t.Fatalf("replayed id %s, want %s", ev.ID, want)
		}
	}
	publish(t, env, paymentFor(anna.User.ID, "Четвёртая"))
	if ev := next(t, events, "notification"); ev.ID != "4" {
		t.Fatalf("next id %s, want 4", ev.ID)
	}

	after := int64(3)
	_, events = openStream(t, env, &client.StreamNotificationsParams{After: &after}, apitest.Bearer(anna.AccessToken))
	if ev := next(t, events, "notification"); ev.ID != "4" {
		t.Fatalf("?after=3 replayed %s, want 4", ev.ID)
	}

	// Without an id, only what comes next.
	_, events = openStream(t, env, nil, apitest.Bearer(anna.AccessToken))
	next(t, events, "unread")
	publish(t, env, paymentFor(anna.User.ID, "Пятая"))
	if ev := next(t, events, "notification"); ev.ID != "5" {
		t.Fatalf("fresh stream got %s, want 5", ev.ID)
	}
}

// A browser's EventSource opens the stream with a single-use ticket.
func TestStreamTicket(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	anna := apitest.Register(t, env, apitest.NewAccount())
	tk, err := env.Client.CreateStreamTicketWithResponse(ctx, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if tk.JSON201 == nil || !tk.JSON201.ExpiresAt.After(time.Now()) {
		t.Fatalf("ticket: %d %s", tk.StatusCode(), tk.Body)
	}
	withTicket := func(_ context.Context, req *http.Request) error {
		q := req.URL.Query()
		q.Set("ticket", tk.JSON201.Ticket)
		req.URL.RawQuery = q.Encode()
		return nil
	}
	res, events := openStream(t, env, nil, withTicket)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream with ticket: %d", res.StatusCode)
	}
	next(t, events, "unread")
	publish(t, env, paymentFor(anna.User.ID, "Оплата"))
	next(t, events, "notification")

	// Used once; unknown; none at all.
	res, _ = openStream(t, env, nil, withTicket)
	apitest.WantProblem(t, res, apitest.ReadAll(t, res), http.StatusUnauthorized, "invalid_stream_ticket")
	res, _ = openStream(t, env, nil, func(_ context.Context, req *http.Request) error {
		req.URL.RawQuery = "ticket=st_forged"
		return nil
	})
	apitest.WantProblem(t, res, apitest.ReadAll(t, res), http.StatusUnauthorized, "invalid_stream_ticket")
	res, _ = openStream(t, env, nil)
	apitest.WantProblem(t, res, apitest.ReadAll(t, res), http.StatusUnauthorized, "authentication_required")

	// A ticket dies with its session.
	tk, err = env.Client.CreateStreamTicketWithResponse(ctx, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.LogoutWithResponse(ctx, apitest.Bearer(anna.AccessToken)); err != nil {
		t.Fatal(err)
	}
	res, _ = openStream(t, env, nil, withTicket)
	apitest.WantProblem(t, res, apitest.ReadAll(t, res), http.StatusUnauthorized, "invalid_stream_ticket")
}

// The stream notices the end of its session at the next heartbeat, and
// heartbeats are comments that keep the connection busy meanwhile.
func TestStreamEndsWithTheSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Notifications.StreamHeartbeat = 200 * time.Millisecond })
	anna := apitest.Register(t, env, apitest.NewAccount())
	_, events := openStream(t, env, nil, apitest.Bearer(anna.AccessToken))
	next(t, events, "unread")
	if _, err := env.Client.LogoutWithResponse(context.Background(), apitest.Bearer(anna.AccessToken)); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events, "end"); ev.Data != "session_ended" {
		t.Fatalf("end event %+v", ev)
	}
	select {
	case _, open := <-events:
		if open {
			t.Fatal("events after the end")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream stayed open after its session ended")
	}
}
