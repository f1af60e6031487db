package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Client authentication methods at a provider's token endpoint (OpenID
// Connect Core, section 9).
const (
	TokenAuthBasic = "client_secret_basic"
	TokenAuthPost  = "client_secret_post"
	TokenAuthNone  = "none"
)

// SSOConfig configures sign-in through external OpenID Connect providers.
type SSOConfig struct {
	Providers []SSOProvider
	// RedirectURIs are the SPA pages a provider may send the browser back
	// to; a start request must name one of them exactly.
	RedirectURIs []string
	// StateTTL is how long a started sign-in may take to come back.
	StateTTL time.Duration
}

// SSOProvider is one OpenID Connect provider.
type SSOProvider struct {
	Name            string // in URLs: /auth/sso/{name}/start
	DisplayName     string // for the SPA's button
	Issuer          string // discovery at <Issuer>/.well-known/openid-configuration
	ClientID        string
	ClientSecret    string
	Scopes          []string
	TokenAuthMethod string // client_secret_basic, client_secret_post or none
}

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// ssoEnvPrefix is the prefix of a provider's variables: "esia" →
// KABINET_SSO_ESIA_, "my-idp" → KABINET_SSO_MY_IDP_.
func ssoEnvPrefix(name string) string {
	return "KABINET_SSO_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
}

// sso reads KABINET_SSO_PROVIDERS (a comma-separated list of names) and,
// for each name, its own KABINET_SSO_<NAME>_* variables, so that a secret can
// come from a secret store without touching the rest.
func (l *loader) sso() SSOConfig {
	c := SSOConfig{
		RedirectURIs: l.list("KABINET_SSO_REDIRECT_URIS", nil),
		StateTTL:     l.dur("KABINET_SSO_STATE_TTL", 10*time.Minute),
	}
	for _, name := range l.list("KABINET_SSO_PROVIDERS", nil) {
		p := ssoEnvPrefix(name)
		c.Providers = append(c.Providers, SSOProvider{
			Name:            name,
			DisplayName:     l.str(p+"DISPLAY_NAME", name),
			Issuer:          l.str(p+"ISSUER", ""),
			ClientID:        l.str(p+"CLIENT_ID", ""),
			ClientSecret:    l.str(p+"CLIENT_SECRET", ""),
			Scopes:          strings.Fields(strings.ReplaceAll(l.str(p+"SCOPES", "openid email profile"), ",", " ")),
			TokenAuthMethod: l.str(p+"TOKEN_AUTH_METHOD", TokenAuthBasic),
		})
	}
	return c
}

// validate reports every unusable SSO setting, naming its variable.
func (c SSOConfig) validate(production bool, bad func(format string, a ...any)) {
	if len(c.Providers) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, p := range c.Providers {
		v := ssoEnvPrefix(p.Name)
		if !providerName.MatchString(p.Name) {
			bad("KABINET_SSO_PROVIDERS: %q is not a provider name (a-z, 0-9 and '-', at most 32)", p.Name)
			continue
		}
		if seen[p.Name] {
			bad("KABINET_SSO_PROVIDERS: %q is listed twice", p.Name)
		}
		seen[p.Name] = true
		if err := checkURL(p.Issuer, production); err != nil {
			bad("%sISSUER: %v", v, err)
		}
		if p.ClientID == "" {
			bad("%sCLIENT_ID is required", v)
		}
		switch p.TokenAuthMethod {
		case TokenAuthBasic, TokenAuthPost:
			if p.ClientSecret == "" {
				bad("%sCLIENT_SECRET is required with %s", v, p.TokenAuthMethod)
			}
		case TokenAuthNone:
		default:
			bad("%sTOKEN_AUTH_METHOD must be %s, %s or %s", v, TokenAuthBasic, TokenAuthPost, TokenAuthNone)
		}
		if !slices.Contains(p.Scopes, "openid") {
			bad("%sSCOPES must include openid", v)
		}
	}
	if len(c.RedirectURIs) == 0 {
		bad("KABINET_SSO_REDIRECT_URIS is required when KABINET_SSO_PROVIDERS is set")
	}
	for _, u := range c.RedirectURIs {
		if err := checkURL(u, production); err != nil {
			bad("KABINET_SSO_REDIRECT_URIS: %q: %v", u, err)
		}
	}
	if c.StateTTL < time.Minute || c.StateTTL > time.Hour {
		bad("KABINET_SSO_STATE_TTL must be between 1m and 1h")
	}
}

// checkURL accepts absolute http(s) URLs without a fragment; production
// requires https.
func checkURL(s string, production bool) error {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return fmt.Errorf("is required")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	case u.Fragment != "":
		return fmt.Errorf("%q must not have a fragment", s)
	case production && u.Scheme != "https":
		return fmt.Errorf("%q must use https in production", s)
	}
	return nil
}
