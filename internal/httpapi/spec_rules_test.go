package httpapi_test

import (
	"strings"
	"testing"

	apispec "github.com/kabinet-edu/kabinet/api"
)

// noDatabase names the operations whose handlers never touch the database
// and are public (no session to look up), so they never answer 503.
var noDatabase = map[string]bool{"getHealth": true, "getJwks": true, "listSsoProviders": true}

// TestSpecDocumentsTheStatusRules: what the validator and the error handler
// send for any operation is documented on every operation, so a new one
// cannot forget it — 422 with parameters, 400/413/415/422 with a body, no 400
// without one (400 is only an unreadable body), 401 when secured and 503
// whenever the database is involved.
func TestSpecDocumentsTheStatusRules(t *testing.T) {
	doc, err := apispec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			has := func(code string) bool { return op.Responses.Value(code) != nil }
			want := func(cond bool, code, why string) {
				if cond && !has(code) {
					t.Errorf("%s %s (%s) does not document %s, which it answers %s", method, path, op.OperationID, code, why)
				}
				if !cond && code == "400" && has(code) {
					t.Errorf("%s %s (%s) documents 400 but has no body to be unreadable", method, path, op.OperationID)
				}
			}
			params := len(item.Parameters)+len(op.Parameters) > 0
			body := op.RequestBody != nil
			secured := op.Security == nil && len(doc.Security) > 0 || op.Security != nil && len(*op.Security) > 0
			want(params || body, "422", "for an invalid parameter or field")
			want(body, "400", "for an unreadable body")
			want(body, "413", "for a body over the limit")
			want(body, "415", "for a body that is not JSON")
			want(secured, "401", "without a valid access token")
			// The embedded copy has the ids as Go names (GetHealth).
			id := strings.ToLower(op.OperationID[:1]) + op.OperationID[1:]
			want(!noDatabase[id], "503", "while the database is unreachable")
		}
	}
}
