// Package httpapi is Kabinet's HTTP adapter: Echo setup, request validation
// against the OpenAPI spec, authentication, problem+json errors, and the
// handlers that implement the generated strict-server interface.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/assessment"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/calendar"
	"github.com/kabinet-edu/kabinet/internal/catalog"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/completion"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/conversations"
	"github.com/kabinet-edu/kabinet/internal/documents"
	"github.com/kabinet-edu/kabinet/internal/enrollment"
	"github.com/kabinet-edu/kabinet/internal/identity"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/news"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/organizations"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/support"
	"github.com/kabinet-edu/kabinet/internal/system"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Server is the whole API: one handler struct per domain, embedded, so that
// together they implement the generated strict-server interface.
type Server struct {
	*catalogAPI
	*identityAPI
	*organizationsAPI
	*systemAPI
	*commerceAPI
	*supportAPI
	*newsAPI
	*notificationsAPI
	*enrollmentAPI
	*conversationsAPI
	*calendarAPI
	*assessmentAPI
	*learningAPI
	*completionAPI
	*documentsAPI
}

// Every domain names its handler struct Handler; these aliases give the
// embedded fields distinct names.
type (
	catalogAPI       = catalog.Handler
	identityAPI      = identity.Handler
	organizationsAPI = organizations.Handler
	systemAPI        = system.Handler
	commerceAPI      = commerce.Handler
	supportAPI       = support.Handler
	newsAPI          = news.Handler
	notificationsAPI = notifications.Handler
	enrollmentAPI    = enrollment.Handler
	conversationsAPI = conversations.Handler
	calendarAPI      = calendar.Handler
	assessmentAPI    = assessment.Handler
	learningAPI      = learning.Handler
	completionAPI    = completion.Handler
	documentsAPI     = documents.Handler
)

var _ api.StrictServerInterface = (*Server)(nil)

// Deps are what the HTTP layer needs from main.
type Deps struct {
	Config config.Config
	Pool   *pgxpool.Pool
	Hasher *auth.Hasher
	Issuer *auth.Issuer
	Logger *slog.Logger
	// AccessLogJSON, when set, receives the access log's lines, written
	// by hand in the shape of slog's JSON handler (the fast path of
	// KABINET_LOG_FORMAT=json): it must be where Logger's JSON handler
	// writes, and Logger must carry no attributes of its own (With), which
	// these lines would lack. Logger's level still applies.
	AccessLogJSON io.Writer
	// Jobs inserts background jobs (message deliveries) in the caller's
	// transaction.
	Jobs jobs.Inserter
	// JobsUI, when set, is River UI, served to operators at JobsUIPath.
	JobsUI http.Handler
	// IdempotencyPool holds the Idempotency-Key rows of requests in flight
	// (internal/idempotency); nil shares Pool.
	IdempotencyPool *pgxpool.Pool
}

