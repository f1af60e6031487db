package identity_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/certauth/certtest"
)

func closeAccount(t *testing.T, env *apitest.Env, token string, password *string) *client.CloseAccountResponse {
	t.Helper()
	res, err := env.Client.CloseAccountWithResponse(context.Background(), client.CloseAccountRequest{Password: password}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestExportMyData(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	second := apitest.Login(t, env, string(acc.Email), acc.Password, true)
	if second.JSON200 == nil {
		t.Fatalf("login: %s", second.Body)
	}
	if res, err := env.Client.UpdateNotificationPreferencesWithResponse(ctx, client.NotificationPreferencesUpdate{EmailNews: false, SmsMarketing: true},
		apitest.Bearer(reg.AccessToken)); err != nil || res.JSON200 == nil {
		t.Fatalf("preferences: %v", err)
	}
	sendEmailCode(t, env, reg.AccessToken)
	other := apitest.Register(t, env, apitest.NewAccount()) // whose data must not appear

	res, err := env.Client.ExportMyDataWithResponse(ctx, apitest.Bearer(reg.AccessToken))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("export: %v %d %s", err, res.StatusCode(), res.Body)
	}
	if cd := res.HTTPResponse.Header.Get("Content-Disposition"); cd != `attachment; filename="kabinet-export-`+reg.User.ID.String()+`.json"` {
		t.Fatalf("Content-Disposition = %q", cd)
	}
	x := res.JSON200
	if x.User.ID != reg.User.ID || x.User.Email != reg.User.Email || x.User.TimeZone == "" {
		t.Fatalf("user: %+v", x.User)
	}
	if x.NotificationPreferences.EmailNews || !x.NotificationPreferences.SmsMarketing || x.NotificationPreferences.MarketingConsentAt == nil {
		t.Fatalf("preferences: %+v", x.NotificationPreferences)
	}
	if len(x.Memberships) != 1 || x.Memberships[0].Organization.Slug != "default" {
		t.Fatalf("memberships: %+v", x.Memberships)
	}
	if len(x.Sessions) != 2 || !x.Sessions[1].RememberMe || x.Sessions[0].IP == nil || *x.Sessions[0].IP != "127.0.0.1" {
		t.Fatalf("sessions: %+v", x.Sessions)
	}
	events := map[string]bool{}
	for _, e := range x.AuditEvents {
		events[e.Event] = true
	}
	if !events["registered"] || !events["sign_in"] || !events["marketing_consent_changed"] {
		t.Fatalf("audit events: %v", events)
	}
	templates := map[string]bool{}
	for _, m := range x.Messages {
		templates[m.Template] = true
		if m.Recipient != string(reg.User.Email) {
			t.Fatalf("a message to %s in the export", m.Recipient)
		}
	}
	if !templates["welcome"] || !templates["contact_code_email"] {
		t.Fatalf("messages: %v", templates)
	}
	// No message bodies: a code that is still valid must not leak through an export.
	code := contactCodeSent(t, env, string(reg.User.Email))
	if strings.Contains(string(res.Body), code) || strings.Contains(string(res.Body), "bodyText") {
		t.Fatal("the export carries message bodies")
	}
	if strings.Contains(string(res.Body), other.User.ID.String()) || strings.Contains(string(res.Body), string(other.User.Email)) {
		t.Fatal("the export carries another user's data")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.Body, &raw); err != nil || len(raw) != 10 {
		t.Fatalf("export keys: %v %v", err, raw)
	}

	// A handful of exports an hour.
	for i := 2; i <= 5; i++ {
		if r, _ := env.Client.ExportMyDataWithResponse(ctx, apitest.Bearer(reg.AccessToken)); r.StatusCode() != http.StatusOK {
			t.Fatalf("export #%d: %d", i, r.StatusCode())
		}
	}
	r, err := env.Client.ExportMyDataWithResponse(ctx, apitest.Bearer(reg.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusTooManyRequests, "rate_limited")
}

// The export names every way the account signs in: certificates, SSO
// identities and the second factor (its state, never its secret or codes).
func TestExportCarriesSignInMethods(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env)
	certID := insertBinding(t, env, u.ID(), validFor(t, certtest.P256, 365*24*time.Hour))
	var ssoID uuid.UUID
	if err := env.Pool.QueryRow(ctx, `INSERT INTO sso_identities (user_id, provider, issuer, subject, email)
		VALUES ($1, 'esia', 'https://esia.example', 'subject-1', $2) RETURNING id`, u.ID(), u.Email()).Scan(&ssoID); err != nil {
		t.Fatal(err)
	}
	// Another account's methods must not appear.
	other := apitest.EnrolledUser(t, env)
	insertBinding(t, env, other.ID(), validFor(t, certtest.P256, 365*24*time.Hour))

	res, err := env.Client.ExportMyDataWithResponse(ctx, u.Bearer())
	if err != nil || res.JSON200 == nil {
		t.Fatalf("export: %v %d %s", err, res.StatusCode(), res.Body)
	}
	x := res.JSON200
	if len(x.Certificates) != 1 || x.Certificates[0].ID != certID || x.Certificates[0].Fingerprint == "" {
		t.Errorf("certificates: %+v", x.Certificates)
	}
	if len(x.SsoIdentities) != 1 || x.SsoIdentities[0].ID != ssoID || x.SsoIdentities[0].Provider != "esia" {
		t.Errorf("SSO identities: %+v", x.SsoIdentities)
	}
	if f := x.SecondFactor; !f.Enabled || f.EnabledAt == nil || f.RecoveryCodesRemaining != 10 {
		t.Errorf("second factor: %+v", f)
	}
	for _, secret := range append([]string{u.Secret}, u.Codes...) {
		if strings.Contains(string(res.Body), secret) {
			t.Fatal("the export carries the authenticator's secret or a recovery code")
		}
	}
	if strings.Contains(string(res.Body), other.ID().String()) {
		t.Fatal("the export carries another user's data")
	}
}

func TestCloseAccount(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	other := apitest.Login(t, env, string(acc.Email), acc.Password, true).JSON200 // a second device
	bystander := apitest.Register(t, env, apitest.NewAccount())
	email, phone := string(reg.User.Email), *reg.User.Phone
	// Pretend the welcome e-mail went out, so the redaction of delivered mail shows.
	if _, err := env.Pool.Exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = now() WHERE recipient = $1`, email); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.UpdateNotificationPreferencesWithResponse(ctx, client.NotificationPreferencesUpdate{EmailNews: true, EmailMarketing: true},
		apitest.Bearer(reg.AccessToken)); err != nil {
		t.Fatal(err)
	}

	res := closeAccount(t, env, reg.AccessToken, nil)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "password:required") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
	res = closeAccount(t, env, reg.AccessToken, ptrTo("Wr0ng-Passw0rd"))
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "password:incorrect") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
	if apitest.GetMe(t, env, reg.AccessToken).JSON200 == nil {
		t.Fatal("a refused closure ended the session")
	}
	if res = closeAccount(t, env, reg.AccessToken, &acc.Password); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("close: %d %s", res.StatusCode(), res.Body)
	}

	// Every session is over.
	for _, token := range []string{reg.AccessToken, other.AccessToken} {
		me := apitest.GetMe(t, env, token)
		apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, http.StatusUnauthorized, "session_ended")
	}
	ref, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: other.RefreshToken})
	if err != nil || ref.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("refresh after closing: %v %d", err, ref.StatusCode())
	}
	// Nobody signs in again, by e-mail or phone.
	for _, name := range []string{email, phone, "deleted-" + reg.User.ID.String() + "@invalid"} {
		if l := apitest.Login(t, env, name, acc.Password, false); l.StatusCode() != http.StatusUnauthorized {
			t.Fatalf("login as %s after closing: %d", name, l.StatusCode())
		}
	}

	// The row stays, without personal data.
	var (
		rowEmail, first, last, status string
		rowPhone, hash                *string
		closed                        bool
	)
	if err := env.Pool.QueryRow(ctx, `SELECT email, phone, first_name, last_name, password_hash, status, closed_at IS NOT NULL FROM users WHERE id = $1`,
		reg.User.ID).Scan(&rowEmail, &rowPhone, &first, &last, &hash, &status, &closed); err != nil {
		t.Fatal(err)
	}
	if rowEmail != "deleted-"+reg.User.ID.String()+"@invalid" || rowPhone != nil || first != "—" || last != "—" || hash != nil || status != "closed" || !closed {
		t.Fatalf("closed row: %s %v %s %s %v %s %v", rowEmail, rowPhone, first, last, hash, status, closed)
	}
	// Audit events keep the user id but lose IP, user agent and details.
	var events, withPII int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE ip IS NOT NULL OR user_agent <> '' OR details <> '{}') FROM audit_events WHERE user_id = $1`,
		reg.User.ID).Scan(&events, &withPII); err != nil {
		t.Fatal(err)
	}
	if events < 3 || withPII != 0 || auditCount(t, env, reg.User.ID, "account_closed") != 1 {
		t.Fatalf("audit after closing: %d events, %d with personal data", events, withPII)
	}
	for table, want := range map[string]int{
		"memberships WHERE user_id = '" + reg.User.ID.String() + "'":                                         0,
		"notification_preferences WHERE user_id = '" + reg.User.ID.String() + "'":                            0,
		"sessions WHERE user_id = '" + reg.User.ID.String() + "' AND (revoked_at IS NULL OR ip IS NOT NULL)": 0,
		"one_time_codes WHERE user_id = '" + reg.User.ID.String() + "' AND consumed_at IS NULL":              0,
		"outbox WHERE recipient = 'redacted' AND body_text = ''":                                             1,
		"outbox WHERE recipient = '" + email + "' AND status = 'sent'":                                       0,
		"memberships WHERE user_id = '" + bystander.User.ID.String() + "'":                                   1,
	} {
		if n := apitest.CountRows(t, env, table); n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	// The former address is told.
	if _, text := contactMessage(t, env, email, "account_closed"); !strings.Contains(text, acc.FirstName) {
		t.Fatalf("closing notice: %q", text)
	}

	// The e-mail and phone are free again.
	again := apitest.Register(t, env, acc)
	if again.User.ID == reg.User.ID || string(again.User.Email) != email {
		t.Fatalf("registering again: %+v", again.User)
	}
	// The bystander was not touched.
	if me := apitest.GetMe(t, env, bystander.AccessToken); me.JSON200 == nil {
		t.Fatalf("bystander: %d", me.StatusCode())
	}
}

func TestCloseAccountNeedsRecentSignIn(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	makeAuthStale(t, env, reg.User.ID)
	res := closeAccount(t, env, reg.AccessToken, &acc.Password)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "reauthentication_required")
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil || me.JSON200.FirstName != acc.FirstName {
		t.Fatalf("the account changed: %d %s", me.StatusCode(), me.Body)
	}

	// Password guesses through a stolen, fresh session are bounded.
	fresh := apitest.Login(t, env, string(acc.Email), acc.Password, false).JSON200
	for i := 1; i <= 5; i++ {
		closeAccount(t, env, fresh.AccessToken, ptrTo("Wr0ng-Passw0rd-"+string(rune('a'+i))))
	}
	res = closeAccount(t, env, fresh.AccessToken, &acc.Password)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusTooManyRequests, "rate_limited")
}

func TestCloseAccountWithoutPassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	// An account that signs in by other means (certificate, SSO) has no password to give.
	if _, err := env.Pool.Exec(context.Background(), `UPDATE users SET password_hash = NULL WHERE id = $1`, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	if res := closeAccount(t, env, reg.AccessToken, nil); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("close: %d %s", res.StatusCode(), res.Body)
	}
	var status string
	if err := env.Pool.QueryRow(context.Background(), `SELECT status FROM users WHERE id = $1`, reg.User.ID).Scan(&status); err != nil || status != "closed" {
		t.Fatalf("status %q, %v", status, err)
	}
}

// Closing an account removes every other way into it: a bound certificate no
// longer signs in, and linked identities and the authenticator are gone.
func TestCloseAccountRemovesOtherSignInMethods(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	cert := validFor(t, certtest.P256, 365*24*time.Hour)
	insertBinding(t, env, reg.User.ID, cert)
	if res := loginWithCert(t, env, goProver(cert)); res.JSON200 == nil {
		t.Fatalf("certificate sign-in before closure: %d %s", res.StatusCode(), res.Body)
	}
	if res := closeAccount(t, env, reg.AccessToken, &acc.Password); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("close: %d %s", res.StatusCode(), res.Body)
	}
	if res := loginWithCert(t, env, goProver(cert)); res.JSON200 != nil {
		t.Fatal("a closed account still signs in with its certificate")
	}
	for _, table := range []string{"user_certificates", "sso_identities", "totp_authenticators", "recovery_codes"} {
		var n int
		if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE user_id = $1", reg.User.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (%v)", table, n, err)
		}
	}
}

