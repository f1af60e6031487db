package identity_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestSSOLinkFromProfile(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()
	anna := apitest.Register(t, env.Env, apitest.NewAccount())
	boris := apitest.Register(t, env.Env, apitest.NewAccount())
	id := newIdentity()

	res := env.link(t, anna.AccessToken, env.idp, "esia", id)
	if res.JSON201 == nil || res.JSON201.Provider != "esia" || res.JSON201.LastUsedAt != nil {
		t.Fatalf("link: %d %s", res.StatusCode(), res.Body)
	}
	if ev := ssoAuditEvents(t, env.Env, anna.User.ID); ev[len(ev)-1] != "sso_linked" {
		t.Fatalf("audit %v", ev)
	}
	var tmpl string
	if err := env.Pool.QueryRow(ctx, `SELECT template FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`,
		anna.User.Email).Scan(&tmpl); err != nil || tmpl != "sso_linked" {
		t.Fatalf("notice: %q %v", tmpl, err)
	}

	// Linking the same identity again is harmless.
	if again := env.link(t, anna.AccessToken, env.idp, "esia", id); again.JSON200 == nil || again.JSON200.ID != res.JSON201.ID {
		t.Fatalf("relink: %d %s", again.StatusCode(), again.Body)
	}
	// Another identity at the same provider is refused.
	other := env.link(t, anna.AccessToken, env.idp, "esia", newIdentity())
	apitest.ProblemOf(t, other.StatusCode(), other.HTTPResponse.Header, other.Body, http.StatusConflict, "sso_provider_already_linked")
	// Somebody else cannot take the identity.
	taken := env.link(t, boris.AccessToken, env.idp, "esia", id)
	apitest.ProblemOf(t, taken.StatusCode(), taken.HTTPResponse.Header, taken.Body, http.StatusConflict, "sso_identity_taken")
	// A second provider can be linked too.
	if c := env.link(t, anna.AccessToken, env.corp, "corp", newIdentity()); c.JSON201 == nil {
		t.Fatalf("corp link: %d %s", c.StatusCode(), c.Body)
	}
	list, err := env.Client.ListMySsoIdentitiesWithResponse(ctx, apitest.Bearer(anna.AccessToken))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 2 {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	if l, _ := env.Client.ListMySsoIdentitiesWithResponse(ctx, apitest.Bearer(boris.AccessToken)); l.JSON200 == nil || len(l.JSON200.Items) != 0 {
		t.Fatalf("boris sees %s", l.Body)
	}
}

func TestSSOLinkStateIsBoundToItsUserSessionAndPurpose(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()
	anna := apitest.Register(t, env.Env, apitest.NewAccount())
	boris := apitest.Register(t, env.Env, apitest.NewAccount())
	startLink := func(token string) (code, state string) {
		st, err := env.Client.StartSsoLinkWithResponse(ctx, "esia", client.SsoLinkStartRequest{RedirectURI: spaCallback}, apitest.Bearer(token))
		if err != nil || st.JSON200 == nil {
			t.Fatalf("start: %v %s", err, st.Body)
		}
		env.idp.SignInAs(newIdentity())
		return browse(t, st.JSON200.AuthorizationURL)
	}
	finishLink := func(token, code, state string) *client.FinishSsoLinkResponse {
		res, err := env.Client.FinishSsoLinkWithResponse(ctx, "esia", client.SsoCallbackRequest{Code: code, State: state}, apitest.Bearer(token))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	// Anna's link request, finished by Boris.
	code, state := startLink(anna.AccessToken)
	res := finishLink(boris.AccessToken, code, state)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")

	// Anna's link request, finished in another of Anna's sessions.
	code, state = startLink(anna.AccessToken)
	other := apitest.Login(t, env.Env, string(anna.User.Email), "Str0ng-Passw0rd", false)
	if other.JSON200 == nil {
		t.Fatalf("login: %s", other.Body)
	}
	res = finishLink(other.JSON200.AccessToken, code, state)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")

	// A link request posted to the sign-in callback, and a sign-in request to the link callback.
	code, state = startLink(anna.AccessToken)
	signIn := env.callback(t, "esia", code, state)
	apitest.ProblemOf(t, signIn.StatusCode(), signIn.HTTPResponse.Header, signIn.Body, http.StatusBadRequest, "sso_state_invalid")
	code, state = browse(t, env.start(t, "esia", false))
	res = finishLink(anna.AccessToken, code, state)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")

	if n := apitest.CountRows(t, env.Env, "sso_identities"); n != 0 {
		t.Fatalf("%d identities linked", n)
	}
	// The link endpoints need a bearer token.
	anon, err := env.Client.StartSsoLinkWithResponse(ctx, "esia", client.SsoLinkStartRequest{RedirectURI: spaCallback})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, anon.StatusCode(), anon.HTTPResponse.Header, anon.Body, http.StatusUnauthorized, "authentication_required")
}

func TestSSOLinkNeedsRecentAuthentication(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()
	reg := apitest.Register(t, env.Env, apitest.NewAccount())
	if _, err := env.Pool.Exec(ctx, `UPDATE sessions SET authenticated_at = now() - interval '11 minutes'`); err != nil {
		t.Fatal(err)
	}
	res, err := env.Client.StartSsoLinkWithResponse(ctx, "esia", client.SsoLinkStartRequest{RedirectURI: spaCallback}, apitest.Bearer(reg.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "reauthentication_required")
	if n := apitest.CountRows(t, env.Env, "sso_states"); n != 0 {
		t.Fatalf("%d states stored", n)
	}
}

func TestSSOUnlink(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()

	// An account made by SSO has no password: its only identity stays.
	ssoOnly := env.signIn(t, newIdentity()).JSON201
	ids, _ := env.Client.ListMySsoIdentitiesWithResponse(ctx, apitest.Bearer(ssoOnly.AccessToken))
	only := ids.JSON200.Items[0].ID
	res, err := env.Client.UnlinkSsoIdentityWithResponse(ctx, only, apitest.Bearer(ssoOnly.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "last_sign_in_method")
	// With a second identity, one of them may go.
	if l := env.link(t, ssoOnly.AccessToken, env.corp, "corp", newIdentity()); l.JSON201 == nil {
		t.Fatalf("link corp: %s", l.Body)
	}
	if res, _ := env.Client.UnlinkSsoIdentityWithResponse(ctx, only, apitest.Bearer(ssoOnly.AccessToken)); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("unlink with another identity left: %d %s", res.StatusCode(), res.Body)
	}

	// An account with a password may drop its identity.
	anna := apitest.Register(t, env.Env, apitest.NewAccount())
	linked := env.link(t, anna.AccessToken, env.idp, "esia", newIdentity()).JSON201
	// Nobody else can unlink it; they learn nothing about it.
	other, _ := env.Client.UnlinkSsoIdentityWithResponse(ctx, linked.ID, apitest.Bearer(ssoOnly.AccessToken))
	apitest.ProblemOf(t, other.StatusCode(), other.HTTPResponse.Header, other.Body, http.StatusNotFound, "not_found")
	// A stale session must re-authenticate first.
	if _, err := env.Pool.Exec(ctx, `UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE user_id = $1`, anna.User.ID); err != nil {
		t.Fatal(err)
	}
	stale, _ := env.Client.UnlinkSsoIdentityWithResponse(ctx, linked.ID, apitest.Bearer(anna.AccessToken))
	apitest.ProblemOf(t, stale.StatusCode(), stale.HTTPResponse.Header, stale.Body, http.StatusForbidden, "reauthentication_required")
	if _, err := env.Pool.Exec(ctx, `UPDATE sessions SET authenticated_at = now() WHERE user_id = $1`, anna.User.ID); err != nil {
		t.Fatal(err)
	}
	if res, _ := env.Client.UnlinkSsoIdentityWithResponse(ctx, linked.ID, apitest.Bearer(anna.AccessToken)); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("unlink: %d %s", res.StatusCode(), res.Body)
	}
	if again, _ := env.Client.UnlinkSsoIdentityWithResponse(ctx, linked.ID, apitest.Bearer(anna.AccessToken)); again.StatusCode() != http.StatusNotFound {
		t.Fatalf("second unlink: %d", again.StatusCode())
	}
	if ev := ssoAuditEvents(t, env.Env, anna.User.ID); ev[len(ev)-1] != "sso_unlinked" {
		t.Fatalf("audit %v", ev)
	}
	var tmpl string
	if err := env.Pool.QueryRow(ctx, `SELECT template FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`,
		anna.User.Email).Scan(&tmpl); err != nil || tmpl != "sso_unlinked" {
		t.Fatalf("notice: %q %v", tmpl, err)
	}
	bad, _ := env.Client.UnlinkSsoIdentityWithResponse(ctx, [16]byte{}, apitest.Bearer(anna.AccessToken))
	apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, http.StatusNotFound, "not_found")
}
