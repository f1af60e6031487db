package identity_test

import (
	"testing"

	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// A password is only ever hashed, so the control-character guard that every
// other text field has leaves it alone: a password with a tab (which some
// password managers generate) registers and signs in.
func TestPasswordsMayHoldControlCharacters(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, pw := range []string{"Str0ng\tPassw0rd", "Str0ng\x00Passw0rd"} {
		acc := apitest.NewAccount()
		acc.Password = pw
		apitest.Register(t, env, acc)
		if res := apitest.Login(t, env, string(acc.Email), pw, false); res.JSON200 == nil {
			t.Fatalf("password %q: login status %d, body %s", pw, res.StatusCode(), res.Body)
		}
		if res := apitest.Login(t, env, string(acc.Email), "Str0ngPassw0rd", false); res.StatusCode() != 401 {
			t.Fatalf("password %q without its control character: status %d, want 401", pw, res.StatusCode())
		}
	}
}
