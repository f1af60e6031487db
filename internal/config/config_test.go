package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreValidWithADatabase(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.AccessTokenTTL != 15*time.Minute || c.RefreshRememberTTL != 720*time.Hour ||
		c.Argon2.MemoryKiB != 19456 || c.Password.MinLength != 8 || c.Password.MaxRepeated != 3 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadReportsEveryBadValue(t *testing.T) {
	_, err := Load(env(map[string]string{
		"KABINET_DB_MAX_CONNS":           "many",
		"KABINET_ACCESS_TOKEN_TTL":       "soon",
		"KABINET_PASSWORD_REQUIRE_UPPER": "perhaps",
		"KABINET_CORS_ORIGINS":           "https://a.example, https://b.example",
	}))
	for _, want := range []string{"KABINET_DB_MAX_CONNS", "KABINET_ACCESS_TOKEN_TTL", "KABINET_PASSWORD_REQUIRE_UPPER"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestValidateRefusesUnsafeSettings(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"no database":         {},
		"weak argon2":         {"DATABASE_URL": "x", "KABINET_ARGON2_MEMORY_KIB": "4096"},
		"short passwords":     {"DATABASE_URL": "x", "KABINET_PASSWORD_MIN_LENGTH": "6"},
		"production, no key":  {"DATABASE_URL": "x", "KABINET_ENV": "production"},
		"unknown environment": {"DATABASE_URL": "x", "KABINET_ENV": "staging"},
		"refresh < access":    {"DATABASE_URL": "x", "KABINET_REFRESH_TOKEN_TTL": "1m"},
		"bad log level":       {"DATABASE_URL": "x", "KABINET_LOG_LEVEL": "loud"},
		"bad phone region":    {"DATABASE_URL": "x", "KABINET_PHONE_DEFAULT_REGION": "RUS"},
	} {
		c, err := Load(env(vars))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Validate() == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
	c, _ := Load(env(map[string]string{"KABINET_CORS_ORIGINS": " https://a.example , ,https://b.example"}))
	if strings.Join(c.CORSOrigins, "|") != "https://a.example|https://b.example" {
		t.Errorf("CORS origins = %q", c.CORSOrigins)
	}
}

// productionEnv is a complete production configuration: every setting that
// production requires is present. Tests change one thing at a time.
func productionEnv() map[string]string {
	return map[string]string{
		"DATABASE_URL": "x", "KABINET_ENV": "production", "KABINET_JWT_PRIVATE_KEY_FILE": "/k.pem", "KABINET_CREDENTIAL_KEY_FILE": "/c.pem",
		"KABINET_SMTP_HOST": "smtp.example.org", "KABINET_SMTP_FROM": "no-reply@example.org",
		"KABINET_SMTP_USERNAME": "kabinet", "KABINET_SMTP_PASSWORD": "secret",
		"KABINET_SMS_GATEWAY_URL": "https://sms.ru", "KABINET_SMS_API_KEY": "key",
		"KABINET_TOTP_ENCRYPTION_KEY": "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w=",
		"KABINET_BLOB_URL":            "s3://kabinet-files?region=ru-central1&endpoint=https://storage.yandexcloud.net",
	}
}
