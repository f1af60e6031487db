package httpapi

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/specroute"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// validator checks every request that matches an operation of the spec
// before its handler runs: security first (so anonymous callers learn nothing
// about the input rules), then parameters and body. Requests for paths not in
// the spec pass through to Echo, which answers 404 or 405.
//
// What does not depend on the request is prepared once: the operation of
// each Echo route (Echo has routed the request already, so the operation is
// one map look-up by c.Path(), the same one the handler serves) and the
// validation options. specroute, which matches paths as Echo does, is asked
// only for a request Echo did not route to an operation.
type validator struct {
	routes map[routeKey]*specRoute
	router routers.Router
	// opts validate requests; streamOpts those of streamed operations
	// (streamed.go), whose body the validator leaves to the handler.
	opts, streamOpts *openapi3filter.Options
	// checkSession makes the session check that an operation's handler
	// would have made in its own statement (web.Base.SessionInStatement),
	// when the request does not reach it; nil: none defers it.
	checkSession func(context.Context) error
}

func (v *validator) options(route *routers.Route) *openapi3filter.Options {
	if streamedOperation(route.Operation) {
		return v.streamOpts
	}
	return v.opts
}

// routeKey names an Echo route: its method and path template (c.Path()).
type routeKey struct{ method, path string }

// specRoute is an operation of the spec and its path parameters by segment
// (params[i] names segment i's parameter, "" for a literal segment).
type specRoute struct {
	route  *routers.Route
	params []string
}

func newValidator(doc *openapi3.T, authenticate openapi3filter.AuthenticationFunc) (*validator, error) {
	// The servers list holds a relative URL for Swagger UI; match on paths only.
	doc.Servers = nil
	// kin-openapi checks no string formats by default; the generated models
	// refuse a bad e-mail when binding, so the validator must catch it first.
	doc.SetStringFormatValidator("email", openapi3.NewCallbackValidator(func(s string) error {
		_, err := contact.NormalizeEmail(s)
		return err
	}))
	// Likewise a malformed uuid (a path id, a challengeId) is invalid input,
	// 422 naming the field, rather than a binding failure.
	doc.SetStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
		_, err := uuid.Parse(s)
		return err
	}))
	v := &validator{
		routes: map[routeKey]*specRoute{},
		// Routed as Echo routes, so that a path the handlers would serve (an
		// empty or escaped parameter) is validated too, not passed through.
		router: specroute.New(doc),
		opts: &openapi3filter.Options{
			MultiError:              true,
			KeepValidatedValue:      true,
			AuthenticationFunc:      authenticate,
			SchemaValidationOptions: doc.GetSchemaValidationOptions(),
		},
	}
	for path, item := range doc.Paths.Map() {
		segs := strings.Split(path, "/")
		params := make([]string, len(segs))
		for i, s := range segs {
			// Whole-segment parameters only, as specroute and the generated
			// RegisterHandlers (which turns {id} into :id) see them.
			if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' && !strings.ContainsAny(s[1:len(s)-1], "{}") {
				params[i] = s[1 : len(s)-1]
				segs[i] = ":" + params[i]
			}
		}
		echoPath := strings.Join(segs, "/")
		for method, op := range item.Operations() {
			v.routes[routeKey{method, echoPath}] = &specRoute{
				route:  &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				params: params,
			}
		}
	}
	streamOpts := *v.opts
	streamOpts.ExcludeRequestBody = true
	v.streamOpts = &streamOpts
	return v, nil
}

// find returns the operation of the request and its path parameters,
// decoded (as specroute decodes them); ok is false when the request is for
// no operation.
func (v *validator) find(c echo.Context) (*routers.Route, map[string]string, bool) {
	req := c.Request()
	r, ok := v.routes[routeKey{req.Method, c.Path()}]
	if !ok {
		route, params, err := v.router.FindRoute(req)
		return route, params, err == nil
	}
	params := map[string]string{}
	path, at := req.URL.EscapedPath(), 0
	for i := 0; at <= len(path); i++ {
		end := strings.IndexByte(path[at:], '/')
		if end < 0 {
			end = len(path)
		} else {
			end += at
		}
		if i < len(r.params) && r.params[i] != "" {
			d, err := url.PathUnescape(path[at:end])
			if err != nil {
				return nil, nil, false
			}
			params[r.params[i]] = d
		}
		at = end + 1
	}
	return r.route, params, true
}

