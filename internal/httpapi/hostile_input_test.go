package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// TestControlCharactersAreRefusedAsInvalidFields: PostgreSQL cannot store
// U+0000, and no single-line text has a use for other control characters, so
// the validator refuses them in every body string, parameter and header,
// naming the field, before a handler (or the database) sees them.
func TestControlCharactersAreRefusedAsInvalidFields(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "hostile")
	admin := o.Members["admin"].AccessToken
	org := "/api/v1/organizations/" + o.ID.String()
	for _, tc := range []struct {
		name, method, path, token, body, field string
	}{
		{"NUL in the login", "POST", "/api/v1/auth/login", "", `{"login":"a\u0000b@x.org","password":"Str0ng-Passw0rd"}`, "login"},
		{"NUL in a name", "PATCH", "/api/v1/me/profile", admin, `{"firstName":"Ан\u0000на"}`, "firstName"},
		{"tab in a name", "PATCH", "/api/v1/me/profile", admin, `{"lastName":"Ива\tнова"}`, "lastName"},
		{"newline in a name", "PATCH", "/api/v1/me/profile", admin, `{"lastName":"Ива\nнова"}`, "lastName"},
		{"C1 control", "PATCH", "/api/v1/me/profile", admin, `{"lastName":"Ива\u0085нова"}`, "lastName"},
		{"DEL", "PATCH", "/api/v1/me/profile", admin, `{"lastName":"Ива\u007fнова"}`, "lastName"},
		{"NUL in a query", "GET", "/api/v1/dev/messages?recipient=%00", "", "", "query.recipient"},
		{"invalid UTF-8 in a query", "GET", "/api/v1/dev/messages?recipient=%FF", "", "", "query.recipient"},
		{"NUL in a path", "GET", "/api/v1/auth/invitations/ABC%00DEF", "", "", "path.token"},
		{"NUL in an array item", "POST", org + "/members/import", admin,
			`{"members":[{"firstName":"Анна","lastName":"Ива\u0000нова","email":"nul1@example.org","role":"learner"}]}`, "members.0.lastName"},
		{"NUL in a second item", "POST", org + "/members/import", admin,
			`{"members":[{"firstName":"Анна","lastName":"Иванова","email":"nul2@example.org","role":"learner"},{"firstName":"Бо\u0000рис","lastName":"Петров","email":"nul3@example.org","role":"learner"}]}`,
			"members.1.firstName"},
	} {
		res, body := env.Send(t, tc.method, tc.path, tc.token, tc.body)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
			continue
		}
		if p := apitest.ProblemOf(t, res.StatusCode, res.Header, body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), tc.field+":invalid_character") {
			t.Errorf("%s: fields %v, want %s:invalid_character", tc.name, apitest.Fields(p), tc.field)
		}
	}
	if n := apitest.CountRows(t, env, "users WHERE first_name LIKE '%' || chr(9) || '%' OR last_name LIKE '%' || chr(10) || '%'"); n != 0 {
		t.Errorf("%d names with control characters were stored", n)
	}
}

// TestMultiLineTextKeepsItsLineBreaks: fields the spec marks x-multiline (a
// certificate in PEM) take newlines and tabs, but still not NUL.
func TestMultiLineTextKeepsItsLineBreaks(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	token := apitest.Register(t, env, apitest.NewAccount()).AccessToken
	pem := `"-----BEGIN CERTIFICATE-----\r\n\tMIIB\n-----END CERTIFICATE-----\n"`
	body := `{"certificatePem":` + pem + `,"challengeId":"9a7c1e52-3f0b-4d8e-b6a1-0c2d4e6f8a10","signature":"TUVVQ0lR\nRHgzSjBR"}`
	res, raw := env.Send(t, "POST", "/api/v1/me/certificates", token, body)
	if res.StatusCode == http.StatusUnprocessableEntity && strings.Contains(string(raw), "invalid_character") {
		t.Errorf("line breaks refused in a multi-line field: %s", raw)
	}
	body = `{"certificatePem":"-----BEGIN\u0000","challengeId":"9a7c1e52-3f0b-4d8e-b6a1-0c2d4e6f8a10","signature":"TUVV"}`
	res, raw = env.Send(t, "POST", "/api/v1/me/certificates", token, body)
	if p := apitest.ProblemOf(t, res.StatusCode, res.Header, raw, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "certificatePem:invalid_character") {
		t.Errorf("NUL in a multi-line field: fields %v", apitest.Fields(p))
	}
}

// TestOddUserAgentsAreStoredCleaned: the user agent is kept with sessions
// and audit events, so it is made valid UTF-8 without control characters
// (and cut on a character boundary) rather than failing the request.
func TestOddUserAgentsAreStoredCleaned(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, ua := range []string{"bad\xff\xfebytes", "a" + strings.Repeat("я", 300), "tab\there"} {
		acc := apitest.NewAccount()
		body := `{"firstName":"А","lastName":"Б","email":"` + string(acc.Email) + `","phone":"` + acc.Phone + `","password":"` + acc.Password + `"}`
		req, _ := http.NewRequestWithContext(context.Background(), "POST", env.URL+"/api/v1/auth/register", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", ua)
		res, err := env.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := apitest.ReadAll(t, res); res.StatusCode != http.StatusCreated {
			t.Errorf("User-Agent %q: %d %s", ua, res.StatusCode, b)
		}
	}
	if n := apitest.CountRows(t, env, "sessions WHERE user_agent ~ '[[:cntrl:]]'"); n != 0 {
		t.Errorf("%d user agents stored with control characters", n)
	}
}
