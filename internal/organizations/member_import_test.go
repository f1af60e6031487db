package organizations_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

var initialPasswordLine = regexp.MustCompile(`(?:Временный пароль|Temporary password): (\S+)`)

// initialPassword reads the initial password e-mailed to address.
func initialPassword(t *testing.T, env *apitest.Env, address string) string {
	t.Helper()
	m := initialPasswordLine.FindStringSubmatch(apitest.LastMail(t, env, address, "initial_password"))
	if m == nil {
		t.Fatalf("no initial password in the message to %s", address)
	}
	return m[1]
}

func importMembers(t *testing.T, env *apitest.Env, o apitest.StaffOrg, rows ...client.MemberImportRow) *client.ImportMembersResponse {
	t.Helper()
	res, err := env.Client.ImportMembersWithResponse(context.Background(), o.ID, client.MemberImportRequest{Members: rows}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func changeInitial(t *testing.T, env *apitest.Env, login, current, next string) *client.ChangeInitialPasswordResponse {
	t.Helper()
	res, err := env.Client.ChangeInitialPasswordWithResponse(context.Background(), client.InitialPasswordRequest{Login: login, CurrentPassword: current, NewPassword: next})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestImportCreatesAccountsWhoseInitialPasswordMustBeChanged(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	existing := apitest.Register(t, env, apitest.NewAccount())
	anna, bob := apitest.NewEmail(), apitest.NewEmail()

	res := importMembers(t, env, o,
		client.MemberImportRow{Email: openapi_types.Email(strings.ToUpper(anna)), Phone: new("8 921 333-22-11"), FirstName: "Анна", LastName: "Иванова", Role: "learner"},
		client.MemberImportRow{Email: openapi_types.Email(bob), FirstName: "Bob", LastName: "Smith", Role: "teacher", Locale: new(client.Locale("en"))},
		client.MemberImportRow{Email: existing.User.Email, FirstName: "X", LastName: "Y", Role: "teacher"},
	)
	r := res.JSON200
	if r == nil {
		t.Fatalf("import: %d %s", res.StatusCode(), res.Body)
	}
	if r.Created != 2 || r.Added != 1 || r.Skipped != 0 || len(r.Rows) != 3 ||
		r.Rows[0].Outcome != "created" || string(r.Rows[0].Email) != anna || r.Rows[0].UserID == nil ||
		r.Rows[1].Outcome != "created" || r.Rows[2].Outcome != "added" || *r.Rows[2].UserID != existing.User.ID {
		t.Fatalf("import result: %s", res.Body)
	}
	annaPassword, bobPassword := initialPassword(t, env, anna), initialPassword(t, env, bob)
	if strings.Contains(string(res.Body), annaPassword) || strings.Contains(string(res.Body), bobPassword) {
		t.Fatal("the response shows an initial password")
	}
	if text := apitest.LastMail(t, env, bob, "initial_password"); !strings.Contains(text, "Login: "+bob) || !strings.Contains(text, "as a teacher") {
		t.Fatalf("English initial-password e-mail:\n%s", text)
	}
	if text := apitest.LastMail(t, env, string(existing.User.Email), "membership_granted"); !strings.Contains(text, "Центр center") {
		t.Fatalf("existing account's notification:\n%s", text)
	}
	var expires time.Time
	if err := env.Pool.QueryRow(ctx, `SELECT initial_password_expires_at FROM users WHERE email = $1 AND password_must_change`, anna).Scan(&expires); err != nil ||
		time.Until(expires).Round(time.Hour) != 30*24*time.Hour {
		t.Fatalf("initial password expiry %v, %v; want in 30 days", expires, err)
	}
	if n := apitest.CountAudit(t, env, "member_imported", o.ID, nil); n != 3 {
		t.Fatalf("member_imported events: %d", n)
	}

	// Signing in with the initial password is refused until it is replaced,
	// by e-mail and by phone alike.
	for _, name := range []string{anna, "+79213332211"} {
		lg := apitest.Login(t, env, name, annaPassword, false)
		apitest.WantProblem(t, lg.HTTPResponse, lg.Body, http.StatusForbidden, "password_change_required")
	}
	// A wrong initial password is still just wrong.
	lg := apitest.Login(t, env, anna, annaPassword+"x", false)
	apitest.WantProblem(t, lg.HTTPResponse, lg.Body, http.StatusUnauthorized, "invalid_credentials")

	ch := changeInitial(t, env, anna, "Wrong-Passw0rd", "Own-Passw0rd!")
	apitest.WantProblem(t, ch.HTTPResponse, ch.Body, http.StatusUnauthorized, "invalid_credentials")
	ch = changeInitial(t, env, "nobody@example.org", annaPassword, "Own-Passw0rd!")
	apitest.WantProblem(t, ch.HTTPResponse, ch.Body, http.StatusUnauthorized, "invalid_credentials")
	ch = changeInitial(t, env, anna, annaPassword, "weak")
	if p := apitest.WantProblem(t, ch.HTTPResponse, ch.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "newPassword:too_short") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	ch = changeInitial(t, env, anna, annaPassword, annaPassword)
	if p := apitest.WantProblem(t, ch.HTTPResponse, ch.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "newPassword:same_as_current") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	ch = changeInitial(t, env, anna, annaPassword, "79213332211")
	if p := apitest.WantProblem(t, ch.HTTPResponse, ch.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "newPassword:equals_identifier") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}

	ch = changeInitial(t, env, anna, annaPassword, "Own-Passw0rd!")
	if ch.JSON200 == nil {
		t.Fatalf("change initial password: %d %s", ch.StatusCode(), ch.Body)
	}
	if !ch.JSON200.User.EmailVerified || ch.JSON200.User.Phone == nil || *ch.JSON200.User.Phone != "+79213332211" {
		t.Fatalf("user after the change: %+v", ch.JSON200.User)
	}
	me := apitest.GetMe(t, env, ch.JSON200.AccessToken)
	if me.JSON200 == nil || len(me.JSON200.Memberships) != 1 || me.JSON200.Memberships[0].Organization.ID != o.ID {
		t.Fatalf("memberships: %s", me.Body)
	}
	if lg := apitest.Login(t, env, anna, "Own-Passw0rd!", false); lg.JSON200 == nil {
		t.Fatalf("login with the own password: %d %s", lg.StatusCode(), lg.Body)
	}
	lg = apitest.Login(t, env, anna, annaPassword, false)
	apitest.WantProblem(t, lg.HTTPResponse, lg.Body, http.StatusUnauthorized, "invalid_credentials")
	ch = changeInitial(t, env, anna, "Own-Passw0rd!", "Other-Passw0rd!")
	apitest.WantProblem(t, ch.HTTPResponse, ch.Body, http.StatusConflict, "password_change_not_required")
	if n := apitest.CountRows(t, env, "audit_events WHERE event = 'password_changed' AND details->>'initial' = 'true'"); n != 1 {
		t.Fatalf("password_changed events: %d", n)
	}

	// Importing the same rows again changes nothing.
	again := importMembers(t, env, o,
		client.MemberImportRow{Email: openapi_types.Email(anna), FirstName: "Анна", LastName: "Иванова", Role: "admin"},
		client.MemberImportRow{Email: existing.User.Email, FirstName: "X", LastName: "Y", Role: "teacher"},
	)
	if again.JSON200 == nil || again.JSON200.Skipped != 2 || *again.JSON200.Rows[0].Reason != "already_member" || apitest.CountMail(t, env, anna, "initial_password") != 1 {
		t.Fatalf("repeated import: %d %s", again.StatusCode(), again.Body)
	}
	role := client.Role("admin")
	if admins := listMembers(t, env, o, "admin", client.ListMembersParams{Role: &role}); len(admins.Items) != 1 {
		t.Fatal("a repeated import changed a role")
	}
}

func TestImportRefusesInvalidRowsAndSkipsTakenPhones(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	taken := apitest.NewAccount()
	apitest.Register(t, env, taken)
	users := apitest.CountRows(t, env, "users")
	a := apitest.NewEmail()

	res := importMembers(t, env, o,
		client.MemberImportRow{Email: openapi_types.Email(a), FirstName: "A", LastName: "B", Role: "learner", Phone: new("+7 921 444-55-66")},
		client.MemberImportRow{Email: openapi_types.Email(strings.ToUpper(a)), FirstName: " ", LastName: "B", Role: "learner", Phone: new("8 921 444 55 66")},
		client.MemberImportRow{Email: openapi_types.Email(apitest.NewEmail()), FirstName: "A", LastName: "B", Role: "learner", Phone: new("+7 495 123-45-67")},
	)
	p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed")
	if want := []string{"members.1.email:duplicate", "members.1.firstName:required", "members.1.phone:duplicate", "members.2.phone:not_mobile"}; !apitest.Contains(apitest.Fields(p), want...) {
		t.Fatalf("fields %v, want %v", apitest.Fields(p), want)
	}
	// The generated client refuses a bad e-mail itself: send the JSON by hand.
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/v1/organizations/"+o.ID.String()+"/members/import",
		strings.NewReader(`{"members": [{"email": "not-an-email", "firstName": "A", "lastName": "B", "role": "boss", "extra": 1}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+o.Members["admin"].AccessToken)
	raw, err := env.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if p := apitest.WantProblem(t, raw, apitest.ReadAll(t, raw), 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "members.0.email:invalid_format", "members.0.role:invalid_value", "members.0.extra:unknown_field") {
		t.Fatalf("schema fields %v", apitest.Fields(p))
	}
	res, err = env.Client.ImportMembersWithResponse(context.Background(), o.ID, client.MemberImportRequest{Members: []client.MemberImportRow{}}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "members:too_few_items") {
		t.Fatalf("empty import fields %v", apitest.Fields(p))
	}
	tooMany := make([]client.MemberImportRow, 201)
	for i := range tooMany {
		tooMany[i] = client.MemberImportRow{Email: openapi_types.Email(apitest.NewEmail()), FirstName: "A", LastName: "B", Role: "learner"}
	}
	res = importMembers(t, env, o, tooMany...)
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "members:too_many_items") {
		t.Fatalf("201 rows: fields %v", apitest.Fields(p))
	}
	if apitest.CountRows(t, env, "users") != users || apitest.CountRows(t, env, "outbox WHERE template = 'initial_password'") != 0 {
		t.Fatal("a refused import wrote something")
	}

	res = importMembers(t, env, o,
		client.MemberImportRow{Email: openapi_types.Email(a), FirstName: "A", LastName: "B", Role: "learner", Phone: new(taken.Phone)},
		client.MemberImportRow{Email: openapi_types.Email(apitest.NewEmail()), FirstName: "C", LastName: "D", Role: "learner"},
	)
	if r := res.JSON200; r == nil || r.Created != 1 || r.Skipped != 1 || r.Rows[0].Outcome != "skipped" || *r.Rows[0].Reason != "phone_taken" || r.Rows[0].UserID != nil {
		t.Fatalf("import with a taken phone: %d %s", res.StatusCode(), res.Body)
	}

	// Only admins import.
	for _, role := range []client.Role{"manager", "director", "teacher", "learner"} {
		res, err := env.Client.ImportMembersWithResponse(context.Background(), o.ID, client.MemberImportRequest{Members: []client.MemberImportRow{
			{Email: openapi_types.Email(apitest.NewEmail()), FirstName: "A", LastName: "B", Role: "learner"}}}, o.As(role))
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusForbidden, "forbidden")
	}
}

func TestInitialPasswordExpiresUntilRecovery(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.InitialPasswordTTL = 2 * time.Hour })
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	email := apitest.NewEmail()
	res := importMembers(t, env, o, client.MemberImportRow{Email: openapi_types.Email(email), FirstName: "A", LastName: "B", Role: "learner"})
	if res.JSON200 == nil {
		t.Fatalf("import: %d %s", res.StatusCode(), res.Body)
	}
	id := *res.JSON200.Rows[0].UserID
	password := initialPassword(t, env, email)
	var expires time.Time
	if err := env.Pool.QueryRow(ctx, `SELECT initial_password_expires_at FROM users WHERE id = $1`, id).Scan(&expires); err != nil ||
		time.Until(expires).Round(time.Minute) != 2*time.Hour {
		t.Fatalf("expiry with KABINET_INITIAL_PASSWORD_TTL=2h: %v %v", expires, err)
	}

	if _, err := env.Pool.Exec(ctx, `UPDATE users SET initial_password_expires_at = now() - interval '1 second' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	lg := apitest.Login(t, env, email, password, false)
	apitest.WantProblem(t, lg.HTTPResponse, lg.Body, http.StatusForbidden, "initial_password_expired")
	ch := changeInitial(t, env, email, password, "Own-Passw0rd!")
	apitest.WantProblem(t, ch.HTTPResponse, ch.Body, http.StatusForbidden, "initial_password_expired")
	// A wrong password learns nothing about the expiry.
	lg = apitest.Login(t, env, email, "Wrong-Passw0rd1", false)
	apitest.WantProblem(t, lg.HTTPResponse, lg.Body, http.StatusUnauthorized, "invalid_credentials")

	// Recovery ends the block: reset the password by the e-mailed link, then
	// the new password signs in like any other.
	token := apitest.ResetToken(t, env, email)
	own := "Own-Recovered-Passw0rd"
	if res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &token, NewPassword: own}); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.StatusCode(), res.Body)
	}
	if lg := apitest.Login(t, env, email, own, false); lg.JSON200 == nil {
		t.Fatalf("login after recovery: %d %s", lg.StatusCode(), lg.Body)
	}
}

func TestChangeInitialPasswordIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	email := apitest.NewEmail()
	importMembers(t, env, o, client.MemberImportRow{Email: openapi_types.Email(email), FirstName: "A", LastName: "B", Role: "learner"})
	password := initialPassword(t, env, email)

	for i := range 5 {
		ch := changeInitial(t, env, email, "Wrong-Passw0rd"+apitest.Itoa(int64(i)), "Own-Passw0rd!")
		apitest.WantProblem(t, ch.HTTPResponse, ch.Body, http.StatusUnauthorized, "invalid_credentials")
	}
	// Locked: even the right password is refused until the window ends.
	ch := changeInitial(t, env, email, password, "Own-Passw0rd!")
	apitest.WantProblem(t, ch.HTTPResponse, ch.Body, http.StatusTooManyRequests, "rate_limited")
	if ra := ch.HTTPResponse.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	// Another account is not affected.
	other := apitest.NewEmail()
	importMembers(t, env, o, client.MemberImportRow{Email: openapi_types.Email(other), FirstName: "C", LastName: "D", Role: "learner"})
	if ch := changeInitial(t, env, other, initialPassword(t, env, other), "Own-Passw0rd!"); ch.JSON200 == nil {
		t.Fatalf("another account: %d %s", ch.StatusCode(), ch.Body)
	}

	// The lockout ends with its window (moved into the past here).
	var id uuid.UUID
	if err := env.Pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE rate_limits SET window_start = now() - interval '1 hour', locked_until = now() - interval '1 second' WHERE key = $1`,
		"initial_password:account:"+id.String()); err != nil {
		t.Fatal(err)
	}
	if ch := changeInitial(t, env, email, password, "Own-Passw0rd!"); ch.JSON200 == nil {
		t.Fatalf("after the lockout: %d %s", ch.StatusCode(), ch.Body)
	}
}

// An initial password is replaced once: of concurrent requests with it, one
// signs in and the others are refused.
func TestInitialPasswordIsReplacedOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	email := apitest.NewEmail()
	importMembers(t, env, o, client.MemberImportRow{Email: openapi_types.Email(email), FirstName: "A", LastName: "B", Role: "learner"})
	password := initialPassword(t, env, email)

	const n = 4
	statuses := make(chan int, n)
	for i := range n {
		go func() {
			res, err := env.Client.ChangeInitialPasswordWithResponse(context.Background(), client.InitialPasswordRequest{
				Login: email, CurrentPassword: password, NewPassword: "Own-Passw0rd!" + apitest.Itoa(int64(i)),
			})
			if err != nil {
				statuses <- 0
				return
			}
			statuses <- res.StatusCode()
		}()
	}
	ok := 0
	for range n {
		switch s := <-statuses; s {
		case http.StatusOK:
			ok++
		case http.StatusConflict, http.StatusUnauthorized: // replaced meanwhile, or already replaced when checked
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d requests replaced the initial password, want 1", ok)
	}
	if n := apitest.CountRows(t, env, "sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '"+email+"'"); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
}
