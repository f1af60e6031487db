package config

import "testing"

func TestProfileSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Password.ForbidCommon || c.Password.MinStrength != 0 || c.CaptchaVerifyURL != "" {
		t.Fatalf("defaults: common check %v, min strength %d, captcha %q; want on, 0, off",
			c.Password.ForbidCommon, c.Password.MinStrength, c.CaptchaVerifyURL)
	}
	for name, vars := range map[string]map[string]string{
		"strength above 4":     {"KABINET_PASSWORD_MIN_STRENGTH": "5"},
		"captcha without key":  {"KABINET_CAPTCHA_VERIFY_URL": "https://challenges.example/siteverify"},
		"captcha not a URL":    {"KABINET_CAPTCHA_VERIFY_URL": "siteverify", "KABINET_CAPTCHA_SECRET": "s"},
		"captcha wrong scheme": {"KABINET_CAPTCHA_VERIFY_URL": "ftp://x.example/v", "KABINET_CAPTCHA_SECRET": "s"},
		"negative strength":    {"KABINET_PASSWORD_MIN_STRENGTH": "-1"},
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
	c, err = Load(env(map[string]string{"DATABASE_URL": "x", "KABINET_PASSWORD_FORBID_COMMON": "false",
		"KABINET_CAPTCHA_VERIFY_URL": "https://challenges.example/siteverify", "KABINET_CAPTCHA_SECRET": "s"}))
	if err != nil || c.Validate() != nil || c.Password.ForbidCommon {
		t.Fatalf("common check off and captcha on: %v, %v, %v", err, c.Validate(), c.Password.ForbidCommon)
	}
}
