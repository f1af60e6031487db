package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// staffOrg is an organization with one signed-in member of each role.
type staffOrg struct {
	id      uuid.UUID
	members map[client.Role]*client.AuthResponse
}

var allRoles = []client.Role{"learner", "teacher", "manager", "director", "admin"}

// newStaffOrg creates an organization and registers one member per role.
func newStaffOrg(t *testing.T, env *apitest.Env, slug string) staffOrg {
	t.Helper()
	ctx := context.Background()
	o := staffOrg{members: map[client.Role]*client.AuthResponse{}}
	if err := env.Pool.QueryRow(ctx, `INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id`,
		slug, "Центр "+slug).Scan(&o.id); err != nil {
		t.Fatal(err)
	}
	for _, role := range allRoles {
		acc := register(t, env, newAccount())
		addMember(t, env, o.id, acc.User.ID, role)
		o.members[role] = acc
	}
	return o
}

func addMember(t *testing.T, env *apitest.Env, orgID, userID uuid.UUID, role client.Role) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)`, orgID, userID, string(role)); err != nil {
		t.Fatal(err)
	}
}

// as sends the access token of the member with role.
func (o staffOrg) as(role client.Role) client.RequestEditorFn {
	return apitest.Bearer(o.members[role].AccessToken)
}

func (o staffOrg) user(role client.Role) uuid.UUID { return o.members[role].User.ID }

// wantProblem checks a problem answer of any generated response.
func wantProblem(t *testing.T, res *http.Response, body []byte, status int, code string) client.Problem {
	t.Helper()
	return problemOf(t, res.StatusCode, res.Header, body, status, code)
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lastMail returns the text of the newest message of template to recipient.
func lastMail(t *testing.T, env *apitest.Env, recipient, template string) string {
	t.Helper()
	var text string
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT body_text FROM outbox WHERE recipient = $1 AND template = $2 ORDER BY id DESC LIMIT 1`,
		recipient, template).Scan(&text); err != nil {
		t.Fatalf("no %s message to %s: %v", template, recipient, err)
	}
	return text
}

func countMail(t *testing.T, env *apitest.Env, recipient, template string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM outbox WHERE recipient = $1 AND template = $2`, recipient, template).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var linkToken = regexp.MustCompile(`[?&]token=([A-Z2-7]+)`)

// invitationToken reads the token from the newest invitation e-mailed to address.
func invitationToken(t *testing.T, env *apitest.Env, address string) string {
	t.Helper()
	m := linkToken.FindStringSubmatch(lastMail(t, env, address, "invitation"))
	if m == nil {
		t.Fatalf("no link in the invitation to %s", address)
	}
	return m[1]
}

// countAudit counts audit events of one kind in an organization's log about userID.
func countAudit(t *testing.T, env *apitest.Env, event string, orgID uuid.UUID, userID *uuid.UUID) int {
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

// invite sends an invitation as the member with role and expects 201.
func invite(t *testing.T, env *apitest.Env, o staffOrg, as client.Role, email string, role client.Role) *client.Invitation {
	t.Helper()
	res, err := env.Client.CreateInvitationWithResponse(context.Background(), o.id,
		client.InvitationRequest{Email: openapi_types.Email(email), Role: role}, o.as(as))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("invite %s as %s: %d %s", email, role, res.StatusCode(), res.Body)
	}
	return res.JSON201
}

// newEmail returns an address nobody uses yet.
func newEmail() string { return "invited" + itoa(seq.Add(1)) + "@example.org" }
