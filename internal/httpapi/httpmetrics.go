package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics counts and times the requests by status, method and route
// (kabinet_http_requests_total, kabinet_http_request_duration_seconds).
//
// It replaces echo-contrib's echoprometheus, which on every request built
// the label values anew, looked each metric up by them, walked the headers
// to estimate the request's size and fed two size histograms besides: 2 %
// of a GET /me's CPU, and with the access log ≈ 12 % of its throughput.
// Here the counter and histogram of a status/method/route are looked up
// once and kept (a few hundred routes × the statuses they answer).
//
// The url label is the route template (/api/v1/programs/:id), never the
// path; a request no route matched has an empty one, so a scanner's
// paths never become series. The host label is gone: the client writes
// the Host header, and it is one value behind a proxy anyway.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	series   sync.Map // seriesKey → *series
}

type seriesKey struct {
	method, route string
	code          int
}

type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	labels := []string{"code", "method", "url"}
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "kabinet", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by status, method and route.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "kabinet", Subsystem: "http", Name: "request_duration_seconds",
			Help: "Time to answer an HTTP request, by status, method and route.", Buckets: prometheus.DefBuckets,
		}, labels),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// middleware records each request but those for /metrics itself. It runs
// outermost: the access log below it has already turned an error into the
// response (statusOf covers an error that reaches it anyway).
func (m *httpMetrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route == "/metrics" {
			return err
		}
		s := m.of(seriesKey{method: c.Request().Method, route: route, code: statusOf(c, err)})
		s.requests.Inc()
		s.duration.Observe(time.Since(start).Seconds())
		return err
	}
}

func (m *httpMetrics) of(k seriesKey) *series {
	if s, ok := m.series.Load(k); ok {
		return s.(*series)
	}
	code := strconv.Itoa(k.code)
	if k.code == 0 {
		code = strconv.Itoa(http.StatusOK) // nothing written: net/http sends 200
	}
	s := &series{
		requests: m.requests.WithLabelValues(code, k.method, k.route),
		duration: m.duration.WithLabelValues(code, k.method, k.route),
	}
	actual, _ := m.series.LoadOrStore(k, s)
	return actual.(*series)
}
