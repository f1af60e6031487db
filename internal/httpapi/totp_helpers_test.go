package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// totpUser is a registered account with what a test needs to play its
// authenticator app.
type totpUser struct {
	acc    client.RegisterRequest
	auth   *client.AuthResponse
	secret string
	codes  []string // recovery codes
	// last is the time step of the last code the server accepted; a code of
	// a step <= last is refused as a replay.
	last int64
}

func (u *totpUser) id() uuid.UUID                  { return u.auth.User.ID }
func (u *totpUser) token() string                  { return u.auth.AccessToken }
func (u *totpUser) email() string                  { return string(u.auth.User.Email) }
func (u *totpUser) bearer() client.RequestEditorFn { return apitest.Bearer(u.token()) }

func step(t time.Time) int64 { return t.Unix() / 30 }

// codeAt is what an authenticator app shows at step s.
func codeAt(t *testing.T, secret string, s int64) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Unix(s*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nextCode returns a code the server accepts now: the current step's, or
// the next step's when the current one was used. The server allows one step
// of drift, so each account can sign two codes within one 30-second step;
// tests use a fresh account (or a recovery code) rather than wait.
func (u *totpUser) nextCode(t *testing.T) string {
	t.Helper()
	now := step(time.Now())
	s := max(u.last+1, now)
	if s > now+1 {
		t.Fatal("this account already used the codes of the current and next steps; use another account")
	}
	u.last = s
	return codeAt(t, u.secret, s)
}

// wrongCode is a six-digit code that no step near now accepts.
func (u *totpUser) wrongCode(t *testing.T) string {
	t.Helper()
	now := step(time.Now())
	near := map[string]bool{}
	for s := now - 3; s <= now+3; s++ {
		near[codeAt(t, u.secret, s)] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555", "666666", "777777"} {
		if !near[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// newTOTPUser registers an account.
func newTOTPUser(t *testing.T, env *apitest.Env) *totpUser {
	t.Helper()
	acc := newAccount()
	return &totpUser{acc: acc, auth: register(t, env, acc)}
}

// enrolledUser registers an account and enables its authenticator.
func enrolledUser(t *testing.T, env *apitest.Env) *totpUser {
	t.Helper()
	u := newTOTPUser(t, env)
	u.enrol(t, env)
	return u
}

func (u *totpUser) enrol(t *testing.T, env *apitest.Env) {
	t.Helper()
	ctx := context.Background()
	start, err := env.Client.StartTotpEnrolmentWithResponse(ctx, u.bearer())
	if err != nil {
		t.Fatal(err)
	}
	if start.JSON201 == nil {
		t.Fatalf("start enrolment: %d %s", start.StatusCode(), start.Body)
	}
	u.secret = start.JSON201.Secret
	conf, err := env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: u.nextCode(t)}, u.bearer())
	if err != nil {
		t.Fatal(err)
	}
	if conf.JSON200 == nil {
		t.Fatalf("confirm enrolment: %d %s", conf.StatusCode(), conf.Body)
	}
	u.codes = conf.JSON200.Codes
}

// challenge signs in with the password and expects a second-factor challenge.
func (u *totpUser) challenge(t *testing.T, env *apitest.Env, remember bool) string {
	t.Helper()
	res := login(t, env, u.email(), u.acc.Password, remember)
	if res.JSON202 == nil {
		t.Fatalf("login with a second factor: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON202.ChallengeToken
}

func secondFactor(t *testing.T, env *apitest.Env, req client.SecondFactorLoginRequest) *client.LoginSecondFactorResponse {
	t.Helper()
	res, err := env.Client.LoginSecondFactorWithResponse(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ageSession makes the user's sessions look authenticated an hour ago, so
// requireRecentAuth refuses them.
func ageSession(t *testing.T, env *apitest.Env, userID uuid.UUID) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		"UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE user_id = $1", userID); err != nil {
		t.Fatal(err)
	}
}

// mails lists the templates of the messages sent to address, oldest first.
func sentTemplates(t *testing.T, env *apitest.Env, address string) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(), "SELECT template FROM outbox WHERE recipient = $1 ORDER BY id", address)
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

// auditEvents lists the audit events about userID, oldest first.
func totpAuditEvents(t *testing.T, env *apitest.Env, userID uuid.UUID) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(), "SELECT event FROM audit_events WHERE user_id = $1 ORDER BY id", userID)
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

// newOrg creates an organization with the given members (user id → role).
func newOrg(t *testing.T, env *apitest.Env, slug string, members map[uuid.UUID]db.MemberRole) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	q := db.New(env.Pool)
	org, err := q.UpsertOrganization(ctx, db.UpsertOrganizationParams{Slug: slug, Name: "Центр " + slug})
	if err != nil {
		t.Fatal(err)
	}
	for id, role := range members {
		if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: org.ID, UserID: id, Role: role}); err != nil {
			t.Fatal(err)
		}
	}
	return org.ID
}
