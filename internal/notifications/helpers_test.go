package notifications_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

// publish feeds the inbox the way another domain does: Publish inside a
// transaction of its own.
func publish(t *testing.T, env *apitest.Env, e notifications.Event) {
	t.Helper()
	if err := publishErr(env, e); err != nil {
		t.Fatal(err)
	}
}

// paymentFor is a typical event: a payment received, with a link.
func paymentFor(user uuid.UUID, title string) notifications.Event {
	return notifications.Event{
		UserID:   user,
		Category: notifications.CategoryPayment,
		Title:    notifications.Text{RU: title, EN: title + " (en)"},
		Body:     notifications.Text{RU: "Мы получили 12 000 ₽."},
		Link:     &notifications.Link{Kind: "invoice", ID: "inv-1", Path: "/payments/invoices/inv-1"},
	}
}

// sseEvent is one Server-Sent Event.
type sseEvent struct{ ID, Name, Data string }

// openStream opens the notification stream and returns its events as they
// arrive; the stream closes when the test ends.
func openStream(t *testing.T, env *apitest.Env, params *client.StreamNotificationsParams, editors ...client.RequestEditorFn) (*http.Response, <-chan sseEvent) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if params == nil {
		params = &client.StreamNotificationsParams{}
	}
	res, err := env.Client.StreamNotifications(ctx, params, editors...)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan sseEvent, 100)
	if res.StatusCode != http.StatusOK {
		close(events)
		return res, events
	}
	go func() {
		defer close(events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return res, events
}

// next returns the next event named name, skipping others.
func next(t *testing.T, events <-chan sseEvent, name string) sseEvent {
	t.Helper()
	return nextWhere(t, events, name, func(sseEvent) bool { return true })
}

// nextWhere returns the next event named name (any name when empty) for
// which ok holds.
func nextWhere(t *testing.T, events <-chan sseEvent, name string, ok func(sseEvent) bool) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, open := <-events:
			if !open {
				t.Fatalf("stream ended while waiting for a %q event", name)
			}
			if (name == "" || ev.Name == name) && ok(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no matching %q event within 10s", name)
		}
	}
}

// unreadTotal waits for the counts to reach total. Counts are sent when
// they change, which may be before or after the notification that changed
// them (a wake-up can fall between its commit and the stream's reads), so
// the stream sees them settle rather than in a fixed order.
func unreadTotal(t *testing.T, events <-chan sseEvent, total int) client.UnreadNotificationCount {
	t.Helper()
	var c client.UnreadNotificationCount
	nextWhere(t, events, "unread", func(ev sseEvent) bool {
		return json.Unmarshal([]byte(ev.Data), &c) == nil && c.Total == total
	})
	return c
}

// publishErr is publish that returns Publish's error.
func publishErr(env *apitest.Env, e notifications.Event) error {
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return err
	}
	ins, err := jobs.New(env.Pool, env.Config.Jobs, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	pub := notifications.NewPublisher(outbox.New(tpl, ins, env.Config.Outbox), ins, env.Config)
	return pgx.BeginFunc(context.Background(), env.Pool, func(tx pgx.Tx) error {
		return pub.Publish(context.Background(), tx, e)
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// workJobs runs this domain's River workers over env's database until the
// test ends (message deliveries are not worked: they stay in the outbox).
func workJobs(t *testing.T, env *apitest.Env) {
	t.Helper()
	apitest.WorkJobs(t, env, func(reg *jobs.Registry, log *slog.Logger) error {
		return notifications.Register(reg, env.Config, env.Pool, log)
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	apitest.Eventually(t, what, cond)
}
