package commerce

import (
	"errors"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
	"github.com/kabinet-edu/kabinet/internal/payments/yookassa"
)

// SandboxPagePath is where the sandbox's confirmation page is served
// (development only).
const SandboxPagePath = "/sandbox/payments/"

// NewProvider builds the configured payment provider: the sandbox (its
// payments in pool, its page under the public URL) or ЮKassa.
func NewProvider(cfg config.Config, pool *pgxpool.Pool) (payments.Provider, error) {
	switch cfg.Payments.Provider {
	case config.PaymentProviderSandbox:
		return sandbox.New(pool, cfg.PublicURL+SandboxPagePath), nil
	case config.PaymentProviderYooKassa:
		return yookassa.New(yookassa.Config{
			ShopID: cfg.Payments.YooKassaShopID, SecretKey: cfg.Payments.YooKassaSecretKey,
			BaseURL: cfg.Payments.YooKassaBaseURL, ReceiptRequired: true,
		}), nil
	}
	return nil, errors.New("commerce: unknown payment provider " + cfg.Payments.Provider)
}
