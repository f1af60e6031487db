package config

import (
	"bytes"
	"strings"
	"testing"
)

func TestTOTPSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.TOTP.Issuer != "Kabinet" || !c.TOTP.DefaultKey || len(c.TOTP.EncryptionKey) != 32 {
		t.Fatalf("TOTP defaults = %+v", c.TOTP)
	}
	key := "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w=" // 32 bytes
	for _, written := range []string{key, strings.TrimRight(key, "="), strings.NewReplacer("+", "-", "/", "_").Replace(key)} {
		vars := productionEnv()
		vars["KABINET_TOTP_ENCRYPTION_KEY"], vars["KABINET_TOTP_ISSUER"] = written, "Экстерн"
		c, err = Load(env(vars))
		if err != nil {
			t.Fatalf("%s: %v", written, err)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("production with a TOTP key: %v", err)
		}
		if c.TOTP.DefaultKey || c.TOTP.Issuer != "Экстерн" || bytes.Equal(c.TOTP.EncryptionKey, make([]byte, 32)) || len(c.TOTP.EncryptionKey) != 32 {
			t.Fatalf("TOTP = %+v", c.TOTP)
		}
	}

	for name, vars := range map[string]map[string]string{
		"short key":      {"KABINET_TOTP_ENCRYPTION_KEY": "c2hvcnQ="},
		"not base64 key": {"KABINET_TOTP_ENCRYPTION_KEY": "not a key at all!"},
	} {
		if _, err := Load(env(vars)); err == nil || !strings.Contains(err.Error(), "KABINET_TOTP_ENCRYPTION_KEY") {
			t.Errorf("%s: error %v does not name KABINET_TOTP_ENCRYPTION_KEY", name, err)
		}
	}
	for name, vars := range map[string]map[string]string{
		"production, default TOTP key": {"KABINET_ENV": "production", "KABINET_JWT_PRIVATE_KEY_FILE": "k.pem"},
		"issuer with a colon":          {"KABINET_TOTP_ISSUER": "Kabinet:prod"},
	} {
		vars["DATABASE_URL"] = "x"
		c, err := Load(env(vars))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "KABINET_TOTP_") {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}
