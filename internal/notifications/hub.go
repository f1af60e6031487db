package notifications

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// channelName is the PostgreSQL channel of inbox changes; the payload is
// the user's id (db/queries/notifications.sql, NotifyInboxChanged).
const channelName = "kabinet_notifications"

// hub fans PostgreSQL notifications out to the streams open on this
// instance. While at least one stream is open it holds one connection of
// its own (outside the pool) that LISTENs on channelName, and wakes the
// streams of the user named in each notification. The payload only says
// "look again": a woken stream reads what it has not sent from the table,
// so a lost or merged notification costs a query, never an event. After
// the connection is lost it reconnects and wakes every stream, which
// covers whatever was committed meanwhile.
type hub struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu     sync.Mutex
	subs   map[uuid.UUID]map[*subscriber]struct{}
	n      int
	cancel context.CancelFunc // stops the listener; nil when none runs
}

// subscriber is one open stream. wake holds at most one pending signal.
type subscriber struct {
	user uuid.UUID
	wake chan struct{}
}

func newHub(pool *pgxpool.Pool, log *slog.Logger) *hub {
	return &hub{pool: pool, log: log, subs: map[uuid.UUID]map[*subscriber]struct{}{}}
}

// subscribe registers a stream of user; the returned func unregisters it.
// The listener starts with the first stream and stops after the last.
func (h *hub) subscribe(user uuid.UUID) (*subscriber, func()) {
	s := &subscriber{user: user, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[user] == nil {
		h.subs[user] = map[*subscriber]struct{}{}
	}
	h.subs[user][s] = struct{}{}
	h.n++
	if h.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.cancel = cancel
		go h.listen(ctx)
	}
	return s, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[user], s)
		if len(h.subs[user]) == 0 {
			delete(h.subs, user)
		}
		h.n--
		if h.n == 0 && h.cancel != nil {
			h.cancel()
			h.cancel = nil
		}
	}
}

// wakeUser signals every stream of user; wakeAll every stream.
func (h *hub) wakeUser(user uuid.UUID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[user] {
		s.signal()
	}
}

func (h *hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for s := range set {
			s.signal()
		}
	}
}

func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending; the stream will look once
	}
}

// listen keeps a listening connection until ctx ends, reconnecting with a
// growing pause (up to 30 s) after failures.
func (h *hub) listen(ctx context.Context) {
	pause := 100 * time.Millisecond
	for {
		started := time.Now()
		err := h.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("notification listener lost its connection; reconnecting", "error", err, "after", pause)
		if time.Since(started) > time.Minute {
			pause = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(pause*2, 30*time.Second)
	}
}

func (h *hub) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, h.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+channelName); err != nil {
		return err
	}
	// Whatever was committed before LISTEN took effect: every stream looks.
	h.wakeAll()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		user, err := uuid.Parse(n.Payload)
		if err != nil {
			h.log.Warn("notification listener: unexpected payload", "payload", n.Payload)
			continue
		}
		h.wakeUser(user)
	}
}
