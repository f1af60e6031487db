package config

import (
	"strings"
	"testing"
	"time"
)

func TestSecurityDefaultsAndLimits(t *testing.T) {
	c, err := Load(env(map[string]string{
		"DATABASE_URL":                "x",
		"KABINET_PUBLIC_URL":          "https://kabinet.example.org/",
		"KABINET_LIMIT_LOGIN_ACCOUNT": " 3 / 2s ",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.Security
	if s.PasswordResetURL != "https://kabinet.example.org/reset-password#token={token}" ||
		s.RefreshReuseGrace != 10*time.Second || s.PasswordResetTTL != 24*time.Hour {
		t.Errorf("unexpected defaults: %+v", s)
	}
	if s.Limits.LoginAccount != (Limit{3, 2 * time.Second}) || s.Limits.LoginIP != (Limit{100, 15 * time.Minute}) {
		t.Errorf("limits = %+v", s.Limits)
	}
}

func TestSecurityRefusesBadSettings(t *testing.T) {
	_, err := Load(env(map[string]string{"KABINET_LIMIT_LOGIN_IP": "ten per minute", "KABINET_LIMIT_CODE_IP": "5"}))
	for _, want := range []string{"KABINET_LIMIT_LOGIN_IP", "KABINET_LIMIT_CODE_IP"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	for name, vars := range map[string]map[string]string{
		"zero attempts":        {"KABINET_LIMIT_LOGIN_ACCOUNT": "0/15m"},
		"sub-second period":    {"KABINET_LIMIT_RECOVERY_IP": "5/500ms"},
		"reset URL no token":   {"KABINET_PASSWORD_RESET_URL": "https://spa.example.org/reset"},
		"reset URL relative":   {"KABINET_PASSWORD_RESET_URL": "/reset?token={token}"},
		"grace too long":       {"KABINET_REFRESH_REUSE_GRACE": "5m"},
		"reset link too short": {"KABINET_PASSWORD_RESET_TTL": "1m"},
	} {
		vars["DATABASE_URL"] = "x"
		c, err := Load(env(vars))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}
