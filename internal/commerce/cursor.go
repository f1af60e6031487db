package commerce

import (
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/internal/web"
)

// cursorKey is the (created_at, id) after which an oldest-first page of an
// order's payments or refunds starts; both nil for the first page.
type cursorKey struct {
	at *time.Time
	id *uuid.UUID
}

// decodeAfter reads the cursor of an order's payments or refunds; ok is
// false for one this API did not hand out.
func decodeAfter(c *string) (cursorKey, bool) {
	if c == nil {
		return cursorKey{}, true
	}
	at, id, err := web.DecodeCursor(*c)
	if err != nil {
		return cursorKey{}, false
	}
	return cursorKey{at: &at, id: &id}, true
}
