package apitest

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// Page is what a test reads of one page of a cursor-paginated list: the
// ids of its items, in order, and its nextCursor.
type Page struct {
	IDs  []uuid.UUID
	Next *string
}

// WalkPages reads a list page by page with fetch (nil cursor first, then
// each page's nextCursor) until nextCursor is null, and returns every id in
// the order read. It fails the test when a page holds more than limit
// items, a page before the last holds fewer (a gap or a wasted round trip),
// an id comes twice (an overlap), or the walk does not end.
func WalkPages(t *testing.T, limit int, fetch func(cursor *string) Page) []uuid.UUID {
	t.Helper()
	var (
		all    []uuid.UUID
		cursor *string
	)
	seen := map[uuid.UUID]bool{}
	for n := 0; ; n++ {
		if n > 1000 {
			t.Fatal("the pages never end")
		}
		p := fetch(cursor)
		if len(p.IDs) > limit {
			t.Fatalf("page %d holds %d items, limit %d", n, len(p.IDs), limit)
		}
		if p.Next != nil && len(p.IDs) < limit {
			t.Fatalf("page %d holds %d items, limit %d, and is not the last", n, len(p.IDs), limit)
		}
		for _, id := range p.IDs {
			if seen[id] {
				t.Fatalf("page %d repeats %s", n, id)
			}
			seen[id] = true
		}
		all = append(all, p.IDs...)
		if p.Next == nil {
			return all
		}
		cursor = p.Next
	}
}

// WantBadCursor checks the answer to a cursor the list did not hand out:
// 422 validation_failed naming query.cursor.
func WantBadCursor(t *testing.T, res *http.Response, body []byte) {
	t.Helper()
	p := WantProblem(t, res, body, http.StatusUnprocessableEntity, "validation_failed")
	if !Contains(Fields(p), "query.cursor:invalid_value") {
		t.Fatalf("fields %v, want query.cursor:invalid_value", Fields(p))
	}
}
