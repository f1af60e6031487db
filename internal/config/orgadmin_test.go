package config

import (
	"strings"
	"testing"
	"time"
)

func TestInvitationAndInitialPasswordSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.InvitationTTL != 24*time.Hour || c.InitialPasswordTTL != 30*24*time.Hour || !strings.Contains(c.InvitationURL, "{token}") {
		t.Fatalf("defaults: %v %v %q", c.InvitationTTL, c.InitialPasswordTTL, c.InvitationURL)
	}
	c, err = Load(env(map[string]string{
		"DATABASE_URL": "x", "KABINET_INVITATION_TTL": "48h", "KABINET_INITIAL_PASSWORD_TTL": "168h",
		"KABINET_INVITATION_URL": "https://lk.example.org/join?t={token}",
	}))
	if err != nil || c.Validate() != nil || c.InvitationTTL != 48*time.Hour || c.InitialPasswordTTL != 168*time.Hour || c.InvitationURL != "https://lk.example.org/join?t={token}" {
		t.Fatalf("custom settings: %+v %v", c, err)
	}
	for name, vars := range map[string]map[string]string{
		"no token in the URL":     {"KABINET_INVITATION_URL": "https://lk.example.org/join"},
		"not an http URL":         {"KABINET_INVITATION_URL": "javascript:alert('{token}')"},
		"invitation TTL too long": {"KABINET_INVITATION_TTL": "2000h"},
		"initial TTL too short":   {"KABINET_INITIAL_PASSWORD_TTL": "10m"},
	} {
		vars["DATABASE_URL"] = "x"
		c, err := Load(env(vars))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Validate() == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
	if _, err := Load(env(map[string]string{"KABINET_INITIAL_PASSWORD_TTL": "a month"})); err == nil || !strings.Contains(err.Error(), "KABINET_INITIAL_PASSWORD_TTL") {
		t.Errorf("a bad duration: %v", err)
	}
}
