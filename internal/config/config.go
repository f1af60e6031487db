// Package config loads Kabinet's settings from environment variables.
//
// Every setting has a default that suits local development; Validate refuses
// combinations that would be unsafe in production.
package config

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Environment names.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// DefaultDBMaxConns is the API's pool size when KABINET_DB_MAX_CONNS is
// unset: two connections per CPU of this process plus two, at least 6 (the
// job workers have a pool of their own, JobsDBConns). PostgreSQL does best with a few active
// connections per core; more, on the same cores, only queue inside it:
// on the 2-core bench machine a pool of 20 made GET /me's p99 2–2.5× the
// bare-stack ceiling's, a pool of 4–6 about 1× (README, "Benchmarks").
func DefaultDBMaxConns() int { return max(6, 2*runtime.GOMAXPROCS(0)+2) }

// JobsDBConns is the size of the job workers' own pool: one connection for
// each job that may run at once (KABINET_JOBS_CONCURRENCY and
// KABINET_OUTBOX_CONCURRENCY) and two for River's fetching, completing and
// listening. A burst of jobs then never takes the API's connections, nor
// the API the jobs'.
func (c Config) JobsDBConns() int32 { return int32(c.Jobs.Concurrency + c.Outbox.Concurrency + 2) }

// Config is the whole configuration of one Kabinet process.
type Config struct {
	Env             string // development or production
	HTTPAddr        string
	LogLevel        string
	LogFormat       string // json or text
	DatabaseURL     string
	DBMaxConns      int32
	ShutdownTimeout time.Duration
	// JanitorInterval is how often the janitor's periodic job, run by one
	// working process, deletes rows that can no longer matter (old
	// counters, spent codes, long-ended sessions, old outbox messages).
	JanitorInterval time.Duration
	BodyLimit       string // Echo size syntax, e.g. 1M
	CORSOrigins     []string
	// TrustProxyHeaders takes the client address from X-Forwarded-For; set it
	// only behind a proxy that overwrites that header.
	TrustProxyHeaders bool
	PublicURL         string // used as the JWT issuer

	JWTPrivateKeyFile string // PEM, PKCS#8 Ed25519
	JWTPrivateKey     string // PEM content; wins over the file
	// JWTPreviousKeysFile holds earlier public keys (PEM) whose tokens are
	// still accepted, for a key rotation without signing anybody out.
	JWTPreviousKeysFile string
	AccessTokenTTL      time.Duration
	RefreshTTL          time.Duration // refresh token without "remember me"
	RefreshRememberTTL  time.Duration

	Argon2 Argon2Params
	// MaxConcurrentHashes bounds simultaneous argon2id computations, so a burst
	// of sign-ins cannot exhaust memory (each takes Argon2.MemoryKiB).
	MaxConcurrentHashes int

	Password PasswordPolicy

	PhoneDefaultRegion string // ISO 3166 region for numbers without a +country code

	TOTP TOTPConfig
	// Delivery of the outbox (see delivery.go).
	SMTP         SMTP
	SMS          SMS
	Outbox       Outbox
	Jobs         Jobs     // background jobs on River (jobs.go)
	Payments     Payments // online payment and reconciliation (payments.go)
	Operator     Operator // platform operators' credentials (jobs.go)
	Blob         Blob     // file storage: logos, covers (blob.go)
	Certificates CertificateSettings
	SSO          SSOConfig // sign-in through OpenID Connect providers (sso.go)
	// Notifications: the live stream, pushes, mailings (notifications.go).
	Notifications Notifications
	// CaptchaVerifyURL, when set, makes registration require a captcha token
	// checked at this siteverify endpoint (Turnstile, hCaptcha, reCAPTCHA)
	// with CaptchaSecret.
	CaptchaVerifyURL string
	CaptchaSecret    string
	// Staff invitations and initial passwords (organization administration).
	InvitationTTL      time.Duration // how long an invitation link works
	InvitationURL      string        // the SPA page that accepts an invitation; {token} is replaced
	InitialPasswordTTL time.Duration // how long an issued initial password may be used before it must have been changed
	Security           Security      // sessions, recovery, brute-force limits (security.go)
	// SupportSLA is how long an open ticket may wait for staff before the
	// SLA report counts it overdue.
	SupportSLA time.Duration
	Enrollment Enrollment // applications to groups (enrollment.go)
	Runtime    Runtime    // memory limit, token cache, diagnostics (runtime.go)
	// Completion documents and their credentials (completion.go).
	Completion Completion
	Documents  Documents // the document archive (documents.go)
}

