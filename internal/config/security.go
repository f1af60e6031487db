package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Security holds the settings of sessions, password recovery and
// brute-force protection.
type Security struct {
	// RefreshReuseGrace is how long after a refresh token was used a second
	// use is taken for a concurrent refresh (two tabs at once) and refused
	// with 409 instead of being treated as theft, which ends the session.
	RefreshReuseGrace time.Duration
	// PasswordResetURL is the SPA page that sets a new password; "{token}"
	// is replaced by the one-time token.
	PasswordResetURL string
	PasswordResetTTL time.Duration // the e-mailed link
	ResetCodeTTL     time.Duration // the SMS code
	// RecoveryResponseFloor pads every answer of the recovery request to at
	// least this long, so its timing does not tell whether the account exists.
	RecoveryResponseFloor time.Duration

	Limits Limits
}

// Limit allows Max attempts per Period for one subject; past that the
// subject is locked out until the period ends.
type Limit struct {
	Max    int
	Period time.Duration
}

// String is the KABINET_LIMIT_* notation, e.g. "10/15m0s".
func (l Limit) String() string { return fmt.Sprintf("%d/%s", l.Max, l.Period) }

// Limits are the brute-force and abuse limits.
type Limits struct {
	LoginAccount   Limit // password attempts on one account (a success starts over)
	LoginIP        Limit // sign-in attempts from one IP address
	RecoveryTarget Limit // recovery requests for one e-mail or phone
	RecoveryIP     Limit // recovery requests from one IP address
	CodeAccount    Limit // codes and passwords checked for one account (reset code, reauthentication, password change)
	CodeIP         Limit // the same from one IP address
}

func (l *loader) security(publicURL string) Security {
	return Security{
		RefreshReuseGrace:     l.dur("KABINET_REFRESH_REUSE_GRACE", 10*time.Second),
		PasswordResetURL:      l.str("KABINET_PASSWORD_RESET_URL", publicURL+"/reset-password#token={token}"),
		PasswordResetTTL:      l.dur("KABINET_PASSWORD_RESET_TTL", 24*time.Hour),
		ResetCodeTTL:          l.dur("KABINET_PASSWORD_RESET_CODE_TTL", 15*time.Minute),
		RecoveryResponseFloor: l.dur("KABINET_RECOVERY_RESPONSE_FLOOR", 250*time.Millisecond),
		Limits: Limits{
			LoginAccount:   l.limit("KABINET_LIMIT_LOGIN_ACCOUNT", Limit{10, 15 * time.Minute}),
			LoginIP:        l.limit("KABINET_LIMIT_LOGIN_IP", Limit{100, 15 * time.Minute}),
			RecoveryTarget: l.limit("KABINET_LIMIT_RECOVERY_TARGET", Limit{5, time.Hour}),
			RecoveryIP:     l.limit("KABINET_LIMIT_RECOVERY_IP", Limit{20, time.Hour}),
			CodeAccount:    l.limit("KABINET_LIMIT_CODE_ACCOUNT", Limit{10, 15 * time.Minute}),
			CodeIP:         l.limit("KABINET_LIMIT_CODE_IP", Limit{50, 15 * time.Minute}),
		},
	}
}

// limit reads "N/duration", e.g. "10/15m".
func (l *loader) limit(key string, def Limit) Limit {
	v := strings.TrimSpace(l.getenv(key))
	if v == "" {
		return def
	}
	n, d, ok := strings.Cut(v, "/")
	max, err1 := strconv.Atoi(strings.TrimSpace(n))
	period, err2 := time.ParseDuration(strings.TrimSpace(d))
	if !ok || err1 != nil || err2 != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not a limit such as 10/15m (attempts/period)", key, v))
		return def
	}
	return Limit{Max: max, Period: period}
}

func (s Security) validate(bad func(format string, a ...any)) {
	if s.RefreshReuseGrace < 0 || s.RefreshReuseGrace > time.Minute {
		bad("KABINET_REFRESH_REUSE_GRACE must be between 0s and 1m")
	}
	if u, err := url.Parse(strings.Replace(s.PasswordResetURL, "{token}", "t", 1)); err != nil ||
		(u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.Contains(s.PasswordResetURL, "{token}") {
		bad("KABINET_PASSWORD_RESET_URL must be an absolute http(s) URL containing {token}")
	}
	if s.PasswordResetTTL < 5*time.Minute || s.PasswordResetTTL > 7*24*time.Hour {
		bad("KABINET_PASSWORD_RESET_TTL must be between 5m and 168h")
	}
	if s.ResetCodeTTL < time.Minute || s.ResetCodeTTL > time.Hour {
		bad("KABINET_PASSWORD_RESET_CODE_TTL must be between 1m and 1h")
	}
	if s.RecoveryResponseFloor < 0 || s.RecoveryResponseFloor > 5*time.Second {
		bad("KABINET_RECOVERY_RESPONSE_FLOOR must be between 0s and 5s")
	}
	for _, l := range []struct {
		name string
		Limit
	}{
		{"KABINET_LIMIT_LOGIN_ACCOUNT", s.Limits.LoginAccount}, {"KABINET_LIMIT_LOGIN_IP", s.Limits.LoginIP},
		{"KABINET_LIMIT_RECOVERY_TARGET", s.Limits.RecoveryTarget}, {"KABINET_LIMIT_RECOVERY_IP", s.Limits.RecoveryIP},
		{"KABINET_LIMIT_CODE_ACCOUNT", s.Limits.CodeAccount}, {"KABINET_LIMIT_CODE_IP", s.Limits.CodeIP},
	} {
		// The limiter counts whole seconds.
		if l.Max < 1 || l.Period < time.Second || l.Period%time.Second != 0 {
			bad("%s must allow at least 1 attempt per a whole number of seconds (e.g. 10/15m), got %s", l.name, l.Limit)
		}
	}
}
