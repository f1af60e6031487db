package commerce

import (
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/pdf"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// NewFromConfig builds the handler a process needs for background work
// (reconciliation): the configured provider over pool, without the HTTP
// side's hasher and issuer.
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
	return h, nil
}
