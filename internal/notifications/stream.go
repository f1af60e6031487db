package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// maxReplay bounds what a reconnecting stream replays; older notifications
// are in the list.
const maxReplay = 500

// StreamNotifications answers with the caller's live event stream.
func (s *Handler) StreamNotifications(ctx context.Context, req api.StreamNotificationsRequestObject) (api.StreamNotificationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	after := req.Params.LastEventID
	if after == nil {
		after = req.Params.After
	}
	return &eventStream{h: s, ctx: ctx, user: p.User.ID, session: p.SessionID, after: after}, nil
}

// eventStream writes Server-Sent Events until the client goes away, the
// session ends or the stream reaches its maximum age. It is the strict
// handler's response object, so it gets the ResponseWriter itself.
type eventStream struct {
	h       *Handler
	ctx     context.Context
	user    uuid.UUID
	session uuid.UUID
	after   *int64

	w      http.ResponseWriter
	rc     *http.ResponseController
	last   int64                        // the newest seq sent (or skipped)
	unread *api.UnreadNotificationCount // the counts last sent
}

// errClientGone ends a stream whose client stopped reading.
var errClientGone = errors.New("stream client gone")

// VisitStreamNotificationsResponse streams. Once the headers are out,
// failures can only end the stream: they are logged, not returned.
func (st *eventStream) VisitStreamNotificationsResponse(w http.ResponseWriter) error {
	st.w, st.rc = w, http.NewResponseController(w)
	sub, unsubscribe := st.h.hub.subscribe(st.user)
	defer unsubscribe()
	// After subscribing: anything committed from now on wakes this stream.
	if err := st.start(); err != nil {
		return err // nothing written yet: an ordinary 500
	}
	cfg := st.h.Cfg.Notifications
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	heartbeat := time.NewTicker(cfg.StreamHeartbeat)
	defer heartbeat.Stop()
	maxAge := time.NewTimer(cfg.StreamMaxAge)
	defer maxAge.Stop()
	err := st.write("retry: 3000\n\n")
	if err == nil {
		err = st.sendNew()
	}
	for err == nil {
		select {
		case <-st.ctx.Done():
			return nil
		case <-maxAge.C:
			return nil
		case <-sub.wake:
			err = st.sendNew()
		case <-heartbeat.C:
			err = st.heartbeat()
		}
	}
	if !errors.Is(err, errClientGone) && st.ctx.Err() == nil {
		st.h.Log.Warn("notification stream ended", "user", st.user, "error", err)
	}
	return nil
}

// start decides where the stream begins: after the client's last event
// (at most maxReplay back), or after the newest notification.
func (st *eventStream) start() error {
	newest, err := st.h.Q.LastNotificationSeq(st.ctx, st.user)
	if err != nil {
		return err
	}
	st.last = newest
	if st.after != nil && *st.after < newest {
		st.last = max(*st.after, newest-maxReplay)
	}
	return nil
}

// sendNew sends the notifications after st.last, then the unread counts if
// they changed.
func (st *eventStream) sendNew() error {
	for {
		rows, err := st.h.Q.ListNotificationsAfter(st.ctx, db.ListNotificationsAfterParams{UserID: st.user, AfterSeq: st.last, MaxRows: 100})
		if err != nil {
			return err
		}
		for _, n := range rows {
			if err := st.event(fmt.Sprint(n.Seq), "notification", notificationDTO(n)); err != nil {
				return err
			}
			st.last = n.Seq
		}
		if len(rows) < 100 {
			break
		}
	}
	c, err := unreadOf(st.ctx, st.h.Q, st.user)
	if err != nil {
		return err
	}
	if st.unread != nil && *st.unread == c {
		return nil
	}
	st.unread = &c
	return st.event("", "unread", c)
}

// heartbeat ends the stream when its session has ended; otherwise it
// writes a comment that keeps proxies from closing an idle connection.
func (st *eventStream) heartbeat() error {
	active, err := st.h.Q.SessionActive(st.ctx, st.session)
	if err != nil {
		return err
	}
	if !active {
		_ = st.write("event: end\ndata: session_ended\n\n")
		return errClientGone
	}
	return st.write(": ping\n\n")
}

func (st *eventStream) event(id, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	msg := "event: " + name + "\ndata: " + string(data) + "\n\n"
	if id != "" {
		msg = "id: " + id + "\n" + msg
	}
	return st.write(msg)
}

// write sends one chunk and flushes it. The server's WriteTimeout would cut
// a long stream, so each write gets a deadline of its own.
func (st *eventStream) write(chunk string) error {
	deadline := time.Now().Add(st.h.Cfg.Notifications.StreamHeartbeat + 30*time.Second)
	if err := st.rc.SetWriteDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return errClientGone
	}
	if _, err := st.w.Write([]byte(chunk)); err != nil {
		return errClientGone
	}
	if err := st.rc.Flush(); err != nil {
		return errClientGone
	}
	return nil
}
