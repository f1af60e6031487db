package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"

	apispec "github.com/kabinet-edu/kabinet/api"
	"github.com/kabinet-edu/kabinet/internal/specroute"
)

// The conformance check: every response a test receives through Env.Client
// or Env.HTTPClient is checked against the embedded spec, so each existing
// and future HTTP test also proves that the server answers as documented.
// There is no allow-list. For a request that matches an operation:
//
//   - the status is one the operation documents;
//   - the Content-Type is one documented for that status, and the body
//     matches its schema (formats included); a status documented without
//     content has an empty body;
//   - the headers the response declares are present when required and match
//     their schemas;
//   - a problem+json body carries the HTTP status in its "status".
//
// A request that matches no operation (an unknown route, a method the path
// does not have) is outside the contract, but an error there is still a
// problem+json Problem. Responses for paths that are not API operations and
// succeed (Swagger UI, /metrics, the spec files) are not checked.

// spec is the embedded spec, parsed once, with what checking needs.
type spec struct {
	doc     *openapi3.T
	router  *specroute.Router
	opts    []openapi3.SchemaValidationOption
	problem *openapi3.SchemaRef
}

var (
	specOnce   sync.Once
	loadedSpec *spec
	specErr    error
)

func loadSpec() (*spec, error) {
	specOnce.Do(func() {
		doc, err := apispec.Load()
		if err != nil {
			specErr = err
			return
		}
		doc.Servers = nil
		doc.SetStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
			_, err := uuid.Parse(s)
			return err
		}))
		doc.SetStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
		// Downloads are documented as binary strings of their real types.
		for _, t := range []string{"application/pdf", "image/jpeg", "image/png"} {
			openapi3filter.RegisterBodyDecoder(t, openapi3filter.FileBodyDecoder)
		}
		// Completion documents: the ФИС ФРДО workbook and VC-JWTs.
		for _, t := range []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vc+jwt"} {
			openapi3filter.RegisterBodyDecoder(t, openapi3filter.FileBodyDecoder)
		}
		// Calendar feeds (iCalendar text), for every package, not only calendar's.
		openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.FileBodyDecoder)
		loadedSpec = &spec{
			doc: doc, router: specroute.New(doc), opts: doc.GetSchemaValidationOptions(),
			problem: doc.Components.Schemas["Problem"],
		}
	})
	return loadedSpec, specErr
}

// CheckingClient returns an HTTP client whose every response is checked
// like Env's, for tests that run a server of their own (the real binary).
func CheckingClient(t testing.TB) *http.Client {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &conformance{t: t, next: http.DefaultTransport, spec: s}}
}

// conformance is an http.RoundTripper that checks every response and
// reports a mismatch as an error of the test.
type conformance struct {
	t    testing.TB
	next http.RoundTripper
	spec *spec
}

// RoundTrip sends req and checks the answer; the caller gets the whole body.
func (c *conformance) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	if IsEventStream(res) {
		// A live stream never ends: check what is known now and hand the
		// body over unread.
		if msgs := c.spec.checkStream(req, res); len(msgs) > 0 {
			c.t.Helper()
			c.t.Errorf("response does not match the spec: %s %s → %d:\n\t%s", req.Method, req.URL.RequestURI(), res.StatusCode, strings.Join(msgs, "\n\t"))
		}
		return res, nil
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	check := c.spec.check
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == "text/html" {
		// kin-openapi decodes no HTML: check the status and media type only.
		check = func(req *http.Request, res *http.Response, _ []byte) []string { return c.spec.checkStream(req, res) }
	}
	if msgs := check(req, res, body); len(msgs) > 0 {
		c.t.Helper()
		c.t.Errorf("response does not match the spec: %s %s → %d:\n\t%s\n\tbody: %s",
			req.Method, req.URL.RequestURI(), res.StatusCode, strings.Join(msgs, "\n\t"), truncate(body, 600))
	}
	return res, nil
}

