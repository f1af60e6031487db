// Package janitor deletes rows that can no longer matter: old rate-limit
// counters, spent one-time codes, long-ended sessions and expired sign-in
// challenges. It runs inside every `kabinet serve`; the statements are
// idempotent, so several instances may run it at once.
package janitor

import (
	"context"
	"log/slog"
	"time"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Sweep runs every purge once and returns how many rows each deleted.
func Sweep(ctx context.Context, q *db.Queries) (map[string]int64, error) {
	purges := []struct {
		name string
		run  func(context.Context) (int64, error)
	}{
		{"rate_limits", q.PurgeRateLimits},
		{"one_time_codes", q.PurgeOneTimeCodes},
		{"sessions", q.PurgeEndedSessions},
		{"second_factor_challenges", q.PurgeSecondFactorChallenges},
		{"certificate_challenges", q.PurgeCertificateChallenges},
		{"sso_states", q.PurgeSSOStates},
	}
	deleted := make(map[string]int64, len(purges))
	for _, p := range purges {
		n, err := p.run(ctx)
		if err != nil {
			return deleted, err
		}
		deleted[p.name] = n
	}
	return deleted, nil
}

// Run sweeps every interval until ctx ends; failures are logged and retried
// at the next tick.
func Run(ctx context.Context, q *db.Queries, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		deleted, err := Sweep(ctx, q)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("janitor: sweep failed", "err", err)
		default:
			var total int64
			for _, n := range deleted {
				total += n
			}
			if total > 0 {
				log.Info("janitor: old rows deleted", "deleted", deleted)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
