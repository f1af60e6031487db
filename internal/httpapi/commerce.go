package httpapi

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/idempotency"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// newCommerce builds the commerce handlers over the configured provider.
func newCommerce(d Deps, base web.Base, out *outbox.Outbox) (*commerce.Handler, error) {
	provider, err := commerce.NewProvider(d.Config, d.Pool)
	if err != nil {
		return nil, err
	}
	sources, err := payments.ParseSources(d.Config.Payments.WebhookSources)
	if err != nil {
		return nil, fmt.Errorf("KABINET_PAYMENT_WEBHOOK_SOURCES: %w", err)
	}
	return commerce.New(base, provider, sources, out), nil
}

// idempotentOperations attaches the Idempotency-Key middleware to the
// operations that create orders, payments and refunds.
func idempotentOperations(d Deps) map[string][]echo.MiddlewareFunc {
	pool := d.IdempotencyPool
	if pool == nil {
		pool = d.Pool
	}
	mw := idempotency.Middleware(idempotency.Config{Pool: pool})
	return idempotency.ForOperations(mw, "createOrder", "createPayment", "createRefund")
}

// mountSandbox serves the sandbox provider's confirmation page in
// development; the tester's choice goes to our own webhook.
func mountSandbox(e *echo.Echo, d Deps, shop *commerce.Handler) {
	sb, ok := shop.Provider().(*sandbox.Provider)
	if !ok || d.Config.Env != config.EnvDevelopment {
		return
	}
	page := &sandbox.Page{
		Provider:  sb,
		Deliverer: sandbox.HTTPDeliverer{URL: d.Config.PublicURL + "/api/v1/payments/webhooks/" + sandbox.Name},
		Log:       d.Logger,
	}
	e.Any(commerce.SandboxPagePath+":id", echo.WrapHandler(page))
}
