// Package onetime issues and checks one-time secrets: short numeric codes
// (sent by e-mail or SMS, typed by the user) and long link tokens (put in a
// URL). Only hashes are stored; codes are short-lived and attempt-limited.
//
// Check and Redeem must run inside a transaction (they lock the row), and
// the caller must commit it even when they report a wrong code, so that the
// failed attempt is counted.
package onetime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Errors of Check and Redeem.
var (
	ErrInvalid         = errors.New("the code is not valid")
	ErrExpired         = errors.New("the code has expired")
	ErrTooManyAttempts = errors.New("too many wrong attempts; ask for a new code")
)

// Spec says how a kind of secret behaves.
type Spec struct {
	Purpose     string        // e.g. "email_confirm", "password_reset"
	TTL         time.Duration // how long it is valid
	MaxAttempts int           // wrong tries before it is dead (codes only)
	Digits      int           // >0: a numeric code of that many digits; 0: a link token
}

// Issued is a freshly issued secret: Secret goes to the user, once.
type Issued struct {
	ID        uuid.UUID
	Secret    string
	ExpiresAt time.Time
}

// Issue creates a secret for userID (and the address it confirms, if any)
// and invalidates the user's older secrets of the same purpose.
func Issue(ctx context.Context, q *db.Queries, spec Spec, userID uuid.UUID, target string) (Issued, error) {
	secret, err := newSecret(spec.Digits)
	if err != nil {
		return Issued{}, err
	}
	if err := q.InvalidateOneTimeCodes(ctx, db.InvalidateOneTimeCodesParams{UserID: &userID, Purpose: spec.Purpose}); err != nil {
		return Issued{}, err
	}
	row, err := q.CreateOneTimeCode(ctx, db.CreateOneTimeCodeParams{
		UserID: &userID, Purpose: spec.Purpose, Target: target,
		CodeHash:    hash(spec, userID, secret),
		MaxAttempts: int32(max(spec.MaxAttempts, 1)),
		ExpiresAt:   time.Now().Add(spec.TTL),
	})
	if err != nil {
		return Issued{}, err
	}
	return Issued{ID: row.ID, Secret: secret, ExpiresAt: row.ExpiresAt}, nil
}

// Check verifies a numeric code typed by userID and consumes it on success,
// returning its row (Target tells what address it confirmed).
func Check(ctx context.Context, q *db.Queries, spec Spec, userID uuid.UUID, code string) (db.OneTimeCode, error) {
	row, err := q.GetActiveCodeForUpdate(ctx, db.GetActiveCodeForUpdateParams{UserID: &userID, Purpose: spec.Purpose})
	if errors.Is(err, pgx.ErrNoRows) {
		return db.OneTimeCode{}, ErrExpired
	}
	if err != nil {
		return db.OneTimeCode{}, err
	}
	if row.Attempts >= row.MaxAttempts {
		return db.OneTimeCode{}, ErrTooManyAttempts
	}
	if string(hash(spec, userID, code)) != string(row.CodeHash) {
		n, err := q.CountCodeAttempt(ctx, row.ID)
		if err != nil {
			return db.OneTimeCode{}, err
		}
		if n >= row.MaxAttempts {
			return db.OneTimeCode{}, ErrTooManyAttempts
		}
		return db.OneTimeCode{}, ErrInvalid
	}
	return row, q.ConsumeOneTimeCode(ctx, row.ID)
}

// Redeem consumes a link token, found by its hash alone, and returns its row.
func Redeem(ctx context.Context, q *db.Queries, spec Spec, token string) (db.OneTimeCode, error) {
	row, err := q.GetCodeByHashForUpdate(ctx, db.GetCodeByHashForUpdateParams{CodeHash: hash(spec, uuid.Nil, token), Purpose: spec.Purpose})
	if errors.Is(err, pgx.ErrNoRows) {
		return db.OneTimeCode{}, ErrInvalid
	}
	if err != nil {
		return db.OneTimeCode{}, err
	}
	if row.ConsumedAt != nil {
		return db.OneTimeCode{}, ErrInvalid
	}
	if !time.Now().Before(row.ExpiresAt) {
		return db.OneTimeCode{}, ErrExpired
	}
	return row, q.ConsumeOneTimeCode(ctx, row.ID)
}

// hash binds a secret to its purpose and, for numeric codes, to its user
// (short codes repeat across users; link tokens are unique by themselves).
func hash(spec Spec, userID uuid.UUID, secret string) []byte {
	if spec.Digits == 0 {
		userID = uuid.Nil
	}
	sum := sha256.Sum256([]byte(spec.Purpose + "\x00" + userID.String() + "\x00" + secret))
	return sum[:]
}

func newSecret(digits int) (string, error) {
	if digits <= 0 {
		return rand.Text() + rand.Text(), nil // ≈ 260 bits, URL-safe base32
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", digits, n), nil
}
