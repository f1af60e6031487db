package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/kabinet-edu/kabinet/internal/config"
)

// applyMemoryLimit sets the Go runtime's soft memory limit, so that the heap
// is collected harder as it nears the memory the process may use instead of
// growing to twice the live heap (GOGC=100): a login storm, where every
// argon2id hash holds its own KABINET_ARGON2_MEMORY_KIB, then stays near the
// limit. GOMEMLIMIT, when set, wins (the runtime has applied it already).
//
// KABINET_MEMORY_LIMIT=auto (the default) takes 90% of the container's
// memory limit (cgroup v2 memory.max or v1 memory.limit_in_bytes), else,
// outside a container, 64 MiB plus the memory of the concurrent hashes.
func applyMemoryLimit(cfg config.Config, log *slog.Logger) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Info("memory limit from GOMEMLIMIT", "GOMEMLIMIT", v)
		return
	}
	limit, source := cfg.Runtime.MemoryLimit, "KABINET_MEMORY_LIMIT"
	switch limit {
	case config.MemoryLimitOff:
		return
	case config.MemoryLimitAuto:
		hashes := int64(cfg.MaxConcurrentHashes) * int64(cfg.Argon2.MemoryKiB) << 10
		if c := containerMemoryLimit(); c > 0 {
			limit, source = c/10*9, "90% of the container's limit"
			if limit < cfg.MinMemoryLimit() {
				log.Warn("the container's memory limit leaves little room for the password hashes; lower KABINET_MAX_CONCURRENT_HASHES or give the container more memory",
					"container_limit_mib", c>>20, "hashes_mib", hashes>>20)
			}
		} else {
			limit, source = 64<<20+hashes, "64 MiB + the concurrent argon2id hashes"
		}
	}
	debug.SetMemoryLimit(limit)
	log.Info("memory limit", "mib", limit>>20, "source", source)
}

// containerMemoryLimit is the memory limit of this process's cgroup in
// bytes, 0 when there is none.
func containerMemoryLimit() int64 {
	for _, path := range []string{
		"/sys/fs/cgroup/memory.max",                   // cgroup v2
		"/sys/fs/cgroup/memory/memory.limit_in_bytes", // cgroup v1
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(data))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		// v1 writes "no limit" as a huge number close to MaxInt64.
		if err != nil || n <= 0 || n >= 1<<60 {
			return 0
		}
		return n
	}
	return 0
}

// releaseStartupPages runs releaseExecutablePages once start-up is over,
// after the runtime has handed back its start-up heap (debug.FreeOSMemory).
func releaseStartupPages(cfg config.Config, log *slog.Logger) {
	debug.FreeOSMemory()
	if !cfg.Runtime.ReleaseStartupPages {
		return
	}
	n, err := releaseExecutablePages()
	if err != nil {
		log.Warn("could not release the executable's start-up pages; KABINET_RELEASE_STARTUP_PAGES=false skips this", "err", err)
		return
	}
	log.Debug("released the executable's start-up pages", "mib", n>>20)
}
