package ical_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/ical"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

func TestFeedTokens(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	q := db.New(pool)
	var user uuid.UUID
	err := pool.QueryRow(ctx, `INSERT INTO users (email, phone, first_name, last_name, password_hash)
		VALUES ('anna@example.org', '+79211234567', 'Анна', 'Иванова', '') RETURNING id`).Scan(&user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ical.FeedToken(ctx, q, user); !errors.Is(err, ical.ErrUnknownToken) {
		t.Errorf("FeedToken before issuing: %v", err)
	}
	first, err := ical.IssueFeedToken(ctx, q, user)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ical.VerifyFeedToken(ctx, q, first); err != nil || got != user {
		t.Fatalf("Verify = %v, %v", got, err)
	}
	if info, err := ical.FeedToken(ctx, q, user); err != nil || info.LastUsedAt == nil {
		t.Errorf("info after use: %+v, %v", info, err)
	}
	// Verifying again within the minute still answers (without a write).
	if got, err := ical.VerifyFeedToken(ctx, q, first); err != nil || got != user {
		t.Fatalf("second Verify = %v, %v", got, err)
	}
	second, _ := ical.IssueFeedToken(ctx, q, user)
	if _, err := ical.VerifyFeedToken(ctx, q, first); !errors.Is(err, ical.ErrUnknownToken) {
		t.Errorf("the replaced token still works: %v", err)
	}
	if got, err := ical.VerifyFeedToken(ctx, q, second); err != nil || got != user {
		t.Errorf("the new token: %v, %v", got, err)
	}
	for _, junk := range []string{"", "kcal_", second[:len(second)-1], strings.ToLower(second), "Bearer " + second} {
		if _, err := ical.VerifyFeedToken(ctx, q, junk); !errors.Is(err, ical.ErrUnknownToken) {
			t.Errorf("junk %q: %v", junk, err)
		}
	}
	if ok, err := ical.RevokeFeedToken(ctx, q, user); !ok || err != nil {
		t.Errorf("revoke: %v %v", ok, err)
	}
	if _, err := ical.VerifyFeedToken(ctx, q, second); !errors.Is(err, ical.ErrUnknownToken) {
		t.Errorf("a revoked token works: %v", err)
	}
	if ok, _ := ical.RevokeFeedToken(ctx, q, user); ok {
		t.Error("revoked twice")
	}
	if u := ical.FeedURL("https://k.example.org/", second); u != "https://k.example.org/api/v1/calendar/feeds/"+second+".ics" {
		t.Errorf("FeedURL %s", u)
	}
}
