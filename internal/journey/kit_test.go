// Package journey_test plays the whole learner journey of PRODUCT.md
// through the generated client, as a SPA would call the API: every domain
// in order, each step asserting what the learner or the staff see.
package journey_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/completion"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/documents"
	"github.com/kabinet-edu/kabinet/internal/jobs"
)

var bg = context.Background()

// journey is the state one run carries from step to step.
type journey struct {
	env    *apitest.Env
	public string // the server's public URL (a proxy in front of env.URL)
	web    *http.Client
	org    apitest.StaffOrg
	slug   string // the organization's catalog slug

	program client.Program
	group   client.Group
	text    client.Lesson
	webinar client.Lesson
	test    client.Lesson
	bank    []client.BankQuestion

	account     client.RegisterRequest
	learner     *client.AuthResponse
	application client.Application
	order       client.Order
	document    client.IssuedDocument
}

// operator is the operator's login in the journey's configuration.
var operator = config.Operator{Username: "ops", Password: "a long operator secret"}

// newJourney starts a server whose public URL reaches it: a loopback proxy
// listens first, its address becomes KABINET_PUBLIC_URL, and it forwards to
// the test server. The sandbox's hosted page delivers its notification to
// PublicURL + the webhook path, and calendar feed links are built from it,
// so both must lead back to this server.
func newJourney(t *testing.T) *journey {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "http://" + ln.Addr().String()
	env := apitest.New(t, func(c *config.Config) {
		c.PublicURL = public
		c.Operator = operator
	})
	target, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = proxy.Serve(ln) }()
	t.Cleanup(func() { _ = proxy.Close() })
	// The hosted page is the provider's, outside the spec: a plain client
	// that does not follow its redirect to the SPA.
	web := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &journey{env: env, public: public, web: web}
}

// workJobs runs the background workers the journey's last steps need: the
// completion check (it issues the document) and the document archive's
// (application files into the learner's archive).
func (j *journey) workJobs(t *testing.T) {
	t.Helper()
	apitest.WorkJobs(t, j.env, func(reg *jobs.Registry, log *slog.Logger) error {
		if err := completion.Register(reg, j.env.Config, j.env.Pool, log); err != nil {
			return err
		}
		return documents.Register(reg, j.env.Config, j.env.Pool, log)
	})
}

// as is the learner's access token.
func (j *journey) as() client.RequestEditorFn { return apitest.Bearer(j.learner.AccessToken) }

// basic sends HTTP Basic credentials (the operator's).
func basic(user, password string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(user, password)
		return nil
	}
}

// ifMatch is the If-Match value of a resource version.
func ifMatch(v int32) *string { s := `"v` + apitest.Itoa(int64(v)) + `"`; return &s }

// want fails unless the answer has status want.
func want(t *testing.T, what string, status int, body []byte, wantStatus int) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: status %d, want %d: %s", what, status, wantStatus, body)
	}
}

// must fails on a transport error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// pdfScan is a small file the upload checks take for a PDF.
var pdfScan = append([]byte("%PDF-1.4\n1 0 obj <<>> endobj\n"), bytes.Repeat([]byte("0123456789"), 50)...)

// multipartFile is a form with one file field "file".
func multipartFile(t *testing.T, name string, content []byte) (string, *bytes.Buffer) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	must(t, err)
	_, err = part.Write(content)
	must(t, err)
	must(t, w.Close())
	return w.FormDataContentType(), &body
}

// page fetches a page outside the API and returns its status, body and
// Location header.
func (j *journey) page(t *testing.T, method, rawURL string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(bg, method, rawURL, body)
	must(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := j.web.Do(req)
	must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return res.StatusCode, string(b), res.Header.Get("Location")
}

// has reports whether one of items matches.
func has[T any](items []T, match func(T) bool) bool {
	for _, it := range items {
		if match(it) {
			return true
		}
	}
	return false
}
