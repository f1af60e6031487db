package main

import (
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestApplyMemoryLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)

	cfg.Runtime.MemoryLimit = 200 << 20
	applyMemoryLimit(cfg, log)
	if got := debug.SetMemoryLimit(-1); got != 200<<20 {
		t.Fatalf("explicit limit: %d", got)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	cfg.Runtime.MemoryLimit = config.MemoryLimitOff
	applyMemoryLimit(cfg, log)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("off: %d", got)
	}

	cfg.Runtime.MemoryLimit = config.MemoryLimitAuto
	applyMemoryLimit(cfg, log)
	got := debug.SetMemoryLimit(-1)
	if c := containerMemoryLimit(); c > 0 {
		if got != c/10*9 {
			t.Fatalf("auto in a container of %d: %d", c, got)
		}
	} else if want := int64(64<<20 + cfg.MaxConcurrentHashes*int(cfg.Argon2.MemoryKiB)<<10); got != want {
		t.Fatalf("auto outside a container: %d, want %d", got, want)
	}
}
