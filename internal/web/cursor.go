package web

import (
	"context"
	"encoding/base64"
	"errors"
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

// BadCursor is the 422 problem for a cursor this list did not hand out.
func BadCursor(ctx context.Context) api.Problem {
	return Invalid(ctx, FieldError("query.cursor", "invalid_value", "is not a cursor returned by this list"))
}
