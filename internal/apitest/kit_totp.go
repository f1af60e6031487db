package apitest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
)

// TOTPUser is a registered account with what a test needs to play its
// authenticator app.
type TOTPUser struct {
	Acc    client.RegisterRequest
	Auth   *client.AuthResponse
	Secret string
	Codes  []string // recovery codes
	// Last is the time Step of the Last code the server accepted; a code of
	// a Step <= Last is refused as a replay.
	Last int64
}

func (u *TOTPUser) ID() uuid.UUID                  { return u.Auth.User.ID }
func (u *TOTPUser) Token() string                  { return u.Auth.AccessToken }
func (u *TOTPUser) Email() string                  { return string(u.Auth.User.Email) }
func (u *TOTPUser) Bearer() client.RequestEditorFn { return Bearer(u.Token()) }

func Step(t time.Time) int64 { return t.Unix() / 30 }

// CodeAt is what an authenticator app shows at Step s.
func CodeAt(t *testing.T, secret string, s int64) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Unix(s*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nextCode returns a code the server accepts now: the current Step's, or
// the next Step's when the current one was used. The server allows one Step
// of drift, so each account can sign two codes within one 30-second Step;
// tests use a fresh account (or a recovery code) rather than wait.
func (u *TOTPUser) NextCode(t *testing.T) string {
	t.Helper()
	now := Step(time.Now())
	s := max(u.Last+1, now)
	if s > now+1 {
		t.Fatal("this account already used the codes of the current and next steps; use another account")
	}
	u.Last = s
	return CodeAt(t, u.Secret, s)
}

// wrongCode is a six-digit code that no Step near now accepts.
func (u *TOTPUser) WrongCode(t *testing.T) string {
	t.Helper()
	now := Step(time.Now())
	near := map[string]bool{}
	for s := now - 3; s <= now+3; s++ {
		near[CodeAt(t, u.Secret, s)] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555", "666666", "777777"} {
		if !near[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// NewTOTPUser registers an account.
func NewTOTPUser(t *testing.T, env *Env) *TOTPUser {
	t.Helper()
	acc := NewAccount()
	return &TOTPUser{Acc: acc, Auth: Register(t, env, acc)}
}

// EnrolledUser registers an account and enables its authenticator.
func EnrolledUser(t *testing.T, env *Env) *TOTPUser {
	t.Helper()
	u := NewTOTPUser(t, env)
	u.Enrol(t, env)
	return u
}

func (u *TOTPUser) Enrol(t *testing.T, env *Env) {
	t.Helper()
	ctx := context.Background()
	start, err := env.Client.StartTotpEnrolmentWithResponse(ctx, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if start.JSON201 == nil {
		t.Fatalf("start enrolment: %d %s", start.StatusCode(), start.Body)
	}
	u.Secret = start.JSON201.Secret
	conf, err := env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: u.NextCode(t)}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if conf.JSON200 == nil {
		t.Fatalf("confirm enrolment: %d %s", conf.StatusCode(), conf.Body)
	}
	u.Codes = conf.JSON200.Codes
}

// challenge signs in with the password and expects a second-factor challenge.
func (u *TOTPUser) Challenge(t *testing.T, env *Env, remember bool) string {
	t.Helper()
	res := Login(t, env, u.Email(), u.Acc.Password, remember)
	if res.JSON202 == nil {
		t.Fatalf("login with a second factor: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON202.ChallengeToken
}

func SecondFactor(t *testing.T, env *Env, req client.SecondFactorLoginRequest) *client.LoginSecondFactorResponse {
	t.Helper()
	res, err := env.Client.LoginSecondFactorWithResponse(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// AgeSession makes the user's sessions look authenticated an hour ago, so
// requireRecentAuth refuses them.
func AgeSession(t *testing.T, env *Env, userID uuid.UUID) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		"UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE user_id = $1", userID); err != nil {
		t.Fatal(err)
	}
}

// mails lists the templates of the messages sent to address, oldest first.
func SentTemplates(t *testing.T, env *Env, address string) []string {
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
func TOTPAuditEvents(t *testing.T, env *Env, userID uuid.UUID) []string {
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

// NewOrg creates an organization with the given members (user id → role).
func NewOrg(t *testing.T, env *Env, slug string, members map[uuid.UUID]db.MemberRole) uuid.UUID {
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
