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

// Services are what the demo's domain data is written through: the
// completion issuer and an insert-only jobs client (news delivery, the
// learner's notices).
type Services struct {
	Issuer *completion.Issuer
	Jobs   jobs.Inserter
}

// DemoDomains loads the demo data of tests, teacher messages, completion
// documents, the document archive and news (run it after DemoLearning and
// DemoOrders); each part is idempotent. See NewServices for svc.
func DemoDomains(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, svc Services, now time.Time) error {
	steps := []struct {
		name string
		run  func() error
	}{
		{"tests", func() error { return DemoAssessment(ctx, pool, now) }},
		{"messages", func() error { return DemoMessages(ctx, pool, now) }},
		{"completion document", func() error { return DemoCompletion(ctx, pool, svc.Issuer, now) }},
		{"document archive", func() error { return DemoDocuments(ctx, pool, blobs, now) }},
		{"news", func() error { return DemoNews(ctx, pool, svc.Jobs, now) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return fmt.Errorf("demo %s: %w", s.name, err)
		}
	}
	return nil
}

// NewServices builds the demo's services: an insert-only jobs client and
// the completion issuer of cfg's credential key (the public development key
// when none is set) with PDFs in blobs and notices through the client.
func NewServices(cfg config.Config, pool *pgxpool.Pool, blobs *blob.Store, log *slog.Logger) (Services, error) {
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return Services{}, err
	}
	ins, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return Services{}, err
	}
	pub := notifications.NewPublisher(outbox.New(tpl, ins, cfg.Outbox), ins, cfg)
	iss, err := completion.NewIssuerFromConfig(cfg, pool, blobs, pub, log)
	return Services{Issuer: iss, Jobs: ins}, err
}
