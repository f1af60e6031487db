package apitest

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/kabinet-edu/kabinet/gen/client"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

func AcceptInvitation(env *Env, token string) (*client.AcceptInvitationResponse, error) {
	return env.Client.AcceptInvitationWithResponse(context.Background(), client.AcceptInvitationRequest{
		Token: token, FirstName: " Пётр ", LastName: "Петров", Password: "Own-Passw0rd!",
	})
}

// NewOrganization creates an organization and returns its id.
func NewOrganization(t *testing.T, env *Env, slug string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := env.Pool.QueryRow(context.Background(),
		"INSERT INTO organizations (slug, name) VALUES ($1, $1) RETURNING id", slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func AddMemberSQL(t *testing.T, env *Env, org, user uuid.UUID, role string) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		"INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)", org, user, role); err != nil {
		t.Fatal(err)
	}
}

func ChangePassword(t *testing.T, env *Env, token, current, next string) *client.ChangePasswordResponse {
	t.Helper()
	res, err := env.Client.ChangePasswordWithResponse(context.Background(),
		client.ChangePasswordRequest{CurrentPassword: current, NewPassword: next}, Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// LoginFrom signs in through the client with extra request editors.
func LoginFrom(t *testing.T, env *Env, name, password string, editors ...client.RequestEditorFn) *client.LoginResponse {
	t.Helper()
	res, err := env.Client.LoginWithResponse(context.Background(), client.LoginRequest{Login: name, Password: password}, editors...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ResetPassword(t *testing.T, env *Env, body client.PasswordResetRequest) *client.ResetPasswordResponse {
	t.Helper()
	res, err := env.Client.ResetPasswordWithResponse(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ResetToken asks for a reset link for email and returns the token in it.
func ResetToken(t *testing.T, env *Env, email string) string {
	t.Helper()
	e := openapi_types.Email(email)
	if res := Forgot(t, env, client.PasswordForgotRequest{Email: &e}); res.StatusCode() != http.StatusAccepted {
		t.Fatalf("forgot: %d %s", res.StatusCode(), res.Body)
	}
	msg, ok := LastMessage(t, env, "password_reset", email)
	if !ok {
		t.Fatal("no reset e-mail")
	}
	m := ResetLinkToken.FindStringSubmatch(msg.Text)
	if m == nil || !strings.Contains(msg.HTML, m[0]) {
		t.Fatalf("no reset link in %q", msg.Text)
	}
	return m[1]
}

// WithUA sends a User-Agent header.
func WithUA(ua string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("User-Agent", ua)
		return nil
	}
}

// SignInAs signs acc in with a user agent and returns its tokens.
func SignInAs(t *testing.T, env *Env, acc client.RegisterRequest, remember bool, ua string) *client.AuthResponse {
	t.Helper()
	res, err := env.Client.LoginWithResponse(context.Background(),
		client.LoginRequest{Login: string(acc.Email), Password: acc.Password, RememberMe: &remember}, WithUA(ua))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("login: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200
}
func Forgot(t *testing.T, env *Env, body client.PasswordForgotRequest, editors ...client.RequestEditorFn) *client.RequestPasswordResetResponse {
	t.Helper()
	res, err := env.Client.RequestPasswordResetWithResponse(context.Background(), body, editors...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// LastMessage returns the newest outbox message of template to recipient;
// ok is false when there is none.
func LastMessage(t *testing.T, env *Env, template, to string) (m OutboxMessage, ok bool) {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(),
		"SELECT subject, body_text, body_html, locale FROM outbox WHERE template = $1 AND recipient = $2 ORDER BY id DESC LIMIT 1", template, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return m, false
	}
	if err := rows.Scan(&m.Subject, &m.Text, &m.HTML, &m.Locale); err != nil {
		t.Fatal(err)
	}
	return m, true
}

// OutboxMessage is a rendered message as the outbox keeps it.
type OutboxMessage struct{ Subject, Text, HTML, Locale string }

// ResetLinkToken finds the token in a password-reset e-mail's link.
var ResetLinkToken = regexp.MustCompile(`/reset-password#token=([A-Z2-7]+)`)
