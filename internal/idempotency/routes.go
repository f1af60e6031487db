package idempotency

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Routes finds the operations with the given ids in the spec and returns
// them as Config.Routes keys ("POST /api/v1/orders/:orderId/payments", in
// Echo's route syntax, as the generated server registers them). An id
// missing from the spec is an error, so a renamed operation cannot silently
// lose its idempotency.
func Routes(doc *openapi3.T, operationIDs ...string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, id := range operationIDs {
		want[id] = true
	}
	out := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if want[op.OperationID] {
				out[method+" "+echoPath(path)] = true
				delete(want, op.OperationID)
			}
		}
	}
	for id := range want {
		return nil, fmt.Errorf("idempotency: operation %q is not in the spec", id)
	}
	return out, nil
}

// echoPath turns /orders/{orderId} into /orders/:orderId.
func echoPath(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(p[:i] + ":" + p[i+1:i+j])
		p = p[i+j+1:]
	}
	b.WriteString(p)
	return b.String()
}
