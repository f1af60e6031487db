package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// uuid.UUID goes to and from PostgreSQL as its binary form, as values,
// pointers (NULL included) and arrays, and compares with the text form.
func TestUUIDRoundTrip(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	id := uuid.New()
	var (
		back     uuid.UUID
		text     string
		nullable *uuid.UUID
		present  *uuid.UUID
		list     []uuid.UUID
	)
	err := pool.QueryRow(ctx, `SELECT $1::uuid, $1::uuid::text, NULL::uuid, $2::uuid, $3::uuid[]`,
		id, &id, []uuid.UUID{id, uuid.Nil}).Scan(&back, &text, &nullable, &present, &list)
	if err != nil {
		t.Fatal(err)
	}
	if back != id || text != id.String() || nullable != nil || present == nil || *present != id ||
		len(list) != 2 || list[0] != id || list[1] != uuid.Nil {
		t.Fatalf("got %v %q %v %v %v", back, text, nullable, present, list)
	}
	var nilPtr *uuid.UUID
	var isNull bool
	if err := pool.QueryRow(ctx, `SELECT $1::uuid IS NULL`, nilPtr).Scan(&isNull); err != nil || !isNull {
		t.Fatalf("a nil *uuid.UUID: %v, %v", isNull, err)
	}
	if err := pool.QueryRow(ctx, `SELECT NULL::uuid`).Scan(&back); err == nil {
		t.Fatal("NULL scanned into a uuid.UUID")
	}
	// A text parameter (no uuid type known) still works through the Valuer.
	if err := pool.QueryRow(ctx, `SELECT $1::text`, id).Scan(&text); err != nil || text != id.String() {
		t.Fatalf("as text: %q, %v", text, err)
	}
}
