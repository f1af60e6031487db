package identity_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/oidctest"
)

const spaCallback = "https://spa.example.org/sso/callback"

// ssoEnv is a server configured with two providers, "esia" and "corp",
// each an in-process test provider.
type ssoEnv struct {
	*apitest.Env
	idp  *oidctest.Provider // "esia"
	corp *oidctest.Provider // "corp", client_secret_post
}

func newSSOEnv(t *testing.T, mutate ...func(*config.Config)) *ssoEnv {
	t.Helper()
	idp := oidctest.New(t, "kabinet-client", "s3cret")
	corp := oidctest.New(t, "kabinet-corp", "corp-secret")
	corp.AuthMethod = config.TokenAuthPost
	env := apitest.New(t, append([]func(*config.Config){func(c *config.Config) {
		c.SSO = config.SSOConfig{
			Providers: []config.SSOProvider{
				{Name: "esia", DisplayName: "Госуслуги", Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
					Scopes: []string{"openid", "email", "profile"}, TokenAuthMethod: config.TokenAuthBasic},
				{Name: "corp", DisplayName: "Corporate IdP", Issuer: corp.Issuer, ClientID: corp.ClientID, ClientSecret: corp.ClientSecret,
					Scopes: []string{"openid", "email"}, TokenAuthMethod: config.TokenAuthPost},
			},
			RedirectURIs: []string{spaCallback},
			StateTTL:     10 * time.Minute,
		}
	}}, mutate...)...)
	return &ssoEnv{Env: env, idp: idp, corp: corp}
}

// newIdentity returns a provider identity with a unique subject and e-mail.
func newIdentity() oidctest.Identity {
	n := apitest.Seq.Add(1) // shared with newAccount, so e-mails never collide
	return oidctest.Identity{
		Subject: "esia-" + apitest.Itoa(n), Email: "Ivan.Petrov" + apitest.Itoa(n) + "@Example.org", EmailVerified: true,
		GivenName: "Иван", FamilyName: "Петров", Phone: fmt.Sprintf("8 (921) 2%02d-%02d-%02d", n/10000%100, n/100%100, n%100),
		PhoneVerified: true,
	}
}

// start opens a sign-in at provider and returns the authorization URL.
func (e *ssoEnv) start(t *testing.T, provider string, remember bool) string {
	t.Helper()
	res, err := e.Client.StartSsoSignInWithResponse(context.Background(), provider,
		client.SsoStartRequest{RedirectURI: spaCallback, RememberMe: &remember})
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("start: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200.AuthorizationURL
}

// browse plays the browser at the provider and returns code and state.
func browse(t *testing.T, authorizationURL string) (code, state string) {
	t.Helper()
	back := oidctest.Browse(t, authorizationURL)
	return back.Get("code"), back.Get("state")
}

func (e *ssoEnv) callback(t *testing.T, provider, code, state string) *client.FinishSsoSignInResponse {
	t.Helper()
	res, err := e.Client.FinishSsoSignInWithResponse(context.Background(), provider, client.SsoCallbackRequest{Code: code, State: state})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// signIn runs the whole sign-in as id at "esia".
func (e *ssoEnv) signIn(t *testing.T, id oidctest.Identity) *client.FinishSsoSignInResponse {
	t.Helper()
	e.idp.SignInAs(id)
	code, state := browse(t, e.start(t, "esia", false))
	return e.callback(t, "esia", code, state)
}

// link runs the whole profile link of id at provider for the token's owner.
func (e *ssoEnv) link(t *testing.T, token string, idp *oidctest.Provider, provider string, id oidctest.Identity) *client.FinishSsoLinkResponse {
	t.Helper()
	ctx := context.Background()
	st, err := e.Client.StartSsoLinkWithResponse(ctx, provider, client.SsoLinkStartRequest{RedirectURI: spaCallback}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if st.JSON200 == nil {
		t.Fatalf("link start: %d %s", st.StatusCode(), st.Body)
	}
	idp.SignInAs(id)
	code, state := browse(t, st.JSON200.AuthorizationURL)
	res, err := e.Client.FinishSsoLinkWithResponse(ctx, provider, client.SsoCallbackRequest{Code: code, State: state}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// auditEvents lists the user's audit events as "event" or "event:method".
func ssoAuditEvents(t *testing.T, env *apitest.Env, userID any) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(),
		`SELECT event || coalesce(':' || (details->>'method'), '') || coalesce(':' || (details->>'reason'), '')
		 FROM audit_events WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// queryOf parses the query of an authorization URL.
func queryOf(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query()
}
