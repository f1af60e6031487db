package specroute

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

const testSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /invitations/{token}:
    get: {operationId: getInvitation, responses: {'200': {description: ok}}}
  /invitations/accept:
    post: {operationId: acceptInvitation, responses: {'200': {description: ok}}}
  /orgs/{orgId}/members:
    get: {operationId: listMembers, responses: {'200': {description: ok}}}
  /orgs/{orgId}/members/{userId}:
    patch: {operationId: updateMember, responses: {'200': {description: ok}}}
  /me/totp/qr.png:
    get: {operationId: qr, responses: {'200': {description: ok}}}
`

func TestFindRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	r := New(doc)
	for _, tc := range []struct {
		method, target string
		op             string
		params         map[string]string
		err            error
	}{
		{"POST", "/invitations/accept", "acceptInvitation", map[string]string{}, nil},
		// The literal has no GET, so the parameter route takes it, as in Echo.
		{"GET", "/invitations/accept", "getInvitation", map[string]string{"token": "accept"}, nil},
		{"GET", "/invitations/ABC%00DEF", "getInvitation", map[string]string{"token": "ABC\x00DEF"}, nil},
		{"GET", "/invitations/", "getInvitation", map[string]string{"token": ""}, nil},
		{"GET", "/orgs//members", "listMembers", map[string]string{"orgId": ""}, nil},
		{"GET", "/orgs/a%2Fb/members", "listMembers", map[string]string{"orgId": "a/b"}, nil},
		{"PATCH", "/orgs/1/members/2", "updateMember", map[string]string{"orgId": "1", "userId": "2"}, nil},
		{"HEAD", "/me/totp/qr.png", "qr", map[string]string{}, nil},
		{"DELETE", "/orgs/1/members", "", nil, routers.ErrMethodNotAllowed},
		{"GET", "/orgs/1/members/2/3", "", nil, routers.ErrPathNotFound},
		{"GET", "/me/totp/qr.jpg", "", nil, routers.ErrPathNotFound},
	} {
		route, params, err := r.FindRoute(httptest.NewRequest(tc.method, tc.target, nil))
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s %s: err %v, want %v", tc.method, tc.target, err, tc.err)
			}
			continue
		}
		if err != nil || route.Operation.OperationID != tc.op {
			t.Errorf("%s %s: %v %v, want %s", tc.method, tc.target, route, err, tc.op)
			continue
		}
		if len(params) != len(tc.params) {
			t.Errorf("%s %s: params %q, want %q", tc.method, tc.target, params, tc.params)
		}
		for k, v := range tc.params {
			if params[k] != v {
				t.Errorf("%s %s: params %q, want %q", tc.method, tc.target, params, tc.params)
			}
		}
		if tc.method == http.MethodHead && route.Method != http.MethodGet {
			t.Errorf("HEAD routed to %s", route.Method)
		}
	}
}
