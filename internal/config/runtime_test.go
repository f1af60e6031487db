package config

import (
	"strings"
	"testing"
)

func TestRuntimeSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Runtime.MemoryLimit != MemoryLimitAuto || c.Runtime.TokenCacheSize != 10000 || c.Runtime.DebugAddr != "" {
		t.Fatalf("defaults: %+v", c.Runtime)
	}
	if got := c.MinMemoryLimit(); got != 32<<20+4*19456<<10 {
		t.Fatalf("MinMemoryLimit = %d", got)
	}
	for in, want := range map[string]int64{
		"auto": MemoryLimitAuto, "off": MemoryLimitOff, "0": MemoryLimitOff, "OFF": MemoryLimitOff,
		"512MiB": 512 << 20, "1G": 1 << 30, "2gib": 2 << 30, "200000000": 200000000, "150 MiB": 150 << 20,
	} {
		c, err := Load(env(map[string]string{"KABINET_MEMORY_LIMIT": in}))
		if err != nil || c.Runtime.MemoryLimit != want {
			t.Errorf("KABINET_MEMORY_LIMIT=%q: %d, %v; want %d", in, c.Runtime.MemoryLimit, err, want)
		}
	}
	for _, bad := range []string{"lots", "12TB", "-5MiB", "MiB", "99999999999999999999"} {
		if _, err := Load(env(map[string]string{"KABINET_MEMORY_LIMIT": bad})); err == nil || !strings.Contains(err.Error(), "KABINET_MEMORY_LIMIT") {
			t.Errorf("KABINET_MEMORY_LIMIT=%q accepted (%v)", bad, err)
		}
	}
	for name, vars := range map[string]map[string]string{
		"limit below the hashes": {"KABINET_MEMORY_LIMIT": "64MiB"},
		"negative cache":         {"KABINET_TOKEN_CACHE_SIZE": "-1"},
		"debug on all addresses": {"KABINET_DEBUG_ADDR": "0.0.0.0:6060"},
		"debug without a port":   {"KABINET_DEBUG_ADDR": "127.0.0.1"},
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
	for _, ok := range []map[string]string{
		{"KABINET_MEMORY_LIMIT": "128MiB"}, {"KABINET_TOKEN_CACHE_SIZE": "0"},
		{"KABINET_DEBUG_ADDR": "127.0.0.1:6060"}, {"KABINET_DEBUG_ADDR": "localhost:6060"}, {"KABINET_DEBUG_ADDR": "[::1]:6060"},
	} {
		ok["DATABASE_URL"] = "x"
		c, _ := Load(env(ok))
		if err := c.Validate(); err != nil {
			t.Errorf("%v refused: %v", ok, err)
		}
	}
}
