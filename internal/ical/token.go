package ical

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Feed tokens. A calendar app subscribes to a URL and fetches it without
// any header, so the URL itself is the credential: it carries a random
// token of ~260 bits, one per user. Only the token's SHA-256 is stored (a
// fast hash suffices for that much randomness), so a database leak reveals
// no feed. Issuing a new token replaces the old one (a user who shared the
// URL by mistake rotates it), and revoking deletes it; the token grants
// reading the feed and nothing else.

// tokenPrefix makes a feed token recognizable in logs and secret scanners.
const tokenPrefix = "kcal_"

// tokenLen is the prefix and two rand.Text() of 26 base32 characters.
const tokenLen = len(tokenPrefix) + 52

// ErrUnknownToken: the token is malformed, revoked or replaced. The feed
// answers 404 for it, like for any URL that does not exist.
var ErrUnknownToken = errors.New("ical: unknown feed token")

// NewFeedToken returns a new token and the hash it is stored under.
func NewFeedToken() (token string, hash []byte) {
	token = tokenPrefix + rand.Text() + rand.Text()
	return token, HashFeedToken(token)
}

// HashFeedToken is the stored form of a token.
func HashFeedToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// wellFormed rejects junk before it reaches the database.
func wellFormed(token string) bool {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenPrefix) {
		return false
	}
	for _, c := range token[len(tokenPrefix):] {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// IssueFeedToken gives the user a new feed token, revoking the previous one,
// and returns it: show it once, inside the feed URL (FeedURL).
func IssueFeedToken(ctx context.Context, q *db.Queries, userID uuid.UUID) (string, error) {
	token, hash := NewFeedToken()
	if err := q.UpsertCalendarFeedToken(ctx, db.UpsertCalendarFeedTokenParams{UserID: userID, TokenHash: hash}); err != nil {
		return "", err
	}
	return token, nil
}

// VerifyFeedToken returns the owner of a feed token (ErrUnknownToken for
// none) and notes the use.
func VerifyFeedToken(ctx context.Context, q *db.Queries, token string) (uuid.UUID, error) {
	if !wellFormed(token) {
		return uuid.Nil, ErrUnknownToken
	}
	id, err := q.UseCalendarFeedToken(ctx, HashFeedToken(token))
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, ErrUnknownToken
	}
	return id, err
}

// RevokeFeedToken deletes the user's token and reports whether there was one.
func RevokeFeedToken(ctx context.Context, q *db.Queries, userID uuid.UUID) (bool, error) {
	n, err := q.DeleteCalendarFeedToken(ctx, userID)
	return n > 0, err
}

// FeedTokenInfo is what the cabinet shows about a user's feed (never the
// token, which is not stored).
type FeedTokenInfo struct {
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// FeedToken describes the user's current token; ErrUnknownToken for none.
func FeedToken(ctx context.Context, q *db.Queries, userID uuid.UUID) (FeedTokenInfo, error) {
	row, err := q.GetCalendarFeedToken(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return FeedTokenInfo{}, ErrUnknownToken
	}
	return FeedTokenInfo{CreatedAt: row.CreatedAt, LastUsedAt: row.LastUsedAt}, err
}

// FeedURL is the subscription URL: publicURL (KABINET_PUBLIC_URL) with
// /api/v1/calendar/feeds/{token}.ics. The token sits in the path, not the
// query, because some calendar apps drop query strings; the webcal:// form
// is the same URL with its scheme replaced.
func FeedURL(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/api/v1/calendar/feeds/" + token + ".ics"
}
