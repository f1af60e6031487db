package ratelimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

func TestLimiterLocksAfterMaxAndUnlocksAfterPeriod(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	l := ratelimit.New(db.New(pool))
	rule := ratelimit.Rule{Name: "test", Max: 3, Period: 2 * time.Second}

	for i := 1; i <= 3; i++ {
		d, err := l.Hit(ctx, rule, "subject")
		if err != nil || !d.Allowed {
			t.Fatalf("hit %d: %+v %v", i, d, err)
		}
	}
	d, err := l.Hit(ctx, rule, "subject")
	if err != nil || d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > 2*time.Second || d.RetryAfterSeconds() < 1 {
		t.Fatalf("4th hit: %+v %v; want refused with a Retry-After within the period", d, err)
	}
	// Hits tells the hit that started the lockout (Max+1) from later ones.
	if d.Hits != 4 {
		t.Errorf("4th hit counted %d hits", d.Hits)
	}
	if d, _ := l.Hit(ctx, rule, "subject"); d.Allowed || d.Hits != 5 {
		t.Errorf("5th hit: %+v", d)
	}
	if d, _ := l.Hit(ctx, rule, "other"); !d.Allowed {
		t.Fatal("another subject is limited too")
	}
	// The lock ends with the window (wait it out: the clock is the database's).
	time.Sleep(2100 * time.Millisecond)
	if d, err := l.Hit(ctx, rule, "subject"); err != nil || !d.Allowed {
		t.Fatalf("after the period: %+v %v", d, err)
	}
	// Reset clears the count at once.
	for range 5 {
		_, _ = l.Hit(ctx, rule, "subject")
	}
	if err := l.Reset(ctx, rule, "subject"); err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Hit(ctx, rule, "subject"); !d.Allowed {
		t.Fatal("still locked after Reset")
	}
}

// Two limiters over one database behave as one: the count is shared.
func TestLimiterIsSharedAcrossInstances(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	a, b := ratelimit.New(db.New(pool)), ratelimit.New(db.New(pool))
	rule := ratelimit.Rule{Name: "shared", Max: 10, Period: time.Minute}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := a
			if i%2 == 1 {
				l = b
			}
			d, err := l.Hit(ctx, rule, "x")
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Fatalf("allowed %d of 20 concurrent hits across two instances, want exactly 10", allowed)
	}
}
