package commerce

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/money"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// NoticesArgs is the periodic job that sends installment reminders and
// overdue notices.
type NoticesArgs struct{}

// Kind names the job in River.
func (NoticesArgs) Kind() string { return "commerce_installment_notices" }

// Notifier sends installment reminders (N days before a due date, N from
// the organization's commerce settings) and the notice that a part passed
// its grace period and access is suspended. Each goes out once: the part
// is claimed (reminded_at or overdue_notified_at set, FOR UPDATE SKIP
// LOCKED) in the transaction that writes the notification and its e-mail
// to the outbox, so concurrent runs split the parts between them and a
// failed run leaves its parts for the next.
type Notifier struct {
	pool *pgxpool.Pool
	pub  *notifications.Publisher
	log  *slog.Logger
}

// NewNotifier builds the notifier over pool: the shared publisher with an
// insert-only jobs client for the deliveries.
func NewNotifier(cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) (*Notifier, error) {
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return nil, err
	}
	ins, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return nil, err
	}
	return &Notifier{pool: pool, pub: notifications.NewPublisher(outbox.New(tpl, ins, cfg.Outbox), ins, cfg), log: log}, nil
}

// notice is a claimed part to tell its learner about.
type notice struct {
	OrderID        uuid.UUID
	Number         int32
	Amount         int64
	DueOn          pgtype.Date
	GraceEnds      pgtype.Date
	UserID         uuid.UUID
	OrganizationID uuid.UUID
	Currency       string
}

const noticeBatch = 100

// Run sends every reminder and overdue notice due on now's date and
// returns how many it sent.
func (n *Notifier) Run(ctx context.Context, now time.Time) (int, error) {
	sent := 0
	for _, overdue := range []bool{false, true} {
		for {
			k, err := n.batch(ctx, now, overdue)
			sent += k
			if err != nil {
				return sent, err
			}
			if k < noticeBatch {
				break
			}
		}
	}
	return sent, nil
}

// batch claims and tells up to noticeBatch parts in one transaction.
func (n *Notifier) batch(ctx context.Context, now time.Time, overdue bool) (int, error) {
	count := 0
	err := store.InTxJobs(ctx, n.pool, func(q *db.Queries, tx pgx.Tx) error {
		var parts []notice
		if overdue {
			rows, err := q.ClaimOverdueNotices(ctx, db.ClaimOverdueNoticesParams{Today: day(now), MaxRows: noticeBatch})
			if err != nil {
				return err
			}
			for _, r := range rows {
				parts = append(parts, notice(r))
			}
		} else {
			rows, err := q.ClaimInstallmentReminders(ctx, db.ClaimInstallmentRemindersParams{Today: day(now), MaxRows: noticeBatch})
			if err != nil {
				return err
			}
			for _, r := range rows {
				parts = append(parts, notice(r))
			}
		}
		for _, p := range parts {
			title, err := q.OrderTitle(ctx, p.OrderID)
			if err != nil {
				return err
			}
			if err := n.pub.Publish(ctx, tx, noticeEvent(p, title, overdue)); err != nil {
				return fmt.Errorf("installment notice: %w", err)
			}
		}
		count = len(parts)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return count, nil
}

func noticeEvent(p notice, title string, overdue bool) notifications.Event {
	sum := money.Format(p.Amount, p.Currency)
	due := p.DueOn.Time.Format("02.01.2006")
	e := notifications.Event{
		UserID: p.UserID, OrganizationID: &p.OrganizationID, Category: notifications.CategoryPayment,
		Link: &notifications.Link{Kind: "order", ID: p.OrderID.String(), Path: "/orders/" + p.OrderID.String()},
	}
	if overdue {
		e.Title = notifications.Text{RU: fmt.Sprintf("Платёж %d просрочен: доступ к курсу приостановлен", p.Number),
			EN: fmt.Sprintf("Installment %d is overdue: course access suspended", p.Number)}
		e.Body = notifications.Text{
			RU: fmt.Sprintf("«%s»: платёж %d на сумму %s ожидался %s. Доступ к материалам приостановлен и вернётся сразу после оплаты.", title, p.Number, sum, due),
			EN: fmt.Sprintf("“%s”: installment %d of %s was due on %s. Access to the content is suspended and returns as soon as it is paid.", title, p.Number, sum, due),
		}
		return e
	}
	e.Title = notifications.Text{RU: fmt.Sprintf("Напоминание: платёж %d до %s", p.Number, due),
		EN: fmt.Sprintf("Reminder: installment %d due on %s", p.Number, due)}
	e.Body = notifications.Text{
		RU: fmt.Sprintf("«%s»: платёж %d на сумму %s нужно внести до %s.", title, p.Number, sum, due),
		EN: fmt.Sprintf("“%s”: installment %d of %s is due on %s.", title, p.Number, sum, due),
	}
	return e
}

// noticesWorker runs the Notifier.
type noticesWorker struct {
	river.WorkerDefaults[NoticesArgs]
	n *Notifier
}

// Work sends what is due; River retries a failed run.
func (w *noticesWorker) Work(ctx context.Context, _ *river.Job[NoticesArgs]) error {
	k, err := w.n.Run(ctx, time.Now())
	if k > 0 {
		w.n.log.InfoContext(ctx, "installment notices sent", "count", k)
	}
	return err
}
