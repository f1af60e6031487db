package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/blob"
)

func TestServe(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			data := pdf(10_000)
			obj, err := s.Upload(ctx, bytes.NewReader(data), pdfOnly)
			if err != nil {
				t.Fatal(err)
			}
			meta := blob.Meta{Key: obj.Key, ContentType: obj.ContentType, SHA256: obj.SHA256, Size: obj.Size, FileName: "Удостоверение о ПК.pdf"}
			etag := blob.ETag(obj.SHA256)
			size := strconv.Itoa(len(data))
			cases := []struct {
				name    string
				method  string
				headers map[string]string
				meta    *blob.Meta
				status  int
				body    []byte
				want    map[string]string
			}{
				{name: "whole", status: 200, body: data, want: map[string]string{
					"Content-Length": size, "Content-Type": "application/pdf", "ETag": etag, "Accept-Ranges": "bytes",
					"Content-Disposition":    `attachment; filename="Udostoverenie o PK.pdf"; filename*=UTF-8''%D0%A3%D0%B4%D0%BE%D1%81%D1%82%D0%BE%D0%B2%D0%B5%D1%80%D0%B5%D0%BD%D0%B8%D0%B5%20%D0%BE%20%D0%9F%D0%9A.pdf`,
					"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache",
				}},
				{name: "size asked from the bucket", meta: &blob.Meta{Key: obj.Key, ContentType: obj.ContentType}, status: 200, body: data,
					want: map[string]string{"Content-Length": size, "ETag": ""}},
				{name: "head", method: http.MethodHead, status: 200, want: map[string]string{"Content-Length": size}},
				{name: "first bytes", headers: map[string]string{"Range": "bytes=0-99"}, status: 206, body: data[:100],
					want: map[string]string{"Content-Range": "bytes 0-99/" + size, "Content-Length": "100"}},
				{name: "open end", headers: map[string]string{"Range": "bytes=9990-"}, status: 206, body: data[9990:],
					want: map[string]string{"Content-Range": "bytes 9990-9999/" + size}},
				{name: "suffix", headers: map[string]string{"Range": "bytes=-10"}, status: 206, body: data[len(data)-10:],
					want: map[string]string{"Content-Range": "bytes 9990-9999/" + size, "Content-Length": "10"}},
				{name: "suffix longer than file", headers: map[string]string{"Range": "bytes=-20000"}, status: 206, body: data,
					want: map[string]string{"Content-Range": "bytes 0-9999/" + size}},
				{name: "end clipped", headers: map[string]string{"Range": "bytes=9000-20000"}, status: 206, body: data[9000:]},
				{name: "out of range", headers: map[string]string{"Range": "bytes=10000-"}, status: 416,
					want: map[string]string{"Content-Range": "bytes */" + size}},
				{name: "empty suffix", headers: map[string]string{"Range": "bytes=-0"}, status: 416},
				{name: "several ranges: whole file", headers: map[string]string{"Range": "bytes=0-1,5-6"}, status: 200, body: data},
				{name: "bad syntax ignored", headers: map[string]string{"Range": "bytes=x-y"}, status: 200, body: data},
				{name: "other unit ignored", headers: map[string]string{"Range": "items=0-1"}, status: 200, body: data},
				{name: "if-none-match", headers: map[string]string{"If-None-Match": etag}, status: 304,
					want: map[string]string{"ETag": etag}},
				{name: "if-none-match in a list, weak", headers: map[string]string{"If-None-Match": `"x", W/` + etag}, status: 304},
				{name: "if-none-match star", headers: map[string]string{"If-None-Match": "*"}, status: 304},
				{name: "if-none-match stale", headers: map[string]string{"If-None-Match": `"old"`}, status: 200, body: data},
				{name: "if-range current", headers: map[string]string{"Range": "bytes=0-9", "If-Range": etag}, status: 206, body: data[:10]},
				{name: "if-range stale", headers: map[string]string{"Range": "bytes=0-9", "If-Range": `"old"`}, status: 200, body: data},
				{name: "if-range date", headers: map[string]string{"Range": "bytes=0-9", "If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"}, status: 200, body: data},
				{name: "inline", meta: &blob.Meta{Key: obj.Key, Size: obj.Size, FileName: "cover.pdf", Inline: true, CacheControl: "public, max-age=60"},
					status: 200, body: data, want: map[string]string{"Content-Disposition": `inline; filename="cover.pdf"`, "Cache-Control": "public, max-age=60", "Content-Type": "application/octet-stream"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					method := c.method
					if method == "" {
						method = http.MethodGet
					}
					req := httptest.NewRequest(method, "/file", nil)
					for k, v := range c.headers {
						req.Header.Set(k, v)
					}
					m := meta
					if c.meta != nil {
						m = *c.meta
					}
					rec := httptest.NewRecorder()
					if err := s.Serve(rec, req, m); err != nil {
						t.Fatal(err)
					}
					if rec.Code != c.status {
						t.Fatalf("status = %d, want %d", rec.Code, c.status)
					}
					if c.body != nil && !bytes.Equal(rec.Body.Bytes(), c.body) {
						t.Fatalf("body: %d bytes, want %d", rec.Body.Len(), len(c.body))
					}
					if c.body == nil && rec.Body.Len() != 0 {
						t.Fatalf("body of %d bytes, want none", rec.Body.Len())
					}
					for k, v := range c.want {
						if got := rec.Header().Get(k); got != v {
							t.Errorf("%s = %q, want %q", k, got, v)
						}
					}
				})
			}
		})
	}
}

func TestServeMissing(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			for _, m := range []blob.Meta{{Key: "docs/none", Size: 10, SHA256: "ab"}, {Key: "docs/none"}} {
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					rec := httptest.NewRecorder()
					err := s.Serve(rec, httptest.NewRequest(method, "/f", nil), m)
					if !errors.Is(err, blob.ErrNotFound) {
						t.Fatalf("%s %+v: err = %v", method, m, err)
					}
					if rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "" {
						t.Fatalf("%s: wrote a response for a missing blob", method)
					}
				}
			}
		})
	}
}

// TestServeThroughServer checks the headers survive a real HTTP round trip
// and that a client can resume a download with Range.
func TestServeThroughServer(t *testing.T) {
	s := backends(t)["s3"]
	data := pdf(300_000)
	obj, err := s.Upload(context.Background(), bytes.NewReader(data), pdfOnly)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.Serve(w, r, blob.Meta{Key: obj.Key, ContentType: obj.ContentType, SHA256: obj.SHA256, Size: obj.Size, FileName: "Диплом.pdf"}); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Range", "bytes=100000-")
	req.Header.Set("If-Range", blob.ETag(obj.SHA256))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[100000:]) {
		t.Fatalf("status %d, %d bytes", resp.StatusCode, len(got))
	}
}
