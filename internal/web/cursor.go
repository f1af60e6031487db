package web

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
)

// DefaultLimit is the page size of a list whose caller names none.
const DefaultLimit = 20

// Limit returns the requested page size, or DefaultLimit; the spec bounds it.
func Limit[T ~int](limit *T) int {
	if limit == nil {
		return DefaultLimit
	}
	return int(*limit)
}

// EncodeCursor makes the opaque cursor of a list ordered by (at, id).
func EncodeCursor(at time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id.String()))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(c string) (time.Time, uuid.UUID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	ts, idText, ok := strings.Cut(string(raw), "|")
	if !ok {
		return time.Time{}, uuid.Nil, errors.New("malformed cursor")
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	id, err := uuid.Parse(idText)
	return at, id, err
}

// errKeyCursor is any cursor DecodeKeyCursor refuses.
var errKeyCursor = errors.New("not a cursor of this list")

// EncodeKeyCursor makes the opaque cursor of a list ordered by integer keys
// and then id, such as (position, id) or (module position, lesson position,
// id): a list in a manual order has no time to give EncodeCursor. kind names
// the list (letters, no "|"), so that the cursor of one list is refused by
// another whose keys have the same shape.
func EncodeKeyCursor(kind string, id uuid.UUID, keys ...int32) string {
	parts := make([]string, 0, len(keys)+2)
	parts = append(parts, kind)
	for _, k := range keys {
		parts = append(parts, strconv.FormatInt(int64(k), 10))
	}
	parts = append(parts, id.String())
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
}

// DecodeKeyCursor reads a cursor made by EncodeKeyCursor for the list kind
// with n keys; any other string (a time cursor, another list's) is an error.
func DecodeKeyCursor(c, kind string, n int) ([]int32, uuid.UUID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, uuid.Nil, errKeyCursor
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != n+2 || parts[0] != kind {
		return nil, uuid.Nil, errKeyCursor
	}
	keys := make([]int32, n)
	for i, p := range parts[1 : n+1] {
		k, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return nil, uuid.Nil, errKeyCursor
		}
		keys[i] = int32(k)
	}
	id, err := uuid.Parse(parts[n+1])
	if err != nil {
		return nil, uuid.Nil, errKeyCursor
	}
	return keys, id, nil
}

// BadCursor is the 422 problem for a cursor this list did not hand out.
func BadCursor(ctx context.Context) api.Problem {
	return Invalid(ctx, FieldError("query.cursor", "invalid_value", "is not a cursor returned by this list"))
}