// CertificateSettings tune certificate sign-in (electronic signature).
type CertificateSettings struct {
	ChallengeTTL  time.Duration // how long a challenge may be signed and sent back
	ExpiryWarning time.Duration // warn this long before a bound certificate expires
	MaxPerUser    int           // certificates one account may bind
	// RatePerMinute bounds challenge requests and sign-in attempts, each,
	// per client IP.
	RatePerMinute int
}

// TOTPConfig configures the TOTP second factor.
type TOTPConfig struct {
	Issuer string // the name authenticator apps show next to the account
	// EncryptionKey is the AES-256 key that seals authenticator secrets at
	// rest; DefaultKey is true when it is the public development key.
	EncryptionKey []byte
	DefaultKey    bool
}

// devTOTPKeySeed derives the development TOTP encryption key. It is public
// (it is in the source), so Validate refuses it in production.
const devTOTPKeySeed = "kabinet development TOTP encryption key; not secret"

// Argon2Params are the argon2id cost parameters for new password hashes.
type Argon2Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
}

// PasswordPolicy is the configurable password policy.
type PasswordPolicy struct {
	MinLength        int
	MaxLength        int
	RequireLower     bool
	RequireUpper     bool
	RequireDigit     bool
	MaxRepeated      int  // longest allowed run of one character; 0 disables
	ForbidIdentifier bool // the password may not equal the e-mail or phone
	// ForbidCommon refuses the most used passwords and small variations of
	// them (zxcvbn's list); MinStrength, when above 0, also requires that
	// zxcvbn's strength score (0–4) reach it.
	ForbidCommon bool
	MinStrength  int
}

// Load reads the configuration through getenv (os.Getenv in production,
// a map in tests).
func Load(getenv func(string) string) (Config, error) {
	l := loader{getenv: getenv}
	c := Config{
		Env:                 l.str("KABINET_ENV", EnvDevelopment),
		HTTPAddr:            l.str("KABINET_HTTP_ADDR", "127.0.0.1:8080"),
		LogLevel:            l.str("KABINET_LOG_LEVEL", "info"),
		LogFormat:           l.str("KABINET_LOG_FORMAT", "json"),
		DatabaseURL:         l.str("DATABASE_URL", ""),
		DBMaxConns:          int32(l.int("KABINET_DB_MAX_CONNS", DefaultDBMaxConns())),
		JanitorInterval:     l.dur("KABINET_JANITOR_INTERVAL", time.Hour),
		ShutdownTimeout:     l.dur("KABINET_SHUTDOWN_TIMEOUT", 15*time.Second),
		BodyLimit:           l.str("KABINET_BODY_LIMIT", "1M"),
		CORSOrigins:         l.list("KABINET_CORS_ORIGINS", []string{"http://localhost:3000", "http://localhost:5173"}),
		TrustProxyHeaders:   l.bool("KABINET_TRUST_PROXY_HEADERS", false),
		PublicURL:           strings.TrimRight(l.str("KABINET_PUBLIC_URL", "http://127.0.0.1:8080"), "/"),
		JWTPrivateKeyFile:   l.str("KABINET_JWT_PRIVATE_KEY_FILE", ""),
		JWTPrivateKey:       l.str("KABINET_JWT_PRIVATE_KEY", ""),
		JWTPreviousKeysFile: l.str("KABINET_JWT_PREVIOUS_KEYS_FILE", ""),
		AccessTokenTTL:      l.dur("KABINET_ACCESS_TOKEN_TTL", 15*time.Minute),
		RefreshTTL:          l.dur("KABINET_REFRESH_TOKEN_TTL", 24*time.Hour),
		RefreshRememberTTL:  l.dur("KABINET_REFRESH_TOKEN_REMEMBER_TTL", 30*24*time.Hour),
		Argon2: Argon2Params{
			MemoryKiB:   uint32(l.int("KABINET_ARGON2_MEMORY_KIB", 19456)),
			Iterations:  uint32(l.int("KABINET_ARGON2_ITERATIONS", 2)),
			Parallelism: uint8(l.int("KABINET_ARGON2_PARALLELISM", 1)),
		},
		MaxConcurrentHashes: l.int("KABINET_MAX_CONCURRENT_HASHES", 4),
		Password: PasswordPolicy{
			MinLength:        l.int("KABINET_PASSWORD_MIN_LENGTH", 8),
			MaxLength:        l.int("KABINET_PASSWORD_MAX_LENGTH", 256),
			RequireLower:     l.bool("KABINET_PASSWORD_REQUIRE_LOWER", true),
			RequireUpper:     l.bool("KABINET_PASSWORD_REQUIRE_UPPER", true),
			RequireDigit:     l.bool("KABINET_PASSWORD_REQUIRE_DIGIT", true),
			MaxRepeated:      l.int("KABINET_PASSWORD_MAX_REPEATED", 3),
			ForbidIdentifier: l.bool("KABINET_PASSWORD_FORBID_IDENTIFIER", true),
			ForbidCommon:     l.bool("KABINET_PASSWORD_FORBID_COMMON", true),
			MinStrength:      l.int("KABINET_PASSWORD_MIN_STRENGTH", 0),
		},
		PhoneDefaultRegion: strings.ToUpper(l.str("KABINET_PHONE_DEFAULT_REGION", "RU")),
		Certificates: CertificateSettings{
			ChallengeTTL:  l.dur("KABINET_CERT_CHALLENGE_TTL", 2*time.Minute),
			ExpiryWarning: l.dur("KABINET_CERT_EXPIRY_WARNING", 30*24*time.Hour),
			MaxPerUser:    l.int("KABINET_CERT_MAX_PER_USER", 10),
			RatePerMinute: l.int("KABINET_CERT_RATE_PER_MINUTE", 30),
		},
		TOTP: TOTPConfig{
			Issuer:        l.str("KABINET_TOTP_ISSUER", "Kabinet"),
			EncryptionKey: l.key32("KABINET_TOTP_ENCRYPTION_KEY"),
		},
		CaptchaVerifyURL:   l.str("KABINET_CAPTCHA_VERIFY_URL", ""),
		CaptchaSecret:      l.str("KABINET_CAPTCHA_SECRET", ""),
		InvitationTTL:      l.dur("KABINET_INVITATION_TTL", 24*time.Hour),
		InvitationURL:      l.str("KABINET_INVITATION_URL", "http://localhost:5173/invitation?token={token}"),
		InitialPasswordTTL: l.dur("KABINET_INITIAL_PASSWORD_TTL", 30*24*time.Hour),
		SupportSLA:         l.dur("KABINET_SUPPORT_SLA", 24*time.Hour),
	}
	if c.TOTP.EncryptionKey == nil {
		sum := sha256.Sum256([]byte(devTOTPKeySeed))
		c.TOTP.EncryptionKey, c.TOTP.DefaultKey = sum[:], true
	}
	loadDelivery(&l, &c)
	loadJobs(&l, &c)
	loadBlob(&l, &c)
	loadPayments(&l, &c)
	loadNotifications(&l, &c)
	c.SSO = l.sso()
	c.Security = l.security(c.PublicURL)
	c.Enrollment = l.enrollment()
	c.Runtime = l.runtime()
	c.Completion = l.completion(c.PublicURL)
	c.Documents = l.documents()
	if len(l.errs) > 0 {
		return Config{}, errors.Join(l.errs...)
	}
	return c, nil
}