// The last active admin of an organization cannot close the account (the
// organization would have nobody to run it); with another active admin the
// closure goes through. Invitations the user accepted lose the address and
// names they were sent with, in the invitations and in the audit log.
func TestCloseAccountOfAnAdmin(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	org := apitest.NewOrganization(t, env, "center")
	acc := apitest.NewAccount()
	admin := apitest.Register(t, env, acc)
	deputy := apitest.Register(t, env, apitest.NewAccount())
	apitest.AddMemberSQL(t, env, org, admin.User.ID, "admin")
	apitest.AddMemberSQL(t, env, org, deputy.User.ID, "admin")
	if _, err := env.Pool.Exec(ctx, `UPDATE memberships SET status = 'blocked', blocked_at = now() WHERE user_id = $1`, deputy.User.ID); err != nil {
		t.Fatal(err)
	}

	res := closeAccount(t, env, admin.AccessToken, &acc.Password)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "last_admin")
	if got := apitest.Login(t, env, string(acc.Email), acc.Password, false); got.JSON200 == nil {
		t.Fatalf("a refused closure must leave the account: %d %s", got.StatusCode(), got.Body)
	}
	if n := apitest.CountRows(t, env, "memberships WHERE user_id = '"+admin.User.ID.String()+"'"); n != 2 {
		t.Fatalf("a refused closure must keep the memberships: %d", n)
	}

	// The admin invites somebody, who accepts and later closes their account.
	email := apitest.NewEmail()
	inv, err := env.Client.CreateInvitationWithResponse(ctx, org, client.InvitationRequest{
		Email: openapi_types.Email(email), Role: "teacher", FirstName: ptrTo("Пётр"), LastName: ptrTo("Петров"),
	}, apitest.Bearer(admin.AccessToken))
	if err != nil || inv.JSON201 == nil {
		t.Fatalf("invite: %v %s", err, inv.Body)
	}
	invited, err := apitest.AcceptInvitation(env, apitest.InvitationToken(t, env, email))
	if err != nil || invited.JSON201 == nil {
		t.Fatalf("accept: %v %s", err, invited.Body)
	}
	if res := closeAccount(t, env, invited.JSON201.AccessToken, ptrTo("Own-Passw0rd!")); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("close the invited account: %d %s", res.StatusCode(), res.Body)
	}
	var left int
	if err := env.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM invitations WHERE email = $1 OR first_name <> '' OR last_name <> '')
		+ (SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%')`, email).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d invitations or audit events still name the closed account", left)
	}
	if n := apitest.CountAudit(t, env, "invitation_sent", org, nil); n != 1 {
		t.Errorf("the organization's history lost the invitation: %d invitation_sent events", n)
	}

	// With another active admin the admin may go.
	if un, err := env.Client.UnblockMemberWithResponse(ctx, org, deputy.User.ID, apitest.Bearer(admin.AccessToken)); err != nil || un.JSON200 == nil {
		t.Fatalf("unblock: %v %s", err, un.Body)
	}
	if res := closeAccount(t, env, admin.AccessToken, &acc.Password); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("close with another admin: %d %s", res.StatusCode(), res.Body)
	}
}
