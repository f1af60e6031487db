package apitest

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
)

// StaffOrg is an organization with one signed-in member of each role.
type StaffOrg struct {
	ID      uuid.UUID
	Members map[client.Role]*client.AuthResponse
}

var AllRoles = []client.Role{"learner", "teacher", "manager", "director", "admin"}

// NewStaffOrg creates an organization and registers one member per role.
func NewStaffOrg(t *testing.T, env *Env, slug string) StaffOrg {
	t.Helper()
	ctx := context.Background()
	o := StaffOrg{Members: map[client.Role]*client.AuthResponse{}}
	if err := env.Pool.QueryRow(ctx, `INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id`,
		slug, "Центр "+slug).Scan(&o.ID); err != nil {
		t.Fatal(err)
	}
	for _, role := range AllRoles {
		acc := Register(t, env, NewAccount())
		AddMember(t, env, o.ID, acc.User.ID, role)
		o.Members[role] = acc
	}
	return o
}

func AddMember(t *testing.T, env *Env, orgID, userID uuid.UUID, role client.Role) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)`, orgID, userID, string(role)); err != nil {
		t.Fatal(err)
	}
}

// as sends the access token of the member with role.
func (o StaffOrg) As(role client.Role) client.RequestEditorFn {
	return Bearer(o.Members[role].AccessToken)
}

func (o StaffOrg) User(role client.Role) uuid.UUID { return o.Members[role].User.ID }

// WantProblem checks a problem answer of any generated response.
func WantProblem(t *testing.T, res *http.Response, body []byte, status int, code string) client.Problem {
	t.Helper()
	return ProblemOf(t, res.StatusCode, res.Header, body, status, code)
}

func ReadAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// LastMail returns the text of the newest message of template to recipient.
func LastMail(t *testing.T, env *Env, recipient, template string) string {
	t.Helper()
	var text string
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT body_text FROM outbox WHERE recipient = $1 AND template = $2 ORDER BY id DESC LIMIT 1`,
		recipient, template).Scan(&text); err != nil {
		t.Fatalf("no %s message to %s: %v", template, recipient, err)
	}
	return text
}

func CountMail(t *testing.T, env *Env, recipient, template string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM outbox WHERE recipient = $1 AND template = $2`, recipient, template).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var LinkToken = regexp.MustCompile(`[?&]token=([A-Z2-7]+)`)

// InvitationToken reads the token from the newest invitation e-mailed to address.
func InvitationToken(t *testing.T, env *Env, address string) string {
	t.Helper()
	m := LinkToken.FindStringSubmatch(LastMail(t, env, address, "invitation"))
	if m == nil {
		t.Fatalf("no link in the invitation to %s", address)
	}
	return m[1]
}

// CountAudit counts audit events of one kind in an organization's log about userID.
func CountAudit(t *testing.T, env *Env, event string, orgID uuid.UUID, userID *uuid.UUID) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_events
		WHERE event = $1 AND organization_id = $2 AND ($3::uuid IS NULL OR user_id = $3)`,
		event, orgID, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Invite sends an invitation as the member with role and expects 201.
func Invite(t *testing.T, env *Env, o StaffOrg, as client.Role, email string, role client.Role) *client.Invitation {
	t.Helper()
	res, err := env.Client.CreateInvitationWithResponse(context.Background(), o.ID,
		client.InvitationRequest{Email: openapi_types.Email(email), Role: role}, o.As(as))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("invite %s as %s: %d %s", email, role, res.StatusCode(), res.Body)
	}
	return res.JSON201
}

// NewEmail returns an address nobody uses yet.
func NewEmail() string { return "invited" + Itoa(Seq.Add(1)) + "@example.org" }