// Validate reports settings that cannot work or are unsafe.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		bad("KABINET_ENV must be %q or %q, got %q", EnvDevelopment, EnvProduction, c.Env)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		bad("KABINET_LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.DatabaseURL == "" {
		bad("DATABASE_URL is required")
	}
	if c.JanitorInterval < time.Minute {
		bad("KABINET_JANITOR_INTERVAL must be at least 1m")
	}
	if c.DBMaxConns < 2 {
		bad("KABINET_DB_MAX_CONNS must be at least 2")
	}
	if c.Env == EnvProduction && c.JWTPrivateKey == "" && c.JWTPrivateKeyFile == "" {
		bad("KABINET_JWT_PRIVATE_KEY_FILE (or KABINET_JWT_PRIVATE_KEY) is required in production")
	}
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 24*time.Hour {
		bad("KABINET_ACCESS_TOKEN_TTL must be between 1m and 24h")
	}
	if c.RefreshTTL < c.AccessTokenTTL || c.RefreshRememberTTL < c.RefreshTTL {
		bad("refresh token lifetimes must satisfy access TTL <= KABINET_REFRESH_TOKEN_TTL <= KABINET_REFRESH_TOKEN_REMEMBER_TTL")
	}
	// OWASP's minimum for argon2id: m=19 MiB, t=2, p=1.
	if c.Argon2.MemoryKiB < 19456 || c.Argon2.Iterations < 2 || c.Argon2.Parallelism < 1 {
		bad("argon2id parameters are below OWASP's minimum (m=19456 KiB, t=2, p=1)")
	}
	if c.MaxConcurrentHashes < 1 {
		bad("KABINET_MAX_CONCURRENT_HASHES must be at least 1")
	}
	if c.Password.MinLength < 8 {
		bad("KABINET_PASSWORD_MIN_LENGTH must be at least 8")
	}
	if c.Password.MaxLength < 64 || c.Password.MaxLength > 1024 {
		bad("KABINET_PASSWORD_MAX_LENGTH must be between 64 and 1024")
	}
	if c.Password.MinStrength < 0 || c.Password.MinStrength > 4 {
		bad("KABINET_PASSWORD_MIN_STRENGTH must be between 0 (off) and 4")
	}
	if len(c.PhoneDefaultRegion) != 2 {
		bad("KABINET_PHONE_DEFAULT_REGION must be a two-letter region code")
	}
	c.validateDelivery(bad)
	c.validateJobs(bad)
	c.validateBlob(bad)
	c.validatePayments(bad)
	c.validateNotifications(bad)
	c.validateEnrollment(bad)
	c.validateCompletion(bad)
	c.validateDocuments(bad)
	if c.Certificates.ChallengeTTL < 10*time.Second || c.Certificates.ChallengeTTL > 10*time.Minute {
		bad("KABINET_CERT_CHALLENGE_TTL must be between 10s and 10m")
	}
	if c.Certificates.ExpiryWarning < 0 {
		bad("KABINET_CERT_EXPIRY_WARNING must not be negative")
	}
	if c.Certificates.MaxPerUser < 1 || c.Certificates.MaxPerUser > 100 {
		bad("KABINET_CERT_MAX_PER_USER must be between 1 and 100")
	}
	if c.Certificates.RatePerMinute < 1 {
		bad("KABINET_CERT_RATE_PER_MINUTE must be at least 1")
	}
	if c.Env == EnvProduction && c.TOTP.DefaultKey {
		bad("KABINET_TOTP_ENCRYPTION_KEY is required in production (32 random bytes in base64: openssl rand -base64 32)")
	}
	// The otpauth:// label is "issuer:account"; a colon would split it wrongly.
	if c.TOTP.Issuer == "" || len(c.TOTP.Issuer) > 64 || strings.Contains(c.TOTP.Issuer, ":") {
		bad("KABINET_TOTP_ISSUER must be 1 to 64 characters without a colon")
	}
	c.SSO.validate(c.Env == EnvProduction, bad)
	if c.CaptchaVerifyURL != "" {
		if u, err := url.Parse(c.CaptchaVerifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("KABINET_CAPTCHA_VERIFY_URL must be an http(s) URL, got %q", c.CaptchaVerifyURL)
		}
		if c.CaptchaSecret == "" {
			bad("KABINET_CAPTCHA_SECRET is required when KABINET_CAPTCHA_VERIFY_URL is set")
		}
	}
	if c.SupportSLA < time.Hour || c.SupportSLA > 30*24*time.Hour {
		bad("KABINET_SUPPORT_SLA must be between 1h and 720h")
	}
	if c.InvitationTTL < 5*time.Minute || c.InvitationTTL > 30*24*time.Hour {
		bad("KABINET_INVITATION_TTL must be between 5m and 720h")
	}
	if !strings.Contains(c.InvitationURL, "{token}") ||
		!(strings.HasPrefix(c.InvitationURL, "https://") || strings.HasPrefix(c.InvitationURL, "http://")) {
		bad("KABINET_INVITATION_URL must be an http(s) URL containing {token}")
	}
	if c.InitialPasswordTTL < time.Hour {
		bad("KABINET_INITIAL_PASSWORD_TTL must be at least 1h")
	}
	c.Security.validate(bad)
	c.validateRuntime(bad)
	return errors.Join(errs...)
}

type loader struct {
	getenv func(string) string
	errs   []error
}

func (l *loader) str(key, def string) string {
	if v := strings.TrimSpace(l.getenv(key)); v != "" {
		return v
	}
	return def
}

func (l *loader) int(key string, def int) int {
	v := l.getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not a whole number", key, v))
		return def
	}
	return n
}

func (l *loader) bool(key string, def bool) bool {
	v := l.getenv(key)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not true or false", key, v))
		return def
	}
	return b
}

func (l *loader) dur(key string, def time.Duration) time.Duration {
	v := l.getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not a duration such as 15m or 720h", key, v))
		return def
	}
	return d
}

// key32 reads 32 bytes written in base64 (standard or URL alphabet, padded
// or not); nil when the variable is unset.
func (l *loader) key32(key string) []byte {
	v := strings.TrimSpace(l.getenv(key))
	if v == "" {
		return nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && len(b) == 32 {
			return b
		}
	}
	l.errs = append(l.errs, fmt.Errorf("%s must be 32 bytes in base64 (openssl rand -base64 32)", key))
	return nil
}

func (l *loader) list(key string, def []string) []string {
	v := l.getenv(key)
	if v == "" {
		return def
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
