package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kabinet-edu/kabinet/internal/blob"
)

// backends opens one store per kind: a local folder and an in-process S3
// server speaking the real protocol through the AWS SDK.
func backends(t *testing.T) map[string]*blob.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*blob.Store{}

	dir := filepath.Join(t.TempDir(), "blobs")
	u, err := blob.FileURL(dir)
	if err != nil {
		t.Fatal(err)
	}
	out["file"] = open(t, ctx, u)

	backend := s3mem.New()
	if err := backend.CreateBucket("kabinet"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	// Static credentials keep the SDK off the instance-metadata endpoint.
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	out["s3"] = open(t, ctx, "s3://kabinet?region=us-east-1&endpoint="+srv.URL+"&use_path_style=true&disable_https=true")
	return out
}

func open(t *testing.T, ctx context.Context, u string) *blob.Store {
	t.Helper()
	s, err := blob.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// pdf returns a minimal PDF-looking file of n bytes.
func pdf(n int) []byte {
	b := bytes.Repeat([]byte("0"), n)
	copy(b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return b
}

var pdfOnly = blob.UploadOptions{Prefix: "docs/test", MaxSize: 1 << 20, Allowed: []string{blob.TypePDF}}

func TestUploadRoundTrip(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			data := pdf(200_000)
			obj, err := s.Upload(ctx, bytes.NewReader(data), pdfOnly)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if obj.Size != int64(len(data)) || obj.ContentType != blob.TypePDF || obj.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("object = %+v", obj)
			}
			if !strings.HasPrefix(obj.Key, "docs/test/") {
				t.Errorf("key %q lacks the prefix", obj.Key)
			}
			r, err := s.Reader(ctx, obj.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(got, data) {
				t.Fatal("stored bytes differ")
			}
			if err := s.Delete(ctx, obj.Key); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Reader(ctx, obj.Key); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("after delete: %v, want ErrNotFound", err)
			}
			if err := s.Delete(ctx, obj.Key); err != nil {
				t.Fatalf("second delete: %v", err)
			}
		})
	}
}

func TestUploadRefusals(t *testing.T) {
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 500)...)
	exe := append([]byte("MZ\x90\x00\x03"), make([]byte, 500)...)
	cases := []struct {
		name string
		data []byte
		opts blob.UploadOptions
		want func(error) bool
	}{
		{"empty", nil, pdfOnly, func(err error) bool { return errors.Is(err, blob.ErrEmpty) }},
		{"too large in the head", pdf(100), blob.UploadOptions{Prefix: "d", MaxSize: 99, Allowed: []string{blob.TypePDF}}, tooLarge(99)},
		{"too large in the stream", pdf(1<<20 + 1), pdfOnly, tooLarge(1 << 20)},
		{"exactly the limit", pdf(1 << 20), pdfOnly, func(err error) bool { return err == nil }},
		{"ELF named .pdf", elf, pdfOnly, refusedExecutable},
		{"PE/MZ named .pdf", exe, pdfOnly, refusedExecutable},
		{"shell script", []byte("#!/bin/sh\nrm -rf /\n"), blob.UploadOptions{Prefix: "d", MaxSize: 100, Allowed: []string{blob.TypeText}}, refusedExecutable},
		{"PNG where only PDF goes", pngHeader(), pdfOnly, refusedAs(blob.TypePNG)},
		{"HTML", []byte("<!DOCTYPE html><script>alert(1)</script>"), pdfOnly, refusedAs("text/html")},
	}
	for name, s := range backends(t) {
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				obj, err := s.Upload(context.Background(), bytes.NewReader(c.data), c.opts)
				if !c.want(err) {
					t.Fatalf("err = %v", err)
				}
				if err != nil && obj.Key != "" {
					t.Fatalf("refused upload returned key %q", obj.Key)
				}
			})
		}
	}
}

func tooLarge(limit int64) func(error) bool {
	return func(err error) bool {
		var tl *blob.TooLargeError
		return errors.As(err, &tl) && tl.Limit == limit
	}
}

func refusedExecutable(err error) bool {
	var te *blob.TypeError
	return errors.As(err, &te) && te.Executable()
}

func refusedAs(typ string) func(error) bool {
	return func(err error) bool {
		var te *blob.TypeError
		return errors.As(err, &te) && te.Detected == typ && !te.Executable()
	}
}

// failingReader yields data and then an error, like a client that drops the
// connection in the middle of an upload.
type failingReader struct {
	data []byte
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestAbortLeavesNothing: an upload that fails half-way (too large, or a
// broken client) leaves no blob, not even a partial one, in the bucket.
func TestAbortLeavesNothing(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			big := blob.UploadOptions{Prefix: "abort", MaxSize: 12 << 20, Allowed: []string{blob.TypePDF}}
			_, err := s.Upload(ctx, &failingReader{data: pdf(7 << 20)}, big)
			if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v", err)
			}
			_, err = s.Upload(ctx, bytes.NewReader(pdf(13<<20)), big)
			if !tooLarge(12 << 20)(err) {
				t.Fatalf("err = %v", err)
			}
			if keys := blob.ListForTest(t, s, ""); len(keys) != 0 {
				t.Fatalf("bucket holds %v after aborted uploads", keys)
			}
		})
	}
}
