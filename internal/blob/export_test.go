package blob

import (
	"context"
	"io"
	"testing"

	gblob "gocloud.dev/blob"
)

// ListForTest returns every key under prefix, so tests can see that nothing
// half-written was left behind.
func ListForTest(t *testing.T, s *Store, prefix string) []string {
	t.Helper()
	var keys []string
	it := s.bucket.List(&gblob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
}
