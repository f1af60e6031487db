// Package config loads Kabinet's settings from environment variables.
//
// Every setting has a default that suits local development; Validate refuses
// combinations that would be unsafe in production.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Environment names.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config is the whole configuration of one Kabinet process.
type Config struct {
	Env             string // development or production
	HTTPAddr        string
	LogLevel        string
	LogFormat       string // json or text
	DatabaseURL     string
	DBMaxConns      int32
	ShutdownTimeout time.Duration
	BodyLimit       string // Echo size syntax, e.g. 1M
	CORSOrigins     []string
	// TrustProxyHeaders takes the client address from X-Forwarded-For; set it
	// only behind a proxy that overwrites that header.
	TrustProxyHeaders bool
	PublicURL         string // used as the JWT issuer

	JWTPrivateKeyFile  string // PEM, PKCS#8 Ed25519
	JWTPrivateKey      string // PEM content; wins over the file
	AccessTokenTTL     time.Duration
	RefreshTTL         time.Duration // refresh token without "remember me"
	RefreshRememberTTL time.Duration

	Argon2 Argon2Params
	// MaxConcurrentHashes bounds simultaneous argon2id computations, so a burst
	// of sign-ins cannot exhaust memory (each takes Argon2.MemoryKiB).
	MaxConcurrentHashes int

	Password PasswordPolicy

	PhoneDefaultRegion string // ISO 3166 region for numbers without a +country code

	Security Security // sessions, recovery, brute-force limits (security.go)
}

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
}

// Load reads the configuration through getenv (os.Getenv in production,
// a map in tests).
func Load(getenv func(string) string) (Config, error) {
	l := loader{getenv: getenv}
	c := Config{
		Env:                l.str("KABINET_ENV", EnvDevelopment),
		HTTPAddr:           l.str("KABINET_HTTP_ADDR", "127.0.0.1:8080"),
		LogLevel:           l.str("KABINET_LOG_LEVEL", "info"),
		LogFormat:          l.str("KABINET_LOG_FORMAT", "json"),
		DatabaseURL:        l.str("DATABASE_URL", ""),
		DBMaxConns:         int32(l.int("KABINET_DB_MAX_CONNS", 20)),
		ShutdownTimeout:    l.dur("KABINET_SHUTDOWN_TIMEOUT", 15*time.Second),
		BodyLimit:          l.str("KABINET_BODY_LIMIT", "1M"),
		CORSOrigins:        l.list("KABINET_CORS_ORIGINS", []string{"http://localhost:3000", "http://localhost:5173"}),
		TrustProxyHeaders:  l.bool("KABINET_TRUST_PROXY_HEADERS", false),
		PublicURL:          strings.TrimRight(l.str("KABINET_PUBLIC_URL", "http://127.0.0.1:8080"), "/"),
		JWTPrivateKeyFile:  l.str("KABINET_JWT_PRIVATE_KEY_FILE", ""),
		JWTPrivateKey:      l.str("KABINET_JWT_PRIVATE_KEY", ""),
		AccessTokenTTL:     l.dur("KABINET_ACCESS_TOKEN_TTL", 15*time.Minute),
		RefreshTTL:         l.dur("KABINET_REFRESH_TOKEN_TTL", 24*time.Hour),
		RefreshRememberTTL: l.dur("KABINET_REFRESH_TOKEN_REMEMBER_TTL", 30*24*time.Hour),
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
		},
		PhoneDefaultRegion: strings.ToUpper(l.str("KABINET_PHONE_DEFAULT_REGION", "RU")),
	}
	c.Security = l.security(c.PublicURL)
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
	if len(c.PhoneDefaultRegion) != 2 {
		bad("KABINET_PHONE_DEFAULT_REGION must be a two-letter region code")
	}
	c.Security.validate(bad)
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
