package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// TestInvalidParametersAre422NamingTheParameter pins the one rule for path
// and query parameters: whatever is wrong with one — empty, not a uuid, the
// wrong type, repeated, undecodable — the answer is 422 validation_failed
// naming it (path.x, query.x). 400 is only for a body that cannot be read.
func TestInvalidParametersAre422NamingTheParameter(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "params")
	admin := o.Members["admin"].AccessToken
	org := "/api/v1/organizations/" + o.ID.String()
	for _, tc := range []struct{ method, path, field string }{
		{"GET", "/api/v1/organizations//members", "path.organizationId:required"},
		{"GET", "/api/v1/organizations/not-a-uuid/members", "path.organizationId:invalid_format"},
		{"GET", "/api/v1/organizations/a%2Fb/members", "path.organizationId:invalid_format"},
		{"POST", org + "/members/42/block", "path.userId:invalid_format"},
		{"POST", org + "/members/42/unblock", "path.userId:invalid_format"},
		{"POST", org + "/members/42/reset-second-factor", "path.userId:invalid_format"},
		{"POST", org + "/members//block", "path.userId:required"},
		{"POST", org + "/invitations/42/resend", "path.invitationId:invalid_format"},
		{"DELETE", org + "/invitations/42", "path.invitationId:invalid_format"},
		{"GET", org + "/members?limit=abc", "query.limit:invalid_value"},
		{"GET", org + "/members?limit=1&limit=2", "query.limit:repeated"},
		{"GET", org + "/members?role=admin&role=learner", "query.role:repeated"},
		{"GET", "/api/v1/me/sessions?cursor=%zz", "query:invalid_format"},
	} {
		res, body := env.Send(t, tc.method, tc.path, admin, "")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, body)
			continue
		}
		if p := apitest.ProblemOf(t, res.StatusCode, res.Header, body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), tc.field) {
			t.Errorf("%s %s: fields %v, want %s", tc.method, tc.path, apitest.Fields(p), tc.field)
		}
	}
}
