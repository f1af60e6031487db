package config

import (
	"net"
)

// Runtime holds settings of the Go runtime and of diagnostics.
type Runtime struct {
	// DebugAddr, when set, serves net/http/pprof on this loopback address
	// (a separate listener, never on the API port).
	DebugAddr string
}

func (l *loader) runtime() Runtime {
	return Runtime{
		DebugAddr: l.str("KABINET_DEBUG_ADDR", ""),
	}
}

func (r Runtime) validate(bad func(string, ...any)) {
	if r.DebugAddr != "" && !isLoopbackAddr(r.DebugAddr) {
		bad("KABINET_DEBUG_ADDR must be a loopback host:port (127.0.0.1:6060), got %q: profiles expose the process's memory", r.DebugAddr)
	}
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
