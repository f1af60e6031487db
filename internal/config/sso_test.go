package config

import (
	"strings"
	"testing"
	"time"
)

func TestSSOProvidersFromPerProviderVariables(t *testing.T) {
	c, err := Load(env(map[string]string{
		"DATABASE_URL":                           "x",
		"KABINET_SSO_PROVIDERS":                  "esia, corp-idp",
		"KABINET_SSO_REDIRECT_URIS":              "https://lk.example.org/sso/callback",
		"KABINET_SSO_ESIA_DISPLAY_NAME":          "Госуслуги",
		"KABINET_SSO_ESIA_ISSUER":                "https://esia.example.org/",
		"KABINET_SSO_ESIA_CLIENT_ID":             "KABINET01",
		"KABINET_SSO_ESIA_CLIENT_SECRET":         "s3cret",
		"KABINET_SSO_ESIA_SCOPES":                "openid,email mobile",
		"KABINET_SSO_CORP_IDP_ISSUER":            "https://idp.example.org",
		"KABINET_SSO_CORP_IDP_CLIENT_ID":         "kabinet",
		"KABINET_SSO_CORP_IDP_TOKEN_AUTH_METHOD": "none",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.SSO.Providers) != 2 || c.SSO.StateTTL != 10*time.Minute {
		t.Fatalf("SSO = %+v", c.SSO)
	}
	esia, corp := c.SSO.Providers[0], c.SSO.Providers[1]
	if esia.Name != "esia" || esia.DisplayName != "Госуслуги" || esia.TokenAuthMethod != TokenAuthBasic ||
		strings.Join(esia.Scopes, " ") != "openid email mobile" || esia.ClientSecret != "s3cret" {
		t.Errorf("esia = %+v", esia)
	}
	if corp.DisplayName != "corp-idp" || strings.Join(corp.Scopes, " ") != "openid email profile" || corp.TokenAuthMethod != TokenAuthNone {
		t.Errorf("corp-idp = %+v", corp)
	}
}

func TestSSOValidationNamesTheVariable(t *testing.T) {
	base := map[string]string{
		"DATABASE_URL":                   "x",
		"KABINET_SSO_PROVIDERS":          "esia",
		"KABINET_SSO_REDIRECT_URIS":      "https://lk.example.org/cb",
		"KABINET_SSO_ESIA_ISSUER":        "https://esia.example.org",
		"KABINET_SSO_ESIA_CLIENT_ID":     "id",
		"KABINET_SSO_ESIA_CLIENT_SECRET": "secret",
	}
	for name, tc := range map[string]struct{ set, want string }{
		"bad name":           {"KABINET_SSO_PROVIDERS=ESIA!", "KABINET_SSO_PROVIDERS"},
		"twice":              {"KABINET_SSO_PROVIDERS=esia,esia", "listed twice"},
		"no issuer":          {"KABINET_SSO_ESIA_ISSUER=", "KABINET_SSO_ESIA_ISSUER"},
		"relative issuer":    {"KABINET_SSO_ESIA_ISSUER=esia.example.org", "KABINET_SSO_ESIA_ISSUER"},
		"no client id":       {"KABINET_SSO_ESIA_CLIENT_ID=", "KABINET_SSO_ESIA_CLIENT_ID"},
		"no secret":          {"KABINET_SSO_ESIA_CLIENT_SECRET=", "KABINET_SSO_ESIA_CLIENT_SECRET"},
		"bad auth method":    {"KABINET_SSO_ESIA_TOKEN_AUTH_METHOD=private_key_jwt", "KABINET_SSO_ESIA_TOKEN_AUTH_METHOD"},
		"no openid scope":    {"KABINET_SSO_ESIA_SCOPES=email", "KABINET_SSO_ESIA_SCOPES"},
		"no redirect URIs":   {"KABINET_SSO_REDIRECT_URIS=", "KABINET_SSO_REDIRECT_URIS"},
		"redirect fragment":  {"KABINET_SSO_REDIRECT_URIS=https://lk.example.org/#/cb", "KABINET_SSO_REDIRECT_URIS"},
		"state TTL":          {"KABINET_SSO_STATE_TTL=2h", "KABINET_SSO_STATE_TTL"},
		"http in production": {"KABINET_ENV=production", "must use https"},
	} {
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		k, v, _ := strings.Cut(tc.set, "=")
		vars[k] = v
		if name == "http in production" {
			vars["KABINET_JWT_PRIVATE_KEY"] = "k"
			vars["KABINET_SSO_ESIA_ISSUER"] = "http://esia.example.org"
		}
		c, err := Load(env(vars))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want it to mention %s", name, err, tc.want)
		}
	}
}
