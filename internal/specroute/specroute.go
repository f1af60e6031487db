// Package specroute finds the operation of an OpenAPI document that an HTTP
// request is for, matching paths the way Echo routes them: segment by
// segment on the escaped path, a literal segment before a parameter, and a
// parameter matching any segment, even an empty one. The server's request
// validator and the tests' response validator use it, so both see the same
// operation as the handler that answers — in particular for a path whose
// parameter is empty (/organizations//members) or holds an escaped slash,
// which a regular-expression router would not match at all.
package specroute

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Router implements kin-openapi's routers.Router over one document.
type Router struct {
	doc    *openapi3.T
	routes []template
}

var _ routers.Router = (*Router)(nil)

// template is one path of the document, split into segments; params[i] is
// the parameter name of segment i, or "" for a literal segment.
type template struct {
	path   string
	item   *openapi3.PathItem
	segs   []string
	params []string
}

// New indexes every path of doc. Only whole-segment parameters ({id}) are
// parameters; a segment such as "{id}.png" is matched literally.
func New(doc *openapi3.T) *Router {
	r := &Router{doc: doc}
	for path, item := range doc.Paths.Map() {
		segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
		t := template{path: path, item: item, segs: segs, params: make([]string, len(segs))}
		for i, s := range segs {
			if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' && !strings.ContainsAny(s[1:len(s)-1], "{}") {
				t.params[i] = s[1 : len(s)-1]
			}
		}
		r.routes = append(r.routes, t)
	}
	return r
}

// FindRoute returns the operation for req and its path parameters, decoded.
// It fails with routers.ErrPathNotFound when no path matches, and with
// routers.ErrMethodNotAllowed when paths match but none has the method. A
// HEAD request is routed to the GET operation unless the path has its own.
func (r *Router) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	segs := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/"), "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, routers.ErrPathNotFound
		}
		segs[i] = d
	}
	var (
		best      *template
		bestOp    *openapi3.Operation
		bestMeth  string
		pathFound bool
	)
	for i := range r.routes {
		t := &r.routes[i]
		if !t.matches(segs) {
			continue
		}
		pathFound = true
		method, op := operation(t.item, req.Method)
		if op == nil {
			continue
		}
		if best == nil || t.before(best) {
			best, bestOp, bestMeth = t, op, method
		}
	}
	switch {
	case best != nil:
	case pathFound:
		return nil, nil, routers.ErrMethodNotAllowed
	default:
		return nil, nil, routers.ErrPathNotFound
	}
	params := map[string]string{}
	for i, name := range best.params {
		if name != "" {
			params[name] = segs[i]
		}
	}
	route := &routers.Route{Spec: r.doc, Path: best.path, PathItem: best.item, Method: bestMeth, Operation: bestOp}
	return route, params, nil
}

func (t *template) matches(segs []string) bool {
	if len(segs) != len(t.segs) {
		return false
	}
	for i, s := range segs {
		if t.params[i] == "" && s != t.segs[i] {
			return false
		}
	}
	return true
}

// before reports whether t wins over u for a path both match: the first
// segment where they differ is literal in t and a parameter in u.
func (t *template) before(u *template) bool {
	for i := range t.params {
		if (t.params[i] == "") != (u.params[i] == "") {
			return t.params[i] == ""
		}
	}
	return t.path < u.path
}

func operation(item *openapi3.PathItem, method string) (string, *openapi3.Operation) {
	if op := item.GetOperation(method); op != nil {
		return method, op
	}
	if method == http.MethodHead {
		if op := item.GetOperation(http.MethodGet); op != nil {
			return http.MethodGet, op
		}
	}
	return method, nil
}
