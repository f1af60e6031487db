package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/fcm"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notify"
)

// MailingArgs is the job that fans a mailing out into the outbox.
type MailingArgs struct {
	MailingID uuid.UUID `json:"mailing_id"`
}

// Kind names the job in River.
func (MailingArgs) Kind() string { return "send_mailing" }

// PushArgs is the job that pushes one notification to one device.
type PushArgs struct {
	NotificationID uuid.UUID `json:"notification_id"`
	DeviceID       uuid.UUID `json:"device_id"`
}

// Kind names the job in River.
func (PushArgs) Kind() string { return "push_notification" }

// Register adds this domain's workers to reg: the mailing fan-out, and the
// pushes when cfg names FCM credentials (without them no push job is
// inserted either; every process must have the same setting).
func Register(reg *jobs.Registry, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return err
	}
	m := &mailer{pool: pool, tpl: tpl, publicURL: trimURL(cfg.PublicURL), batch: cfg.Notifications.MailingBatchSize, maxAttempts: cfg.Outbox.MaxAttempts}
	// Deliveries are inserted by an insert-only client: a process may work
	// mailings without working deliveries (those need no worker here).
	ins, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return err
	}
	if err := jobs.Add(reg, &mailingWorker{m: m, ins: ins}); err != nil {
		return err
	}
	if cfg.Notifications.FCMCredentialsFile == "" {
		return nil
	}
	creds, err := fcm.LoadCredentials(cfg.Notifications.FCMCredentialsFile)
	if err != nil {
		return fmt.Errorf("KABINET_FCM_CREDENTIALS_FILE: %w", err)
	}
	client, err := fcm.New(creds, cfg.Notifications.FCMEndpoint, nil)
	if err != nil {
		return fmt.Errorf("KABINET_FCM_CREDENTIALS_FILE: %w", err)
	}
	log.Info("mobile pushes", "fcm project", creds.ProjectID)
	return jobs.Add(reg, &pushWorker{q: db.New(pool), fcm: client, log: log})
}

// mailingWorker writes a mailing's batches until every recipient has one;
// a batch is its own transaction, so a retry continues where it stopped.
type mailingWorker struct {
	river.WorkerDefaults[MailingArgs]
	m   *mailer
	ins jobs.Inserter
}

func (w *mailingWorker) Work(ctx context.Context, job *river.Job[MailingArgs]) error {
	for {
		done, err := w.m.step(ctx, w.ins, job.Args.MailingID)
		if errors.Is(err, pgx.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("mailing %s is gone", job.Args.MailingID))
		}
		if err != nil || done {
			return err
		}
	}
}

// pushWorker sends one push. A dead token is forgotten; throttling and
// server errors are retried with River's backoff; other refusals cannot
// succeed later and end the job.
type pushWorker struct {
	river.WorkerDefaults[PushArgs]
	q   *db.Queries
	fcm *fcm.Client
	log *slog.Logger
}

func (w *pushWorker) Work(ctx context.Context, job *river.Job[PushArgs]) error {
	d, err := w.q.GetPushTarget(ctx, job.Args.DeviceID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // signed out or unregistered since
	}
	if err != nil {
		return err
	}
	n, err := w.q.GetNotificationByID(ctx, job.Args.NotificationID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && n.UserID != d.UserID) {
		return nil // deleted, or the token moved to another account
	}
	if err != nil {
		return err
	}
	data := map[string]string{"notificationId": n.ID.String(), "seq": strconv.FormatInt(n.Seq, 10), "category": string(n.Category)}
	if n.LinkPath != nil {
		data["path"] = *n.LinkPath
	}
	err = w.fcm.Send(ctx, fcm.Message{Token: d.Token, Title: n.Title, Body: n.Body, Data: data})
	var retry *fcm.RetryableError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fcm.ErrUnregistered):
		w.log.Info("push token no longer registered; device forgotten", "device", d.ID)
		return w.q.DeleteDeviceToken(ctx, d.Token)
	case errors.As(err, &retry):
		return err
	}
	return river.JobCancel(err)
}
