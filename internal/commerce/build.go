package commerce

import (
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/payments"
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
	return New(web.NewBase(cfg, pool, nil, nil, log), provider, sources), nil
}
