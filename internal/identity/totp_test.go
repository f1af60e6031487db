package identity_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// decodeQR reads the text of a PNG QR code, as a phone camera would.
func decodeQR(t *testing.T, pngBytes []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 128 || b.Dx() > 1024 || b.Dx() != b.Dy() {
		t.Errorf("QR code is %v; want a square between 128 and 1024 pixels", b)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR code does not decode: %v", err)
	}
	return res.GetText()
}

func TestTOTPEnrolment(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.NewTOTPUser(t, env)

	status := func() client.TotpStatus {
		t.Helper()
		res, err := env.Client.GetTotpStatusWithResponse(ctx, u.Bearer())
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil {
			t.Fatalf("status: %d %s", res.StatusCode(), res.Body)
		}
		return *res.JSON200
	}
	if st := status(); st.Enabled || st.EnrolmentPending || st.RecoveryCodesRemaining != 0 || st.EnabledAt != nil || len(st.RequiredByOrganizations) != 0 {
		t.Fatalf("a new account's status = %+v", st)
	}

	// The confirmation needs an enrolment first.
	conf, err := env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: "123456"}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, conf.StatusCode(), conf.HTTPResponse.Header, conf.Body, http.StatusConflict, "no_pending_enrolment")

	start, err := env.Client.StartTotpEnrolmentWithResponse(ctx, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if start.JSON201 == nil {
		t.Fatalf("start: %d %s", start.StatusCode(), start.Body)
	}
	e := start.JSON201
	u.Secret = e.Secret
	uri, err := url.Parse(e.OtpauthURI)
	if err != nil {
		t.Fatal(err)
	}
	q := uri.Query()
	if uri.Scheme != "otpauth" || uri.Host != "totp" || uri.Path != "/Kabinet:"+u.Email() || q.Get("secret") != e.Secret ||
		q.Get("issuer") != "Kabinet" || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("otpauth URI = %s", e.OtpauthURI)
	}
	if e.Issuer != "Kabinet" || e.AccountName != u.Email() || e.Algorithm != "SHA1" || e.Digits != 6 || e.Period != 30 {
		t.Errorf("enrolment = %+v", e)
	}
	if got := decodeQR(t, e.QrCodePng); got != e.OtpauthURI {
		t.Errorf("the QR code holds %q, want the otpauth URI %q", got, e.OtpauthURI)
	}

	// The same QR code as an image.
	img, err := env.Client.GetTotpQrCodeWithResponse(ctx, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if img.StatusCode() != http.StatusOK || img.HTTPResponse.Header.Get("Content-Type") != "image/png" ||
		img.HTTPResponse.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("qr.png: %d %v", img.StatusCode(), img.HTTPResponse.Header)
	}
	if got := decodeQR(t, img.Body); got != e.OtpauthURI {
		t.Errorf("qr.png holds %q, want %q", got, e.OtpauthURI)
	}

	// The secret is sealed at rest, not stored in clear.
	var sealed []byte
	if err := env.Pool.QueryRow(ctx, "SELECT secret_sealed FROM totp_authenticators WHERE user_id = $1", u.ID()).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(e.Secret)) || len(sealed) < 29 {
		t.Error("the TOTP secret is stored in clear")
	}

	// Pending: sign-in does not ask for a code yet.
	if st := status(); st.Enabled || !st.EnrolmentPending {
		t.Fatalf("status while pending = %+v", st)
	}
	if res := apitest.Login(t, env, u.Email(), u.Acc.Password, false); res.JSON200 == nil {
		t.Fatalf("login while the enrolment is pending: %d %s", res.StatusCode(), res.Body)
	}

	// A wrong code does not enable it.
	conf, err = env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: u.WrongCode(t)}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, conf.StatusCode(), conf.HTTPResponse.Header, conf.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "code:incorrect") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}

	conf, err = env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: u.NextCode(t)}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if conf.JSON200 == nil {
		t.Fatalf("confirm: %d %s", conf.StatusCode(), conf.Body)
	}
	codes := conf.JSON200.Codes
	if len(codes) != 10 || len(slices.Compact(slices.Sorted(slices.Values(codes)))) != 10 {
		t.Fatalf("recovery codes = %v; want ten distinct", codes)
	}
	st := status()
	if !st.Enabled || st.EnrolmentPending || st.EnabledAt == nil || st.RecoveryCodesRemaining != 10 {
		t.Fatalf("status after confirmation = %+v", st)
	}

	// Recovery codes are stored hashed.
	rows, err := env.Pool.Query(ctx, "SELECT encode(code_hash, 'escape') FROM recovery_codes WHERE user_id = $1", u.ID())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			if strings.Contains(h, c) || strings.Contains(h, strings.ReplaceAll(c, "-", "")) {
				t.Error("a recovery code is stored in clear")
			}
		}
		n++
	}
	rows.Close()
	if n != 10 {
		t.Errorf("%d recovery code rows, want 10", n)
	}

	// Enabled: no second enrolment, no confirmation, no QR code.
	again, err := env.Client.StartTotpEnrolmentWithResponse(ctx, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, http.StatusConflict, "second_factor_already_enabled")
	conf, err = env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: "123456"}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, conf.StatusCode(), conf.HTTPResponse.Header, conf.Body, http.StatusConflict, "second_factor_already_enabled")
	img, err = env.Client.GetTotpQrCodeWithResponse(ctx, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, img.StatusCode(), img.HTTPResponse.Header, img.Body, http.StatusNotFound, "not_found")

	if got := apitest.SentTemplates(t, env, u.Email()); !slices.Equal(got, []string{"welcome", "totp_enabled"}) {
		t.Errorf("mails = %v", got)
	}
	if got := apitest.TOTPAuditEvents(t, env, u.ID()); !apitest.Contains(got, "totp_enabled") {
		t.Errorf("audit = %v", got)
	}
}