// New builds the Echo instance that serves the whole API, the spec, Swagger
// UI, health checks and metrics.
func New(d Deps) (*echo.Echo, error) {
	if d.Jobs == nil {
		return nil, errors.New("httpapi: Deps.Jobs is required: messages are enqueued as jobs")
	}
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return nil, err
	}
	out := outbox.New(tpl, d.Jobs, d.Config.Outbox)
	base := web.NewBase(d.Config, d.Pool, d.Hasher, d.Issuer, d.Logger)
	base.SessionInStatement = map[string]bool{}
	for _, op := range append(identity.SessionInStatement(), notifications.SessionInStatement()...) {
		base.SessionInStatement[op] = true
	}
	accounts := identity.New(base, out)
	blobs, err := blob.Open(context.Background(), d.Config.Blob.URL)
	if err != nil {
		return nil, fmt.Errorf("KABINET_BLOB_URL: %w", err)
	}
	accounts.Files = blobs
	orgs := organizations.New(base, out, accounts)
	// The publisher other domains call to notify users (notifications.Publish).
	publisher := notifications.NewPublisher(out, d.Jobs, d.Config)
	notes := notifications.New(base, publisher)
	s := &Server{
		catalogAPI:       catalog.New(base, blobs, orgs),
		identityAPI:      accounts,
		organizationsAPI: orgs,
		systemAPI:        system.New(base),
		supportAPI:       support.New(base, out),
		newsAPI:          news.New(base, d.Jobs),
		notificationsAPI: notes,
		enrollmentAPI:    enrollment.New(base, out, blobs, publisher),
		conversationsAPI: conversations.New(base, blobs, publisher, d.Jobs),
		calendarAPI:      calendar.New(base),
		learningAPI:      learning.New(base, blobs, d.Jobs),
	}
	// Completion documents: the issuer is shared with the completion-check
	// worker's; its credential key is published in the JWKS.
	docs, err := completion.NewIssuerFromConfig(d.Config, d.Pool, blobs, publisher, d.Logger)
	if err != nil {
		return nil, err
	}
	s.completionAPI = completion.New(base, docs)
	s.systemAPI.CredentialKey = docs.Signer().PublicKey()
	s.documentsAPI = documents.New(base, blobs, publisher)
	s.supportAPI.Files = blobs
	s.enrollmentAPI.Jobs = d.Jobs
	shop, err := newCommerce(d, base)
	if err != nil {
		return nil, err
	}
	s.commerceAPI = shop
	s.supportAPI.Pub = publisher
	if s.assessmentAPI, err = assessment.New(base); err != nil {
		return nil, err
	}
	doc, err := validationSpec()
	if err != nil {
		return nil, fmt.Errorf("load embedded spec: %w", err)
	}
	v, err := newValidator(doc, func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
		if in.SecuritySchemeName == notifications.TicketScheme {
			return notes.AuthenticateTicket(ctx, in, base.Authenticate)
		}
		return base.Authenticate(ctx, in)
	})
	if err != nil {
		return nil, err
	}
	v.checkSession = base.CheckSession
	if err := checkSessionInStatement(doc, base.SessionInStatement); err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Logger)
	e.IPExtractor = echo.ExtractIPDirect()
	if d.Config.TrustProxyHeaders {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}

	e.Pre(headAsGet)

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newPoolCollector(d.Pool),
	)
	streamed := streamedBody(doc)
	e.Use(
		newHTTPMetrics(reg).middleware,
		withRequestMeta,
		accessLog(d.Logger, d.AccessLogJSON),
		middleware.Recover(),
		middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  d.Config.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", headerRequestID},
			ExposeHeaders: []string{headerRequestID, "ETag", "Location", "Retry-After", "WWW-Authenticate"},
			MaxAge:        600,
		}),
		// Streamed uploads (logos, covers, applicants' documents, lesson
		// files) have limits of their own, and the time their size needs.
		uploadReadDeadline(streamed, maxUpload(d.Config)),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: d.Config.BodyLimit, Skipper: noBodyOr(streamed)}),
		middleware.Secure(),
		v.middleware,
	)

	api.RegisterHandlersWithOptions(e, api.NewStrictHandler(s, nil), api.RegisterHandlersOptions{
		OperationMiddlewares: idempotentOperations(d),
	})
	mountSandbox(e, d, shop)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	if err := mountDocs(e); err != nil {
		return nil, err
	}
	if err := mountJobsUI(e, d.Config.Operator, d.JobsUI); err != nil {
		return nil, err
	}
	return e, nil
}

// statusOf tells the metrics middleware the status a failed request will be
// answered with.
func statusOf(c echo.Context, err error) int {
	if err == nil {
		return c.Response().Status
	}
	var pe *web.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		return pe.Problem.Status
	case errors.As(err, &he):
		return he.Code
	case store.Unavailable(err):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// checkSessionInStatement refuses to start when an operation said to check
// the session in its handler's statement is not a GET of the spec: a
// misspelt operationId would silently fall back to the separate check.
func checkSessionInStatement(doc *openapi3.T, ops map[string]bool) error {
	found := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		if item.Get != nil && ops[item.Get.OperationID] {
			found[item.Get.OperationID] = true
		}
	}
	for op := range ops {
		if !found[op] {
			return fmt.Errorf("httpapi: %q checks its session in its statement but is no GET operation of the spec", op)
		}
	}
	return nil
}
