package httpapi

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// streamedOperation reports whether op takes a binary body (a file upload):
// such bodies stream to blob storage under the operation's own size limit,
// so neither the global body limit nor the validator (which would read the
// whole body into memory to check it) touches them.
func streamedOperation(op *openapi3.Operation) bool {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return false
	}
	if multipartOperation(op) {
		return true
	}
	for _, mt := range op.RequestBody.Value.Content {
		if mt.Schema == nil || mt.Schema.Value == nil || mt.Schema.Value.Format != "binary" {
			return false
		}
	}
	return len(op.RequestBody.Value.Content) > 0
}

// streamedBody is the body limit's skipper: the Echo routes (method and
// path pattern) of the streamed operations of doc.
func streamedBody(doc *openapi3.T) middleware.Skipper {
	routes := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if streamedOperation(op) {
				routes[method+" "+echoPath(path)] = true
			}
		}
	}
	return func(c echo.Context) bool {
		m := c.Request().Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		return routes[m+" "+c.Path()]
	}
}

// echoPath writes an OpenAPI path template the way Echo names its route
// ({id} → :id).
func echoPath(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i] + ":" + p[i+1:i+j])
		p = p[i+j+1:]
	}
}

// multipartOperation reports whether op takes only a multipart/form-data
// body (an upload with its file as a part: applicants' documents), which
// streams like a binary body.
func multipartOperation(op *openapi3.Operation) bool {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return false
	}
	c := op.RequestBody.Value.Content
	return len(c) == 1 && c["multipart/form-data"] != nil
}

// noBodyOr skips what skip skips and requests without a body (net/http's
// NoBody: most GETs), which have nothing to limit: wrapping their body
// would also make the validator read and buffer it for every security
// scheme it checks.
func noBodyOr(skip middleware.Skipper) middleware.Skipper {
	return func(c echo.Context) bool { return c.Request().Body == http.NoBody || skip(c) }
}