func TestTOTPEnrolmentRestartReplacesThePendingSecret(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.NewTOTPUser(t, env)
	first, err := env.Client.StartTotpEnrolmentWithResponse(ctx, u.Bearer())
	if err != nil || first.JSON201 == nil {
		t.Fatalf("start: %v %s", err, first.Body)
	}
	second, err := env.Client.StartTotpEnrolmentWithResponse(ctx, u.Bearer())
	if err != nil || second.JSON201 == nil {
		t.Fatalf("restart: %v %s", err, second.Body)
	}
	if first.JSON201.Secret == second.JSON201.Secret {
		t.Fatal("a restarted enrolment must get a new secret")
	}
	// A code of the abandoned secret no longer confirms.
	old := &apitest.TOTPUser{Secret: first.JSON201.Secret}
	conf, err := env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: old.NextCode(t)}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, conf.StatusCode(), conf.HTTPResponse.Header, conf.Body, http.StatusUnprocessableEntity, "validation_failed")
	u.Secret = second.JSON201.Secret
	conf, err = env.Client.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: u.NextCode(t)}, u.Bearer())
	if err != nil || conf.JSON200 == nil {
		t.Fatalf("confirm with the new secret: %v %s", err, conf.Body)
	}
}

func TestTOTPSensitiveStepsNeedRecentAuthentication(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()

	fresh := apitest.NewTOTPUser(t, env)
	apitest.AgeSession(t, env, fresh.ID())
	start, err := env.Client.StartTotpEnrolmentWithResponse(ctx, fresh.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, start.StatusCode(), start.HTTPResponse.Header, start.Body, http.StatusForbidden, "reauthentication_required")
	img, err := env.Client.GetTotpQrCodeWithResponse(ctx, fresh.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, img.StatusCode(), img.HTTPResponse.Header, img.Body, http.StatusForbidden, "reauthentication_required")
	// Without an authenticator there is no second factor to reauthenticate with.
	re, err := env.Client.ReauthenticateSecondFactorWithResponse(ctx, client.TotpCodeRequest{Code: "123456"}, fresh.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, re.StatusCode(), re.HTTPResponse.Header, re.Body, http.StatusConflict, "second_factor_not_enabled")
	regen, err := env.Client.RegenerateRecoveryCodesWithResponse(ctx, fresh.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, regen.StatusCode(), regen.HTTPResponse.Header, regen.Body, http.StatusForbidden, "reauthentication_required")

	u := apitest.EnrolledUser(t, env)
	apitest.AgeSession(t, env, u.ID())
	regen, err = env.Client.RegenerateRecoveryCodesWithResponse(ctx, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, regen.StatusCode(), regen.HTTPResponse.Header, regen.Body, http.StatusForbidden, "reauthentication_required")

	// A wrong code does not count as reauthentication; a current code does.
	re, err = env.Client.ReauthenticateSecondFactorWithResponse(ctx, client.TotpCodeRequest{Code: u.WrongCode(t)}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, re.StatusCode(), re.HTTPResponse.Header, re.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "code:incorrect") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	if got := apitest.TOTPAuditEvents(t, env, u.ID()); countOf(got, "sign_in_failed") != 1 {
		t.Errorf("audit = %v, want the wrong code as one sign_in_failed", got)
	}
	re, err = env.Client.ReauthenticateSecondFactorWithResponse(ctx, client.TotpCodeRequest{Code: u.NextCode(t)}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if re.StatusCode() != http.StatusNoContent {
		t.Fatalf("reauthenticate: %d %s", re.StatusCode(), re.Body)
	}
	regen, err = env.Client.RegenerateRecoveryCodesWithResponse(ctx, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if regen.JSON200 == nil || len(regen.JSON200.Codes) != 10 {
		t.Fatalf("regenerate: %d %s", regen.StatusCode(), regen.Body)
	}
	if slices.ContainsFunc(regen.JSON200.Codes, func(c string) bool { return slices.Contains(u.Codes, c) }) {
		t.Error("regenerated codes repeat old ones")
	}

	// The old recovery codes stopped working; the new ones work, also for
	// reauthentication.
	apitest.AgeSession(t, env, u.ID())
	re, err = env.Client.ReauthenticateSecondFactorWithResponse(ctx, client.TotpCodeRequest{Code: u.Codes[0]}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, re.StatusCode(), re.HTTPResponse.Header, re.Body, http.StatusUnprocessableEntity, "validation_failed")
	re, err = env.Client.ReauthenticateSecondFactorWithResponse(ctx, client.TotpCodeRequest{Code: regen.JSON200.Codes[0]}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if re.StatusCode() != http.StatusNoContent {
		t.Fatalf("reauthenticate with a recovery code: %d %s", re.StatusCode(), re.Body)
	}
	if got := apitest.SentTemplates(t, env, u.Email()); !slices.Equal(got, []string{"welcome", "totp_enabled", "recovery_codes_regenerated"}) {
		t.Errorf("mails = %v", got)
	}
	if got := apitest.TOTPAuditEvents(t, env, u.ID()); !apitest.Contains(got, "totp_enabled", "recovery_codes_regenerated") {
		t.Errorf("audit = %v", got)
	}
}

func TestDisableTOTP(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env)
	disable := func(password *string, code string) *client.DisableTotpResponse {
		t.Helper()
		res, err := env.Client.DisableTotpWithResponse(ctx, client.TotpDisableRequest{Password: password, Code: code}, u.Bearer())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := disable(nil, u.WrongCode(t))
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "password:required") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	res = disable(ptrTo("Wr0ng-Passw0rd"), u.WrongCode(t))
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "password:incorrect") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	if got := apitest.TOTPAuditEvents(t, env, u.ID()); countOf(got, "sign_in_failed") != 1 {
		t.Errorf("audit = %v, want the wrong password as one sign_in_failed", got)
	}
	res = disable(&u.Acc.Password, u.WrongCode(t))
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "code:incorrect") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	if got := apitest.Login(t, env, u.Email(), u.Acc.Password, false); got.JSON202 == nil {
		t.Fatalf("failed attempts must leave the second factor on: %d %s", got.StatusCode(), got.Body)
	}

	res = disable(&u.Acc.Password, u.NextCode(t))
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("disable: %d %s", res.StatusCode(), res.Body)
	}
	if got := apitest.Login(t, env, u.Email(), u.Acc.Password, false); got.JSON200 == nil {
		t.Fatalf("login after disabling: %d %s", got.StatusCode(), got.Body)
	}
	if n := apitest.CountRows(t, env, "recovery_codes") + apitest.CountRows(t, env, "totp_authenticators"); n != 0 {
		t.Errorf("%d authenticator and recovery code rows left", n)
	}
	res = disable(&u.Acc.Password, u.Codes[0])
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "second_factor_not_enabled")
	if got := apitest.SentTemplates(t, env, u.Email()); !slices.Equal(got, []string{"welcome", "totp_enabled", "totp_disabled"}) {
		t.Errorf("mails = %v", got)
	}
	if got := apitest.TOTPAuditEvents(t, env, u.ID()); !apitest.Contains(got, "totp_enabled", "totp_disabled") {
		t.Errorf("audit = %v", got)
	}

	// A user who lost the phone disables it with a recovery code.
	v := apitest.EnrolledUser(t, env)
	res, err := env.Client.DisableTotpWithResponse(ctx, client.TotpDisableRequest{Password: &v.Acc.Password, Code: strings.ToUpper(v.Codes[3])}, v.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("disable with a recovery code: %d %s", res.StatusCode(), res.Body)
	}
}

