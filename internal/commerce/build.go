package commerce

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/pdf"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// NewFromConfig builds the handler a process needs for background work
// (reconciliation, publishing invoices and acts): the configured provider
// over pool, without the HTTP side's hasher and issuer, with its own
// notification publisher, blob store and insert-only jobs client (jobs go
// to the same database, so whichever process works them does).
func NewFromConfig(cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) (*Handler, error) {
	provider, err := NewProvider(cfg, pool)
	if err != nil {
		return nil, err
	}
	sources, err := payments.ParseSources(cfg.Payments.WebhookSources)
	if err != nil {
		return nil, fmt.Errorf("KABINET_PAYMENT_WEBHOOK_SOURCES: %w", err)
	}
	if _, err := docnumber.ParsePattern(cfg.Payments.InvoiceNumberPattern, ""); err != nil {
		return nil, fmt.Errorf("KABINET_INVOICE_NUMBER_PATTERN: %w", err)
	}
	h := New(web.NewBase(cfg, pool, nil, nil, log), provider, sources)
	if h.kit, err = pdf.New(); err != nil {
		return nil, err
	}
	if h.blobs, err = blob.Open(context.Background(), cfg.Blob.URL); err != nil {
		return nil, fmt.Errorf("KABINET_BLOB_URL: %w", err)
	}
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return nil, err
	}
	ins, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return nil, err
	}
	h.ins, h.pub = ins, notifications.NewPublisher(outbox.New(tpl, ins, cfg.Outbox), ins, cfg)
	return h, nil
}