func (v *validator) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		route, pathParams, ok := v.find(c)
		if !ok {
			return next(c)
		}
		req := c.Request()
		// The authentication func fills the caller's slot; handlers read it
		// back. withRequestMeta has placed it already; a chain without that
		// middleware gets it here.
		if !web.HasCallerSlot(req.Context()) {
			req = req.WithContext(web.WithCallerSlot(req.Context()))
			c.SetRequest(req)
		}
		in := &openapi3filter.RequestValidationInput{
			Request:    withoutStreamedBody(req, route),
			PathParams: pathParams,
			Route:      route,
			Options:    v.options(route),
		}
		// The checks a schema cannot express (textguard.go) add their
		// field errors to the schema's.
		extra := paramProblems(req, route, pathParams)
		err := openapi3filter.ValidateRequest(req.Context(), in)
		if extra = append(extra, bodyProblems(req, route)...); err != nil || len(extra) > 0 {
			// An ended session is a 401 before any field error, also where
			// the handler would have checked it.
			if web.Unchecked(req.Context()) && v.checkSession != nil {
				if cerr := v.checkSession(req.Context()); cerr != nil {
					return cerr
				}
			}
			return requestProblem(req.Context(), err, extra)
		}
		// A multipart upload's body is not validated (it streams), so its
		// Content-Type is checked here.
		if multipartOperation(route.Operation) && !isMultipart(req) {
			return web.Fail(req.Context(), http.StatusUnsupportedMediaType, web.CodeUnsupportedMediaType,
				"The body must be multipart/form-data.")
		}
		if err := next(c); err != nil {
			// A handler that failed before its statement answered has not
			// written a response: the error handler answers it.
			return err
		}
		if web.Unchecked(req.Context()) {
			// A handler of web.Base.SessionInStatement that answered without
			// confirming or refusing the session: a bug, which its tests
			// must catch.
			return fmt.Errorf("%s: %w", route.Operation.OperationID, web.ErrSessionNotChecked)
		}
		return nil
	}
}

// requestProblem turns openapi3filter's errors (err, possibly nil) and the
// extra field errors into one problem: 401 when authentication failed,
// 413/415/400 when the body could not be read, else 422 listing every
// invalid field.
func requestProblem(ctx context.Context, err error, extra []api.FieldError) error {
	var (
		errs   []error
		fields []api.FieldError
		authn  *web.AuthError
		status = http.StatusUnprocessableEntity
		code   = web.CodeValidationFailed
		detail = "One or more fields are invalid."
	)
	if err != nil {
		errs = flatten(err)
	}
	for _, e := range errs {
		var (
			sec *openapi3filter.SecurityRequirementsError
			re  *openapi3filter.RequestError
			he  *echo.HTTPError
		)
		switch {
		case errors.As(e, &sec):
			for _, se := range sec.Errors {
				if !errors.As(se, &authn) {
					// Not a verdict on the credentials (the database failed):
					// an unexpected error, answered with 500.
					return fmt.Errorf("authenticate: %w", se)
				}
			}
		case errors.As(e, &he) && he.Code == http.StatusRequestEntityTooLarge:
			return &web.Error{Problem: web.NewProblem(ctx, he.Code, web.CodePayloadTooLarge, detailOf(he))}
		case errors.As(e, &re):
			if s, c, d, ok := bodyReadProblem(re); ok {
				status, code, detail = s, c, d
				continue
			}
			fields = append(fields, fieldErrors(re)...)
		default:
			fields = append(fields, web.FieldError("", "invalid", e.Error()))
		}
	}
	if authn != nil {
		return authn.Problem(ctx)
	}
	if status != http.StatusUnprocessableEntity {
		return &web.Error{Problem: web.NewProblem(ctx, status, code, detail)}
	}
	fields = append(fields, extra...)
	return &web.Error{Problem: web.NewProblem(ctx, status, code, detail, fields...)}
}

