package delivery

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyChannel is what the outbox trigger (migration 00003) notifies on
// every committed insert.
const notifyChannel = "kabinet_outbox"

// listen keeps a connection of its own (outside the pool, which it would
// otherwise hold forever) listening on notifyChannel and signals wake for
// every notification, coalescing bursts. When the connection fails it
// reconnects after a poll interval; meanwhile the worker's polling covers.
func (w *Worker) listen(ctx context.Context, wake chan<- struct{}) {
	signal := func() {
		select {
		case wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	for ctx.Err() == nil {
		err := w.listenOnce(ctx, signal)
		if ctx.Err() != nil {
			return
		}
		w.log.WarnContext(ctx, "outbox: LISTEN connection lost; polling until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.cfg.PollInterval):
		}
	}
}

func (w *Worker) listenOnce(ctx context.Context, signal func()) error {
	conn, err := pgx.ConnectConfig(ctx, w.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	signal() // catch up on what was committed while not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		signal()
	}
}
