package pricing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/pricing"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

var defaultOrg = uuid.MustParse("00000000-0000-0000-0000-000000000001")

func newUser(t *testing.T, q *db.Queries, n int) uuid.UUID {
	t.Helper()
	u, err := q.CreateUser(context.Background(), db.CreateUserParams{
		Email:     fmt.Sprintf("u%d-%s@example.org", n, uuid.NewString()[:8]),
		FirstName: "Анна", LastName: "Иванова", Locale: "ru",
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func newCode(t *testing.T, q *db.Queries, maxUses, perUser int32) db.PromoCode {
	t.Helper()
	p := db.CreatePromoCodeParams{
		OrganizationID: defaultOrg, Code: "SPRING" + uuid.NewString()[:4], Kind: "percent", Value: 10, Currency: "RUB",
		ProgramIds: []uuid.UUID{}, CategoryIds: []uuid.UUID{},
	}
	p.Code = pricing.NormalizeCode(p.Code)
	if maxUses > 0 {
		p.MaxUses = pgtype.Int4{Int32: maxUses, Valid: true}
	}
	if perUser > 0 {
		p.PerUserLimit = pgtype.Int4{Int32: perUser, Valid: true}
	}
	c, err := q.CreatePromoCode(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// redeemConcurrently redeems the code once for each user in parallel, each
// in its own transaction, and counts successes and refusals by reason.
func redeemConcurrently(t *testing.T, pool *pgxpool.Pool, codeID uuid.UUID, users []uuid.UUID) (ok int, refused map[pricing.Refusal]int) {
	t.Helper()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	refused = map[pricing.Refusal]int{}
	start := make(chan struct{})
	for _, u := range users {
		wg.Go(func() {
			<-start
			err := store.InTx(context.Background(), pool, func(q *db.Queries) error {
				_, err := pricing.Redeem(context.Background(), q, codeID, u, nil, time.Now())
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			var re *pricing.RefusedError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &re):
				refused[re.Reason]++
			default:
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, refused
}

func TestRedeemTotalLimitUnderConcurrency(t *testing.T) {
	pool := testdb.New(t)
	q := db.New(pool)
	code := newCode(t, q, 5, 0)
	var users []uuid.UUID
	for i := range 16 {
		users = append(users, newUser(t, q, i))
	}
	ok, refused := redeemConcurrently(t, pool, code.ID, users)
	if ok != 5 || refused[pricing.RefusedUsedUp] != 11 {
		t.Fatalf("ok = %d, refused = %v; want 5 and 11 used_up", ok, refused)
	}
	got, err := q.GetPromoCodeByCode(context.Background(), db.GetPromoCodeByCodeParams{OrganizationID: defaultOrg, Code: code.Code})
	if err != nil || got.Used != 5 {
		t.Fatalf("used = %d, %v", got.Used, err)
	}
}

func TestRedeemPerUserLimitUnderConcurrency(t *testing.T) {
	pool := testdb.New(t)
	q := db.New(pool)
	code := newCode(t, q, 0, 2)
	u := newUser(t, q, 1)
	users := make([]uuid.UUID, 10)
	for i := range users {
		users[i] = u
	}
	ok, refused := redeemConcurrently(t, pool, code.ID, users)
	if ok != 2 || refused[pricing.RefusedPerUserLimit] != 8 {
		t.Fatalf("ok = %d, refused = %v; want 2 and 8 per_user_limit", ok, refused)
	}
	// The refused transactions rolled their counted use back.
	got, _ := q.GetPromoCodeByCode(context.Background(), db.GetPromoCodeByCodeParams{OrganizationID: defaultOrg, Code: code.Code})
	if got.Used != 2 {
		t.Fatalf("used = %d, want 2", got.Used)
	}
	// Another user still may.
	if ok, _ := redeemConcurrently(t, pool, code.ID, []uuid.UUID{newUser(t, q, 2)}); ok != 1 {
		t.Fatal("another user was refused")
	}
}

func TestRedeemWindowAndRelease(t *testing.T) {
	pool := testdb.New(t)
	q := db.New(pool)
	ctx := context.Background()
	until := time.Now().Add(-time.Minute)
	expired, err := q.CreatePromoCode(ctx, db.CreatePromoCodeParams{
		OrganizationID: defaultOrg, Code: "OLD", Kind: "fixed", Value: 50000, Currency: "RUB",
		ValidUntil: &until, ProgramIds: []uuid.UUID{}, CategoryIds: []uuid.UUID{},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := newUser(t, q, 1)
	_, err = pricing.Redeem(ctx, q, expired.ID, u, nil, time.Now())
	var re *pricing.RefusedError
	if !errors.As(err, &re) || re.Reason != pricing.RefusedExpired {
		t.Fatalf("expired code: err = %v", err)
	}

	one := newCode(t, q, 1, 0)
	order := uuid.New()
	red, err := pricing.Redeem(ctx, q, one.ID, u, &order, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pricing.Redeem(ctx, q, one.ID, newUser(t, q, 2), nil, time.Now()); !errors.As(err, &re) || re.Reason != pricing.RefusedUsedUp {
		t.Fatalf("second use: err = %v", err)
	}
	if err := pricing.Release(ctx, q, red.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := pricing.Redeem(ctx, q, one.ID, newUser(t, q, 3), nil, time.Now()); err != nil {
		t.Fatalf("after release: %v", err)
	}
}