func TestTOTPSurvivesAPasswordChange(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env)
	// The authenticator is not tied to the password: replace the hash as a
	// password change would.
	acc := apitest.NewAccount()
	acc.Password = "N3w-Passw0rd-2026"
	other := apitest.Register(t, env, acc)
	if _, err := env.Pool.Exec(ctx, "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = $1) WHERE id = $2",
		other.User.ID, u.ID()); err != nil {
		t.Fatal(err)
	}
	if got := apitest.Login(t, env, u.Email(), u.Acc.Password, false); got.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("old password: %d", got.StatusCode())
	}
	res := apitest.Login(t, env, u.Email(), acc.Password, false)
	if res.JSON202 == nil {
		t.Fatalf("login with the new password must still ask for the second factor: %d %s", res.StatusCode(), res.Body)
	}
	done := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: res.JSON202.ChallengeToken, Code: ptrTo(u.NextCode(t))})
	if done.JSON200 == nil {
		t.Fatalf("second factor after the password change: %d %s", done.StatusCode(), done.Body)
	}
}

func TestDisableTOTPWithoutAPassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env)
	// An account that signs in by certificate or SSO has no password: the
	// code must come with a recent authentication instead.
	if _, err := env.Pool.Exec(ctx, "UPDATE users SET password_hash = NULL WHERE id = $1", u.ID()); err != nil {
		t.Fatal(err)
	}
	apitest.AgeSession(t, env, u.ID())
	res, err := env.Client.DisableTotpWithResponse(ctx, client.TotpDisableRequest{Code: u.Codes[0]}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "reauthentication_required")
	if _, err := env.Pool.Exec(ctx, "UPDATE sessions SET authenticated_at = now() WHERE user_id = $1", u.ID()); err != nil {
		t.Fatal(err)
	}
	res, err = env.Client.DisableTotpWithResponse(ctx, client.TotpDisableRequest{Code: u.Codes[0]}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("disable: %d %s", res.StatusCode(), res.Body)
	}
}
