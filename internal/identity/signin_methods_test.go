package identity_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/certauth/certtest"
)

// One rule guards every way in: an account made by SSO (no password) that
// also has a certificate may drop either, but not both.
func TestLastSignInMethodCountsCertificatesAndIdentities(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()
	acc := env.signIn(t, newIdentity()).JSON201
	if acc == nil {
		t.Fatal("SSO sign-in made no account")
	}
	bearer := apitest.Bearer(acc.AccessToken)
	cert := validFor(t, certtest.P256, 365*24*time.Hour)
	certID := insertBinding(t, env.Env, acc.User.ID, cert)
	ids, err := env.Client.ListMySsoIdentitiesWithResponse(ctx, bearer)
	if err != nil || ids.JSON200 == nil || len(ids.JSON200.Items) != 1 {
		t.Fatalf("identities: %v", err)
	}

	// The certificate keeps a way in, so the identity may go.
	res, err := env.Client.UnlinkSsoIdentityWithResponse(ctx, ids.JSON200.Items[0].ID, bearer)
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("unlink with a certificate left: %v %d %s", err, res.StatusCode(), res.Body)
	}
	// Now the certificate is the last way in.
	un, err := env.Client.UnbindCertificateWithResponse(ctx, certID, bearer)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, un.StatusCode(), un.HTTPResponse.Header, un.Body, http.StatusConflict, "last_sign_in_method")
	if res := loginWithCert(t, env.Env, goProver(cert)); res.JSON200 == nil {
		t.Fatalf("the remaining certificate no longer signs in: %d %s", res.StatusCode(), res.Body)
	}
}
