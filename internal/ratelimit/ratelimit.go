// Package ratelimit throttles abuse-prone operations with fixed-window
// counters kept in PostgreSQL, so every API instance sees the same counts.
package ratelimit

import (
	"context"
	"math"
	"time"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Rule limits one kind of operation: at most Max hits per Period for one
// subject; past that the subject is locked until the period ends.
type Rule struct {
	Name   string // e.g. "login:ip"
	Max    int
	Period time.Duration
}

// Decision is the outcome of one hit.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration // when not allowed: how long until it is
	// Hits counts the subject's hits in the current window, this one
	// included: Hits == Max+1 marks the hit that started a lockout.
	Hits int
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds (at least 1),
// for the Retry-After header.
func (d Decision) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(d.RetryAfter.Seconds())))
}

// Limiter counts hits through q (a pool-bound *db.Queries: hits must count
// even when the caller's transaction rolls back).
type Limiter struct {
	q   *db.Queries
	now func() time.Time
}

// New returns a Limiter.
func New(q *db.Queries) *Limiter { return &Limiter{q: q, now: time.Now} }

// In is the limiter counting through q, a transaction's queries: for a
// check made inside a transaction that commits whatever the outcome (a
// second query on the pool from inside a transaction holds one connection
// while it waits for another, and a pool's worth of such requests wait
// for ever).
func (l *Limiter) In(q *db.Queries) *Limiter { return &Limiter{q: q, now: l.now} }

// Hit counts one attempt by subject (an IP, an account id, a phone) under rule.
func (l *Limiter) Hit(ctx context.Context, rule Rule, subject string) (Decision, error) {
	row, err := l.q.HitRateLimit(ctx, db.HitRateLimitParams{
		Key:           rule.Name + ":" + subject,
		PeriodSeconds: int32(rule.Period / time.Second),
		MaxHits:       int32(rule.Max),
	})
	if err != nil {
		return Decision{}, err
	}
	hits := int(row.Hits)
	if row.LockedUntil == nil {
		return Decision{Allowed: true, Hits: hits}, nil
	}
	wait := row.LockedUntil.Sub(l.now())
	if wait <= 0 {
		return Decision{Allowed: true, Hits: hits}, nil
	}
	return Decision{RetryAfter: wait, Hits: hits}, nil
}

// Reset forgets the subject's hits, e.g. after a successful sign-in.
func (l *Limiter) Reset(ctx context.Context, rule Rule, subject string) error {
	return l.q.ResetRateLimit(ctx, rule.Name+":"+subject)
}
