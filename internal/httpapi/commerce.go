package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/idempotency"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// newCommerce builds the commerce handlers over the configured provider.
func newCommerce(d Deps, base web.Base) (*commerce.Handler, error) {
	h, err := commerce.NewFromConfig(d.Config, d.Pool, d.Logger)
	if err != nil {
		return nil, err
	}
	h.Base = base
	return h, nil
}

// idempotentOperations attaches the Idempotency-Key middleware to the
// operations that create orders, payments and refunds.
func idempotentOperations(d Deps) map[string][]echo.MiddlewareFunc {
	pool := d.IdempotencyPool
	if pool == nil {
		pool = d.Pool
	}
	mw := idempotency.Middleware(idempotency.Config{Pool: pool})
	return idempotency.ForOperations(mw, "createOrder", "createPayment", "createRefund", "recordBankTransfer", "withdrawFromMyOrder")
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
