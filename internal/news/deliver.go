package news

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// DeliverArgs is the job that tells a published item's readers about it.
// It runs at PublishedAt; an item unpublished or rescheduled since (its
// published_at no longer PublishedAt) is skipped, since the change that
// moved it inserted a job of its own.
type DeliverArgs struct {
	NewsID      uuid.UUID `json:"news_id"`
	PublishedAt time.Time `json:"published_at"`
}

// Kind names the job in River.
func (DeliverArgs) Kind() string { return "news_deliver" }

// deliveryBatch is how many readers one transaction tells.
const deliveryBatch = 500

// scheduleDelivery inserts, in tx, the job that tells n's readers once it
// is published; a draft needs none.
func (s *Handler) scheduleDelivery(ctx context.Context, tx pgx.Tx, n db.NewsItem) error {
	if n.PublishedAt == nil || s.jobs == nil {
		return nil
	}
	opts := &river.InsertOpts{}
	if n.PublishedAt.After(s.Now()) {
		opts.ScheduledAt = *n.PublishedAt
	}
	_, err := s.jobs.InsertTx(ctx, tx, DeliverArgs{NewsID: n.ID, PublishedAt: n.PublishedAt.UTC()}, opts)
	return err
}

// Register adds the delivery worker to reg. Its notifications go through a
// publisher of its own, whose messages and pushes are inserted by an
// insert-only jobs client.
func Register(reg *jobs.Registry, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return err
	}
	ins, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return err
	}
	pub := notifications.NewPublisher(outbox.New(tpl, ins, cfg.Outbox), ins, cfg)
	return jobs.Add(reg, &deliverWorker{pool: pool, pub: pub})
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	pool *pgxpool.Pool
	pub  *notifications.Publisher
}

// Work tells the readers in batches, each batch one transaction that marks
// them told and writes their notifications, so a retry continues where the
// last attempt stopped and nobody is told twice.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	n, err := db.New(w.pool).GetNewsForDelivery(ctx, job.Args.NewsID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // deleted
	}
	if err != nil {
		return err
	}
	if n.PublishedAt == nil || !n.PublishedAt.Equal(job.Args.PublishedAt) || n.PublishedAt.After(time.Now()) {
		return nil
	}
	for {
		var told int
		err := store.InTxJobs(ctx, w.pool, func(q *db.Queries, tx pgx.Tx) error {
			users, err := q.DeliverNewsBatch(ctx, db.DeliverNewsBatchParams{
				OrganizationID: n.OrganizationID, ProgramIds: n.ProgramIds, NewsID: n.ID, MaxRows: deliveryBatch,
			})
			if err != nil {
				return err
			}
			told = len(users)
			for _, u := range users {
				err := w.pub.Publish(ctx, tx, notifications.Event{
					UserID: u, OrganizationID: &n.OrganizationID, Category: notifications.CategoryNews,
					Title: notifications.Text{RU: n.Title},
					Link:  &notifications.Link{Kind: "news", ID: n.ID.String(), Path: "/news/" + n.ID.String()},
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("news %s delivery: %w", n.ID, err)
		}
		if told < deliveryBatch {
			return nil
		}
	}
}
