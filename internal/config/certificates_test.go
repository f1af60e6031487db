package config

import (
	"testing"
	"time"
)

func TestCertificateSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	want := CertificateSettings{ChallengeTTL: 2 * time.Minute, ExpiryWarning: 30 * 24 * time.Hour, MaxPerUser: 10, RatePerMinute: 30}
	if c.Certificates != want {
		t.Fatalf("defaults %+v, want %+v", c.Certificates, want)
	}
	for name, vars := range map[string]map[string]string{
		"challenge too short": {"KABINET_CERT_CHALLENGE_TTL": "1s"},
		"challenge too long":  {"KABINET_CERT_CHALLENGE_TTL": "1h"},
		"negative warning":    {"KABINET_CERT_EXPIRY_WARNING": "-1h"},
		"no certificates":     {"KABINET_CERT_MAX_PER_USER": "0"},
		"no sign-in attempts": {"KABINET_CERT_RATE_PER_MINUTE": "0"},
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
}
