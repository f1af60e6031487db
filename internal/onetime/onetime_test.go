package onetime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/onetime"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

func newUser(t *testing.T, pool *pgxpool.Pool, n string) uuid.UUID {
	t.Helper()
	u, err := db.New(pool).CreateUser(context.Background(), db.CreateUserParams{
		Email: n + "@example.org", Phone: ptr("+7921000000" + n), FirstName: "A", LastName: "B", PasswordHash: ptr("x"), Locale: "ru",
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func check(pool *pgxpool.Pool, spec onetime.Spec, user uuid.UUID, code string) (db.OneTimeCode, error) {
	var row db.OneTimeCode
	var checkErr error
	err := store.InTx(context.Background(), pool, func(q *db.Queries) error {
		row, checkErr = onetime.Check(context.Background(), q, spec, user, code)
		if errors.Is(checkErr, onetime.ErrInvalid) || errors.Is(checkErr, onetime.ErrTooManyAttempts) || errors.Is(checkErr, onetime.ErrExpired) {
			return nil // commit: the attempt must count
		}
		return checkErr
	})
	if err != nil {
		return row, err
	}
	return row, checkErr
}

func TestNumericCodes(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	q := db.New(pool)
	user := newUser(t, pool, "1")
	spec := onetime.Spec{Purpose: "phone_confirm", TTL: time.Minute, MaxAttempts: 3, Digits: 6}

	iss, err := onetime.Issue(ctx, q, spec, user, "+79210000001")
	if err != nil || len(iss.Secret) != 6 {
		t.Fatalf("Issue = %+v, %v", iss, err)
	}
	var stored []byte
	if err := pool.QueryRow(ctx, "SELECT code_hash FROM one_time_codes WHERE id = $1", iss.ID).Scan(&stored); err != nil || string(stored) == iss.Secret {
		t.Fatalf("code stored in clear or missing: %v", err)
	}
	wrong := "000000"
	if iss.Secret == wrong {
		wrong = "111111"
	}
	if _, err := check(pool, spec, user, wrong); !errors.Is(err, onetime.ErrInvalid) {
		t.Fatalf("wrong code: %v", err)
	}
	row, err := check(pool, spec, user, iss.Secret)
	if err != nil || row.Target != "+79210000001" {
		t.Fatalf("right code: %+v %v", row, err)
	}
	if _, err := check(pool, spec, user, iss.Secret); !errors.Is(err, onetime.ErrExpired) {
		t.Fatalf("a consumed code worked again: %v", err)
	}

	// Attempts are limited: after MaxAttempts wrong tries even the right code fails.
	iss, _ = onetime.Issue(ctx, q, spec, user, "")
	for range 3 {
		_, _ = check(pool, spec, user, wrong)
	}
	if _, err := check(pool, spec, user, iss.Secret); !errors.Is(err, onetime.ErrTooManyAttempts) {
		t.Fatalf("after 3 wrong attempts: %v", err)
	}

	// A new code replaces the old one.
	old, _ := onetime.Issue(ctx, q, spec, user, "")
	fresh, _ := onetime.Issue(ctx, q, spec, user, "")
	if old.Secret != fresh.Secret {
		if _, err := check(pool, spec, user, old.Secret); err == nil {
			t.Fatal("the replaced code still works")
		}
	}

	// Codes expire.
	iss, _ = onetime.Issue(ctx, q, spec, user, "")
	if _, err := pool.Exec(ctx, "UPDATE one_time_codes SET expires_at = now() - interval '1 second' WHERE id = $1", iss.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := check(pool, spec, user, iss.Secret); !errors.Is(err, onetime.ErrExpired) {
		t.Fatalf("expired code: %v", err)
	}
	// A code is bound to its user.
	other := newUser(t, pool, "2")
	iss, _ = onetime.Issue(ctx, q, spec, user, "")
	if _, err := check(pool, spec, other, iss.Secret); err == nil {
		t.Fatal("another user's code was accepted")
	}
}

func TestLinkTokens(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	q := db.New(pool)
	user := newUser(t, pool, "3")
	spec := onetime.Spec{Purpose: "password_reset", TTL: 24 * time.Hour}
	iss, err := onetime.Issue(ctx, q, spec, user, "")
	if err != nil || len(iss.Secret) < 40 {
		t.Fatalf("Issue = %+v, %v", iss, err)
	}
	redeem := func(token string) (db.OneTimeCode, error) {
		var row db.OneTimeCode
		err := store.InTx(ctx, pool, func(q *db.Queries) error {
			var err error
			row, err = onetime.Redeem(ctx, q, spec, token)
			return err
		})
		return row, err
	}
	if _, err := redeem(iss.Secret + "x"); !errors.Is(err, onetime.ErrInvalid) {
		t.Fatalf("tampered token: %v", err)
	}
	if _, err := redeem(iss.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := redeem(iss.Secret); !errors.Is(err, onetime.ErrInvalid) {
		t.Fatalf("reused token: %v", err)
	}
	iss, _ = onetime.Issue(ctx, q, spec, user, "")
	_, _ = pool.Exec(ctx, "UPDATE one_time_codes SET expires_at = now() - interval '1 second' WHERE id = $1", iss.ID)
	if _, err := redeem(iss.Secret); !errors.Is(err, onetime.ErrExpired) {
		t.Fatalf("expired token: %v", err)
	}
	// A token of one purpose does not work for another.
	iss, _ = onetime.Issue(ctx, q, spec, user, "")
	if err := store.InTx(ctx, pool, func(q *db.Queries) error {
		_, err := onetime.Redeem(ctx, q, onetime.Spec{Purpose: "invitation"}, iss.Secret)
		return err
	}); !errors.Is(err, onetime.ErrInvalid) {
		t.Fatalf("token used for another purpose: %v", err)
	}
}

func ptr(s string) *string { return &s }
