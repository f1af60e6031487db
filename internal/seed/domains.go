package seed

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/completion"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

// DemoDomains loads the demo data of tests, teacher messages, completion
// documents, the document archive and news (run it after DemoLearning and
// DemoOrders); each part is idempotent. iss issues the completion
// document (see NewIssuer).
func DemoDomains(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, iss *completion.Issuer, now time.Time) error {
	steps := []struct {
		name string
		run  func() error
	}{
		{"tests", func() error { return DemoAssessment(ctx, pool, now) }},
		{"messages", func() error { return DemoMessages(ctx, pool) }},
		{"completion document", func() error { return DemoCompletion(ctx, pool, iss, now) }},
		{"document archive", func() error { return DemoDocuments(ctx, pool, blobs, now) }},
		{"news", func() error { return DemoNews(ctx, pool, now) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return fmt.Errorf("demo %s: %w", s.name, err)
		}
	}
	return nil
}

// NewIssuer is the completion issuer of the demo: cfg's credential key (the
// public development key when none is set), PDFs in blobs, and the
// learner's notice queued through an insert-only jobs client.
func NewIssuer(cfg config.Config, pool *pgxpool.Pool, blobs *blob.Store, log *slog.Logger) (*completion.Issuer, error) {
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return nil, err
	}
	ins, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return nil, err
	}
	pub := notifications.NewPublisher(outbox.New(tpl, ins, cfg.Outbox), ins, cfg)
	return completion.NewIssuerFromConfig(cfg, pool, blobs, pub, log)
}
