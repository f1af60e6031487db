package completion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

// Worker works jobs.CompletionCheckArgs: when the learner now meets the
// program's requirements and holds no valid document for it, it issues one.
// It is safe to run twice and concurrently: Issue locks the learner and
// program and refuses a second valid document.
type Worker struct {
	river.WorkerDefaults[jobs.CompletionCheckArgs]
	iss *Issuer
}

// NewWorker returns the completion-check worker over iss.
func NewWorker(iss *Issuer) *Worker { return &Worker{iss: iss} }

// Work issues the document if it is due.
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.CompletionCheckArgs]) error {
	_, err := w.Check(ctx, job.Args)
	return err
}

// Check is one completion check; issued reports whether it issued a
// document.
func (w *Worker) Check(ctx context.Context, a jobs.CompletionCheckArgs) (issued bool, err error) {
	q := db.New(w.iss.pool)
	app, err := q.LatestApprovedApplication(ctx, db.LatestApprovedApplicationParams{UserID: a.UserID, ProgramID: a.ProgramID})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // no approved application in a started group: nothing to issue
	}
	if err != nil {
		return false, err
	}
	_, err = w.iss.Issue(ctx, Request{ApplicationID: app})
	var nm *NotMetError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nm), errors.Is(err, ErrAlreadyIssued), errors.Is(err, ErrNotEligible):
		return false, nil
	}
	return false, fmt.Errorf("completion check: %w", err)
}

// NewIssuerFromConfig builds the issuer of a process: the credential key of
// cfg (the public development key, logged, when none is configured) over
// blobs, with notices through pub.
func NewIssuerFromConfig(cfg config.Config, pool *pgxpool.Pool, blobs *blob.Store, pub *notifications.Publisher, log *slog.Logger) (*Issuer, error) {
	signer, development, err := LoadSigner(cfg.Completion)
	if err != nil {
		return nil, err
	}
	if development {
		log.Warn("no KABINET_CREDENTIAL_KEY_FILE: completion credentials are signed with the public development key")
	}
	return NewIssuer(cfg, pool, blobs, pub, signer, log)
}

// Register adds the completion-check worker to reg, with its own blob store,
// outbox and insert-only jobs client.
func Register(reg *jobs.Registry, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	blobs, err := blob.Open(context.Background(), cfg.Blob.URL)
	if err != nil {
		return fmt.Errorf("KABINET_BLOB_URL: %w", err)
	}
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return err
	}
	ins, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return err
	}
	pub := notifications.NewPublisher(outbox.New(tpl, ins, cfg.Outbox), ins, cfg)
	iss, err := NewIssuerFromConfig(cfg, pool, blobs, pub, log)
	if err != nil {
		return err
	}
	return jobs.Add(reg, NewWorker(iss))
}
