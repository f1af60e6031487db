package httpapi

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kabinet-edu/kabinet/gen/api"
)

// GetHealth answers while the process runs.
func (s *Server) GetHealth(context.Context, api.GetHealthRequestObject) (api.GetHealthResponseObject, error) {
	return api.GetHealth200JSONResponse{Status: api.Ok}, nil
}

// GetReadiness answers 200 only when the database answers.
func (s *Server) GetReadiness(ctx context.Context, _ api.GetReadinessRequestObject) (api.GetReadinessResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness: database unreachable", "err", err)
		return api.GetReadiness503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse: api.ServiceUnavailableApplicationProblemPlusJSONResponse{
			Body:    newProblem(ctx, http.StatusServiceUnavailable, codeUnavailable, "The database is not reachable."),
			Headers: api.ServiceUnavailableResponseHeaders{RetryAfter: unavailableRetryAfter},
		}}, nil
	}
	return api.GetReadiness200JSONResponse{Status: api.Ok}, nil
}

// GetJwks publishes every key that verifies access tokens: the current one
// first, then previous ones still trusted during a rotation.
func (s *Server) GetJwks(context.Context, api.GetJwksRequestObject) (api.GetJwksResponseObject, error) {
	jwk := func(kid string, key ed25519.PublicKey) api.JWK {
		return api.JWK{Kty: api.OKP, Crv: api.Ed25519, X: base64.RawURLEncoding.EncodeToString(key), Kid: kid, Use: api.Sig, Alg: api.EdDSA}
	}
	keys := []api.JWK{jwk(s.issuer.KeyID(), s.issuer.PublicKey())}
	var previous []string
	for kid := range s.issuer.VerificationKeys() {
		if kid != s.issuer.KeyID() {
			previous = append(previous, kid)
		}
	}
	slices.Sort(previous)
	for _, kid := range previous {
		keys = append(keys, jwk(kid, s.issuer.VerificationKeys()[kid]))
	}
	return api.GetJwks200JSONResponse{Keys: keys}, nil
}

// poolCollector exports pgxpool statistics to Prometheus.
type poolCollector struct {
	pool                                        *pgxpool.Pool
	total, idle, acquired, max, acquires, waits *prometheus.Desc
	waitSeconds                                 *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("kabinet_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:        pool,
		total:       d("connections", "Open connections."),
		idle:        d("idle_connections", "Idle connections."),
		acquired:    d("acquired_connections", "Connections in use."),
		max:         d("max_connections", "The pool's size limit."),
		acquires:    d("acquires_total", "Connections acquired from the pool."),
		waits:       d("empty_acquires_total", "Acquires that had to wait for a connection."),
		waitSeconds: d("acquire_wait_seconds_total", "Time spent waiting for connections."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.total, c.idle, c.acquired, c.max, c.acquires, c.waits, c.waitSeconds} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(c.total, float64(st.TotalConns()))
	gauge(c.idle, float64(st.IdleConns()))
	gauge(c.acquired, float64(st.AcquiredConns()))
	gauge(c.max, float64(st.MaxConns()))
	counter(c.acquires, float64(st.AcquireCount()))
	counter(c.waits, float64(st.EmptyAcquireCount()))
	counter(c.waitSeconds, st.AcquireDuration().Seconds())
}
