package apitest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
)

var Seq atomic.Int64

// NewAccount returns a valid registration with a unique e-mail and phone.
func NewAccount() client.RegisterRequest {
	n := Seq.Add(1)
	return client.RegisterRequest{
		FirstName: "Анна",
		LastName:  "Иванова",
		Email:     openapi_types.Email("anna" + Itoa(n) + "@example.org"),
		Phone:     "+7 921 100-" + Pad(n/100) + "-" + Pad(n%100),
		Password:  "Str0ng-Passw0rd",
	}
}

func Itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func Pad(n int64) string {
	s := Itoa(n)
	for len(s) < 2 {
		s = "0" + s
	}
	return s
}

// Register creates an account and returns its tokens.
func Register(t *testing.T, env *Env, acc client.RegisterRequest) *client.AuthResponse {
	t.Helper()
	res, err := env.Client.RegisterWithResponse(context.Background(), acc)
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("register: status %d, body %s", res.StatusCode(), res.Body)
	}
	return res.JSON201
}

func Login(t *testing.T, env *Env, loginName, password string, remember bool) *client.LoginResponse {
	t.Helper()
	res, err := env.Client.LoginWithResponse(context.Background(), client.LoginRequest{Login: loginName, Password: password, RememberMe: &remember})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func GetMe(t *testing.T, env *Env, token string) *client.GetMeResponse {
	t.Helper()
	res, err := env.Client.GetMeWithResponse(context.Background(), Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ProblemOf decodes a problem+json answer and checks the status and code.
func ProblemOf(t *testing.T, status int, header http.Header, body []byte, wantStatus int, wantCode string) client.Problem {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status = %d, want %d; body %s", status, wantStatus, body)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, body)
	}
	var p client.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode problem: %v; body %s", err, body)
	}
	if p.Code != wantCode || p.Status != wantStatus {
		t.Fatalf("problem code/status = %q/%d, want %q/%d; body %s", p.Code, p.Status, wantCode, wantStatus, body)
	}
	if p.Type != "urn:kabinet:problem:"+strings.ReplaceAll(wantCode, "_", "-") || p.Title == "" {
		t.Fatalf("problem type/title = %q/%q; body %s", p.Type, p.Title, body)
	}
	if p.RequestID == nil || *p.RequestID != header.Get("X-Request-Id") {
		t.Fatalf("problem requestId %v does not match X-Request-Id %q", p.RequestID, header.Get("X-Request-Id"))
	}
	return p
}

// Fields lists "field:code" pairs of a problem, for compact assertions.
func Fields(p client.Problem) []string {
	var out []string
	if p.Errors != nil {
		for _, e := range *p.Errors {
			out = append(out, e.Field+":"+e.Code)
		}
	}
	return out
}

func Contains(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range list {
			if s == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func CountRows(t *testing.T, env *Env, table string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
