package blob

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"
)

// Meta is what Serve needs to know about a stored blob; callers fill it from
// their own tables (the Object of the upload plus the file's name).
type Meta struct {
	Key         string
	ContentType string
	// SHA256 (hex) makes the strong ETag; empty means no ETag.
	SHA256 string
	// Size in bytes; 0 makes Serve ask the bucket.
	Size int64
	// FileName is offered to the browser in Content-Disposition (any UTF-8).
	FileName string
	// Inline shows the file in the browser instead of downloading it.
	Inline bool
	// CacheControl defaults to "private, no-cache": the browser keeps a
	// copy but revalidates it with If-None-Match, which costs no body.
	CacheControl string
}

// ETag returns the strong entity tag Serve sends for a SHA-256 (hex).
func ETag(sha256 string) string { return `"` + sha256 + `"` }

// Serve answers a GET or HEAD for one stored blob: 200 with the whole file,
// 206 with one byte range (Range: bytes=a-b, a- or -n; a request for several
// ranges gets the whole file), 416 for a range past the end, and 304 when
// If-None-Match names the ETag. If-Range with a stale ETag or with a date
// gets the whole file. The body streams from the bucket.
//
// When the blob is missing Serve returns an error wrapping ErrNotFound and
// writes nothing, so the caller answers 404 its own way. An error after the
// headers went out (the client left, the bucket failed mid-way) can only be
// logged.
func (s *Store) Serve(w http.ResponseWriter, r *http.Request, m Meta) error {
	ctx := r.Context()
	if m.Size <= 0 {
		attrs, err := s.bucket.Attributes(ctx, m.Key)
		if err != nil {
			return classify(m.Key, err)
		}
		m.Size = attrs.Size
	}
	h := w.Header()
	etag := ""
	if m.SHA256 != "" {
		etag = ETag(m.SHA256)
		h.Set("ETag", etag)
	}
	cc := m.CacheControl
	if cc == "" {
		cc = "private, no-cache"
	}
	h.Set("Cache-Control", cc)
	if etag != "" && noneMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}

	off, length, status := int64(0), m.Size, http.StatusOK
	if rng := r.Header.Get("Range"); rng != "" && r.Method != http.MethodHead && ifRange(r.Header.Get("If-Range"), etag) {
		start, n, ok, satisfiable := parseRange(rng, m.Size)
		switch {
		case ok && !satisfiable:
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", m.Size))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return nil
		case ok:
			off, length, status = start, n, http.StatusPartialContent
		}
	}

	var body *blob.Reader
	if r.Method == http.MethodHead {
		if ok, err := s.bucket.Exists(ctx, m.Key); err != nil {
			return classify(m.Key, err)
		} else if !ok {
			return fmt.Errorf("blob %q: %w", m.Key, ErrNotFound)
		}
	} else {
		rd, err := s.bucket.NewRangeReader(ctx, m.Key, off, length, nil)
		if err != nil {
			return classify(m.Key, err)
		}
		defer rd.Close()
		body = rd
	}

	ct := m.ContentType
	if ct == "" {
		ct = TypeUnknown
	}
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Accept-Ranges", "bytes")
	disp := "attachment"
	if m.Inline {
		disp = "inline"
	}
	h.Set("Content-Disposition", ContentDisposition(disp, m.FileName))
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	if status == http.StatusPartialContent {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+length-1, m.Size))
	}
	w.WriteHeader(status)
	if body == nil {
		return nil
	}
	// The server's WriteTimeout (a minute) would cut a large file short for
	// a slow client: give the body a minute plus the time it takes at
	// 64 KiB/s, so only a client slower than that is dropped.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeDeadline(length)))
	if err := copyBody(w, body); err != nil {
		return fmt.Errorf("stream blob %q: %w", m.Key, err)
	}
	return nil
}

// writeDeadline is the time a body of length bytes may take to go out.
func writeDeadline(length int64) time.Duration {
	return time.Minute + time.Duration(length>>16)*time.Second
}

// copyBody streams a blob's range to w. From a local folder bucket the range
// is a section of a file, which the kernel sends by itself (sendfile) once w
// is unwrapped down to net/http's own writer; from other buckets it is
// copied through a 256 KiB buffer. (Bytes sent by sendfile bypass the
// wrappers, so a middleware counting response bytes sees none of them.)
func copyBody(w http.ResponseWriter, rd *blob.Reader) error {
	var src io.Reader = rd
	var under io.Reader
	if rd.As(&under) {
		src = under
	}
	dst := w
	for {
		u, ok := dst.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		dst = u.Unwrap()
	}
	if rf, ok := dst.(io.ReaderFrom); ok {
		_, err := rf.ReadFrom(src)
		return err
	}
	_, err := io.CopyBuffer(dst, src, make([]byte, 256<<10))
	return err
}

// parseRange reads a single-range "bytes=" header against a file of size
// bytes. ok is false when the header is to be ignored (another unit, bad
// syntax, several ranges); satisfiable is false for a range that starts past
// the end or an empty suffix.
func parseRange(header string, size int64) (start, length int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, false
		}
		if n == 0 {
			return 0, 0, true, false
		}
		n = min(n, size)
		return size - n, n, true, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, 0, false, false
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, 0, false, false
		}
		b = min(b, size-1)
	}
	if a >= size {
		return 0, 0, true, false
	}
	return a, b - a + 1, true, true
}

// noneMatch reports whether an If-None-Match header matches etag, by weak
// comparison as RFC 9110 asks for it.
func noneMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == etag {
			return true
		}
	}
	return false
}

// ifRange reports whether a Range may be honoured under an If-Range header:
// only when there is none or it names the current ETag exactly (strong
// comparison). A date never matches, since blobs carry no Last-Modified.
func ifRange(header, etag string) bool {
	if header == "" {
		return true
	}
	return etag != "" && strings.TrimSpace(header) == etag
}
