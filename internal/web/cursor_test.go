package web

import (
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestKeyCursorRoundTripsAndRefusesOtherLists(t *testing.T) {
	id := uuid.New()
	c := EncodeKeyCursor("l", id, 3, 12)
	keys, got, err := DecodeKeyCursor(c, "l", 2)
	if err != nil || got != id || !slices.Equal(keys, []int32{3, 12}) {
		t.Fatalf("round trip: %v %v %v", keys, got, err)
	}
	for name, bad := range map[string]struct {
		c, kind string
		n       int
	}{
		"another list":          {c, "m", 2},
		"another shape":         {c, "l", 1},
		"a time cursor":         {EncodeCursor(time.Now(), id), "l", 1},
		"not base64":            {"not a cursor", "l", 2},
		"a key that is no int":  {encodeRaw("l|a|" + id.String()), "l", 1},
		"a key beyond int32":    {encodeRaw("l|4294967296|" + id.String()), "l", 1},
		"an id that is no uuid": {encodeRaw("l|1|x"), "l", 1},
	} {
		if _, _, err := DecodeKeyCursor(bad.c, bad.kind, bad.n); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	// A (time, id) cursor is not read as a key cursor, nor the reverse.
	if _, _, err := DecodeCursor(c); err == nil {
		t.Error("a key cursor decoded as a time cursor")
	}
}

func encodeRaw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