// bodyReadProblem recognizes errors about the body as a whole.
func bodyReadProblem(re *openapi3filter.RequestError) (status int, code, detail string, ok bool) {
	if re.RequestBody == nil {
		return 0, "", "", false
	}
	var pe *openapi3filter.ParseError
	switch {
	case strings.HasPrefix(re.Reason, "header Content-Type has unexpected value"):
		return http.StatusUnsupportedMediaType, web.CodeUnsupportedMediaType, "Send the body as application/json.", true
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired) || re.Reason == "value is required but missing":
		return http.StatusBadRequest, web.CodeMalformedRequest, "The request body is required.", true
	case errors.As(re.Err, &pe):
		return http.StatusBadRequest, web.CodeMalformedRequest, "The request body is not valid JSON.", true
	}
	return 0, "", "", false
}

// fieldErrors lists the schema violations inside one request error.
func fieldErrors(re *openapi3filter.RequestError) []api.FieldError {
	prefix := ""
	if p := re.Parameter; p != nil {
		prefix = p.In + "." + p.Name
	}
	var out []api.FieldError
	for _, e := range flatten(re.Err) {
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			path := se.JSONPointer()
			if isUnknownField(se) {
				// The unknown property is named only in the reason.
				if name, ok := quoted(se.Reason); ok {
					path = append(path, name)
				}
			}
			field := strings.Join(path, ".")
			if prefix != "" {
				field = strings.TrimSuffix(prefix+"."+field, ".")
			}
			out = append(out, web.FieldError(field, schemaCode(se), schemaMessage(se)))
			continue
		}
		msg := "is invalid"
		var pe *openapi3filter.ParseError
		if errors.As(e, &pe) {
			msg = pe.Reason
		}
		if errors.Is(e, openapi3filter.ErrInvalidRequired) {
			out = append(out, web.FieldError(prefix, "required", "is required"))
			continue
		}
		out = append(out, web.FieldError(prefix, "invalid_value", msg))
	}
	if len(out) == 0 {
		out = append(out, web.FieldError(prefix, "invalid_value", re.Error()))
	}
	return out
}

// isUnknownField reports a property that additionalProperties: false forbids.
func isUnknownField(se *openapi3.SchemaError) bool {
	return (se.SchemaField == "properties" || se.SchemaField == "additionalProperties") &&
		strings.HasSuffix(se.Reason, " is unsupported")
}

func schemaCode(se *openapi3.SchemaError) string {
	if isUnknownField(se) {
		return "unknown_field"
	}
	switch se.SchemaField {
	case "required":
		return "required"
	case "type", "nullable":
		return "invalid_type"
	case "minLength":
		return "too_short"
	case "maxLength":
		return "too_long"
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		return "out_of_range"
	case "enum":
		return "invalid_value"
	case "format", "pattern":
		return "invalid_format"
	case "minItems":
		return "too_few_items"
	case "maxItems":
		return "too_many_items"
	}
	return "invalid_value"
}

func schemaMessage(se *openapi3.SchemaError) string {
	switch {
	case se.SchemaField == "required":
		return "is required"
	case isUnknownField(se):
		return "is not a known field"
	}
	return se.Reason
}

// quoted returns the first double-quoted string in s.
func quoted(s string) (string, bool) {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, `"`)
	return name, ok
}

// flatten unpacks kin-openapi's MultiError trees into their leaves. It looks
// at the error itself, not its chain: a RequestError wraps a MultiError of
// schema errors and must stay whole to keep its parameter or body.
func flatten(err error) []error {
	me, ok := err.(openapi3.MultiError)
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, flatten(e)...)
	}
	return out
}

func isMultipart(req *http.Request) bool {
	mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// withoutStreamedBody hides the body of a streamed upload from
// openapi3filter: its security check reads the whole body into memory
// (to hand each AuthenticationFunc a fresh copy) even with
// ExcludeRequestBody, which would buffer a 1 GB upload. The copy shares the
// context, so the caller the authentication finds is still seen.
func withoutStreamedBody(req *http.Request, route *routers.Route) *http.Request {
	if !streamedOperation(route.Operation) {
		return req
	}
	r := req.WithContext(req.Context())
	r.Body, r.GetBody, r.ContentLength = http.NoBody, nil, 0
	return r
}