// check returns what is wrong with res as the answer to req.
func (s *spec) check(req *http.Request, res *http.Response, body []byte) []string {
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		if res.StatusCode < 400 {
			return nil
		}
		return s.checkProblem(req, res, body, "no operation (unknown route or method)")
	}
	op := fmt.Sprintf("operation %s (%s %s)", route.Operation.OperationID, route.Method, route.Path)
	resp := route.Operation.Responses.Status(res.StatusCode)
	if resp == nil || resp.Value == nil {
		return []string{fmt.Sprintf("%s does not document status %d (#/paths/%s/%s/responses)",
			op, res.StatusCode, pointerEscape(route.Path), strings.ToLower(route.Method))}
	}
	var msgs []string
	if req.Method == http.MethodHead {
		return nil // no body to check; kin-openapi skips HEAD entirely
	}
	if len(resp.Value.Content) == 0 && len(body) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s documents status %d without content, but a body was sent", op, res.StatusCode))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: res.StatusCode,
		Header: res.Header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, MultiError: true, SchemaValidationOptions: s.opts,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		for _, m := range describe(err) {
			msgs = append(msgs, op+": "+m)
		}
	}
	if isProblem(res) {
		for _, m := range problemStatus(res, body) {
			msgs = append(msgs, op+": "+m)
		}
	}
	return msgs
}

// checkProblem checks an error answer outside any operation.
func (s *spec) checkProblem(req *http.Request, res *http.Response, body []byte, why string) []string {
	if !isProblem(res) {
		return []string{fmt.Sprintf("%s: an error must be application/problem+json, got Content-Type %q", why, res.Header.Get("Content-Type"))}
	}
	if req.Method == http.MethodHead {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{why + ": the problem is not JSON: " + err.Error()}
	}
	var msgs []string
	if err := s.problem.Value.VisitJSON(v, append(s.opts, openapi3.MultiErrors(), openapi3.VisitAsResponse())...); err != nil {
		for _, m := range describe(err) {
			msgs = append(msgs, why+": body against #/components/schemas/Problem: "+m)
		}
	}
	return append(msgs, problemStatus(res, body)...)
}

func isProblem(res *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return mt == "application/problem+json"
}

// problemStatus checks that a problem's "status" is the HTTP status.
func problemStatus(res *http.Response, body []byte) []string {
	var p struct {
		Status int `json:"status"`
	}
	if json.Unmarshal(body, &p) == nil && p.Status != res.StatusCode {
		return []string{fmt.Sprintf("the problem says status %d, the response is %d", p.Status, res.StatusCode)}
	}
	return nil
}

// describe lists kin-openapi's findings one per line: what failed (with
// the schema's name when it has one), then for each schema error the
// value's JSON pointer, the failing keyword and its reason.
func describe(err error) []string {
	var out []string
	var walk func(error, string)
	walk = func(err error, context string) {
		var se *openapi3.SchemaError
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				walk(x, context)
			}
		case *openapi3filter.ResponseError:
			if e.Err == nil {
				out = append(out, context+e.Reason)
				return
			}
			walk(e.Err, context+e.Reason+": ")
		default:
			if errors.As(err, &se) {
				out = append(out, fmt.Sprintf("%sat /%s: %s (keyword %q)",
					context, strings.Join(se.JSONPointer(), "/"), se.Reason, se.SchemaField))
				return
			}
			out = append(out, context+err.Error())
		}
	}
	walk(err, "")
	return out
}

// pointerEscape writes path as a JSON pointer token.
func pointerEscape(path string) string {
	return strings.ReplaceAll(strings.ReplaceAll(path, "~", "~0"), "/", "~1")
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// IsEventStream reports a successful Server-Sent Events answer, whose body
// stays open: callers must not read it to the end.
func IsEventStream(res *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return res.StatusCode < 300 && mt == "text/event-stream"
}

// checkStream checks only the status and media type of a successful
// answer whose body cannot be checked (an endless event stream, HTML).
func (s *spec) checkStream(req *http.Request, res *http.Response) []string {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	route, _, err := s.router.FindRoute(req)
	if err != nil {
		return nil // not an API operation (Swagger UI): outside the contract
	}
	resp := route.Operation.Responses.Status(res.StatusCode)
	if resp == nil || resp.Value == nil || resp.Value.Content.Get(mt) == nil {
		return []string{fmt.Sprintf("operation %s does not document a %s answer with status %d", route.Operation.OperationID, mt, res.StatusCode)}
	}
	return nil
}
