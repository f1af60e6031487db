package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Runtime holds settings of the Go runtime, the token cache and diagnostics.
type Runtime struct {
	// MemoryLimit is the Go runtime's soft memory limit in bytes
	// (debug.SetMemoryLimit): MemoryLimitAuto derives it from the container
	// (see cmd/kabinet), MemoryLimitOff sets none.
	MemoryLimit int64
	// TokenCacheSize bounds the cache of verified access tokens (0: none).
	TokenCacheSize int
	// ReleaseStartupPages unmaps, once the server is ready, the pages of
	// the executable that start-up touched (cmd/kabinet, pages_linux.go):
	// the page cache keeps them and whatever serving needs maps again.
	ReleaseStartupPages bool
	// DebugAddr, when set, serves net/http/pprof on this loopback address
	// (a separate listener, never on the API port).
	DebugAddr string
}

// Special values of Runtime.MemoryLimit.
const (
	MemoryLimitAuto int64 = -1
	MemoryLimitOff  int64 = 0
)

// MinMemoryLimit is the least soft memory limit that leaves the configured
// concurrent argon2id hashes room beside the rest of the server.
func (c Config) MinMemoryLimit() int64 {
	return 32<<20 + int64(c.MaxConcurrentHashes)*int64(c.Argon2.MemoryKiB)<<10
}

func (l *loader) runtime() Runtime {
	return Runtime{
		MemoryLimit:    l.memoryLimit("KABINET_MEMORY_LIMIT"),
		TokenCacheSize: l.int("KABINET_TOKEN_CACHE_SIZE", 10000),
		DebugAddr:      l.str("KABINET_DEBUG_ADDR", ""),

		ReleaseStartupPages: l.bool("KABINET_RELEASE_STARTUP_PAGES", true),
	}
}

func (c Config) validateRuntime(bad func(string, ...any)) {
	r := c.Runtime
	if r.MemoryLimit > 0 && r.MemoryLimit < c.MinMemoryLimit() {
		bad("KABINET_MEMORY_LIMIT must be at least %dMiB: 32MiB plus KABINET_MAX_CONCURRENT_HASHES × KABINET_ARGON2_MEMORY_KIB for the password hashes",
			c.MinMemoryLimit()>>20)
	}
	if r.TokenCacheSize < 0 {
		bad("KABINET_TOKEN_CACHE_SIZE must not be negative (0 turns the cache off)")
	}
	if r.DebugAddr != "" && !isLoopbackAddr(r.DebugAddr) {
		bad("KABINET_DEBUG_ADDR must be a loopback host:port (127.0.0.1:6060), got %q: profiles expose the process's memory", r.DebugAddr)
	}
}

// memoryLimit reads "auto", "off" (or 0), or a size: a whole number of bytes
// with an optional unit B, K/KiB, M/MiB, G/GiB (powers of 1024).
func (l *loader) memoryLimit(key string) int64 {
	v := strings.TrimSpace(l.getenv(key))
	switch strings.ToLower(v) {
	case "", "auto":
		return MemoryLimitAuto
	case "off", "0":
		return MemoryLimitOff
	}
	n, err := ParseSize(v)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %w", key, err))
		return MemoryLimitAuto
	}
	return n
}

// ParseSize reads a byte size such as 512MiB, 1G or 67108864.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || i == 0 {
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 1GiB", s)
	}
	var shift uint
	switch strings.ToLower(strings.TrimSpace(s[i:])) {
	case "", "b":
	case "k", "kb", "kib":
		shift = 10
	case "m", "mb", "mib":
		shift = 20
	case "g", "gb", "gib":
		shift = 30
	default:
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 1GiB", s)
	}
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n << shift, nil
}

// isLoopbackAddr reports whether addr is host:port with a loopback host.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
