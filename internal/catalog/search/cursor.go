package search

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// cursor is a position in one query's order: the last row's sort key (in
// PostgreSQL's text form, which converts back exactly, 'infinity' and all)
// and id. The next page starts strictly after it, so rows inserted or
// changed meanwhile elsewhere in the order neither repeat nor push rows off.
type cursor struct {
	Key string
	ID  uuid.UUID
	// Fuzzy: the first page found nothing by words and matched titles by
	// trigrams; the next pages do the same.
	Fuzzy bool
}

// wireCursor is what the opaque string holds. F ties it to the query it
// came from: a cursor used with other filters or another sort is refused
// instead of silently jumping.
type wireCursor struct {
	V int       `json:"v"`
	F string    `json:"f"`
	K string    `json:"k"`
	I uuid.UUID `json:"i"`
	Z bool      `json:"z,omitempty"`
}

const cursorVersion = 1

func encodeCursor(c cursor, q Query) string {
	b, _ := json.Marshal(wireCursor{V: cursorVersion, F: fingerprint(q), K: c.Key, I: c.ID, Z: c.Fuzzy})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, q Query) (cursor, error) {
	invalid := func(why string) error {
		return &QueryError{Field: "cursor", Message: fmt.Errorf("%w: %s", ErrInvalidCursor, why).Error()}
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 512 {
		return cursor{}, invalid("not a cursor of this API")
	}
	var w wireCursor
	if err := json.Unmarshal(b, &w); err != nil || w.V != cursorVersion || w.I == uuid.Nil || w.K == "" || len(w.K) > 64 {
		return cursor{}, invalid("not a cursor of this API")
	}
	if w.F != fingerprint(q) {
		return cursor{}, invalid("it belongs to another query (its filters or sort differ)")
	}
	if !validKey(q.Sort, w.K) {
		return cursor{}, invalid("not a cursor of this API")
	}
	return cursor{Key: w.K, ID: w.I, Fuzzy: w.Z}, nil
}

// validKey checks that a key will convert back to the sort's type, so a
// forged cursor is a QueryError rather than a failing query.
func validKey(s Sort, k string) bool {
	switch s {
	case SortRelevance:
		f, err := strconv.ParseFloat(k, 32)
		return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case SortPriceAsc, SortPriceDesc:
		_, err := strconv.ParseInt(k, 10, 64)
		return err == nil
	case SortStart:
		_, err := time.Parse(time.DateOnly, k)
		return err == nil || k == "infinity"
	default:
		for _, layout := range []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00"} {
			if _, err := time.Parse(layout, k); err == nil {
				return true
			}
		}
		return false
	}
}

// fingerprint hashes what decides the order and the set: everything but
// the cursor and the page size.
func fingerprint(q Query) string {
	kinds := slices.Clone(q.Kinds)
	slices.Sort(kinds)
	formats := slices.Clone(q.Formats)
	slices.Sort(formats)
	b, _ := json.Marshal([]any{
		q.Text, q.OrganizationID, q.OrganizationSlug, q.CategoryID, kinds, formats,
		q.PriceMin, q.PriceMax, q.HoursMin, q.HoursMax, date(q.StartsFrom), date(q.StartsTo), q.EnrollmentOpen, q.Sort,
	})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
