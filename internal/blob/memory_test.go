package blob_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/blob"
)

// generated yields size bytes of a PDF-looking stream without holding them,
// and samples the heap every few megabytes while it is read.
type generated struct {
	left, read int64
	peak       uint64
	chunk      [4096]byte
}

func (g *generated) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	if g.read == 0 {
		copy(g.chunk[:], "%PDF-1.7\n")
	}
	n := copy(p, g.chunk[:min(int64(len(p)), g.left, int64(len(g.chunk)))])
	if g.read%(4<<20) < int64(n) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		g.peak = max(g.peak, ms.HeapAlloc)
	}
	if g.read == 0 {
		copy(g.chunk[:], make([]byte, 9))
	}
	g.left -= int64(n)
	g.read += int64(n)
	return n, nil
}

// TestUploadMemoryFlat streams 50 MB into the local folder bucket and checks
// the live heap stays far below the file's size.
func TestUploadMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 50 MB")
	}
	s := backends(t)["file"]
	const size = 50 << 20
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g := &generated{left: size}
	obj, err := s.Upload(context.Background(), g, blob.UploadOptions{Prefix: "big", MaxSize: size, Allowed: []string{blob.TypePDF}})
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size != size {
		t.Fatalf("size = %d", obj.Size)
	}
	growth := int64(g.peak) - int64(before.HeapAlloc)
	t.Logf("heap before %d MB, peak during upload %d MB", before.HeapAlloc>>20, g.peak>>20)
	if growth > 16<<20 {
		t.Fatalf("heap grew by %d MB while streaming a 50 MB file", growth>>20)
	}
}
