package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gocloud.dev/blob"
)

// ErrEmpty is returned when an upload has no bytes at all.
var ErrEmpty = errors.New("the file is empty")

// TooLargeError is returned when an upload goes past its size limit; the
// HTTP layer answers 413. Nothing is stored.
type TooLargeError struct {
	Limit int64 // bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the file is larger than %d bytes", e.Limit)
}

// TypeError is returned when the sniffed type of an upload is not among the
// allowed ones; the HTTP layer answers 415. Nothing is stored.
type TypeError struct {
	Detected string   // what Sniff said, e.g. TypeExecutable
	Allowed  []string // what the upload accepted
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("file type %s is not accepted (accepted: %s)", e.Detected, strings.Join(e.Allowed, ", "))
}

// Executable reports whether the refused file is a program or a script,
// which callers may want to log as a security event.
func (e *TypeError) Executable() bool { return e.Detected == TypeExecutable }

// UploadOptions limit and place one upload.
type UploadOptions struct {
	// Prefix is the key's folder, e.g. "covers/<org id>"; the key is
	// Prefix/<random>. Lower-case segments of [a-z0-9_-].
	Prefix string
	// MaxSize is the largest accepted size in bytes; it must be positive.
	MaxSize int64
	// Allowed lists the accepted sniffed types (see ImageTypes,
	// DocumentTypes); it must not be empty.
	Allowed []string
}

// Object describes a stored blob: what callers keep in their tables.
type Object struct {
	Key         string
	Size        int64
	ContentType string // sniffed, one of UploadOptions.Allowed
	SHA256      string // lower-case hex
}

// uploadPartSize is the part size of S3 multipart uploads (S3's minimum) and
// the chunk the local folder writer receives; with one part in flight at a
// time an upload holds about this much memory whatever the file's size.
const uploadPartSize = 5 << 20

// Upload streams r into a new blob. It reads the first SniffLen bytes to
// sniff the type and refuses (*TypeError) a type not in opts.Allowed before
// storing anything; then it copies the rest through a SHA-256 hash, refusing
// (*TooLargeError) as soon as more than opts.MaxSize bytes arrive. An empty
// r is ErrEmpty.
//
// The blob becomes visible only when it is complete: the bucket's writer
// keeps it in a temporary file (local folder) or an unfinished multipart
// upload (S3) until it is closed, and on any error the write is aborted by
// cancelling its context, so no half-written blob remains under the key.
func (s *Store) Upload(ctx context.Context, r io.Reader, opts UploadOptions) (Object, error) {
	if opts.MaxSize <= 0 || len(opts.Allowed) == 0 {
		return Object{}, errors.New("blob upload: MaxSize and Allowed are required")
	}
	key, err := newKey(opts.Prefix)
	if err != nil {
		return Object{}, err
	}
	head := make([]byte, min(SniffLen, opts.MaxSize+1))
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF):
		return Object{}, ErrEmpty
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return Object{}, fmt.Errorf("read upload: %w", err)
	}
	head = head[:n]
	if int64(n) > opts.MaxSize {
		return Object{}, &TooLargeError{Limit: opts.MaxSize}
	}
	typ := Sniff(head)
	if !slices.Contains(opts.Allowed, typ) {
		return Object{}, &TypeError{Detected: typ, Allowed: slices.Clone(opts.Allowed)}
	}

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{
		ContentType:    typ,
		BufferSize:     uploadPartSize,
		MaxConcurrency: 1,
		IfNotExist:     true,
	})
	if err != nil {
		return Object{}, fmt.Errorf("blob upload: %w", err)
	}
	abort := func(err error) (Object, error) {
		cancel()
		_ = w.Close() // reports the cancellation; the write is discarded
		return Object{}, err
	}
	h := sha256.New()
	dst := io.MultiWriter(w, h)
	if _, err := dst.Write(head); err != nil {
		return abort(fmt.Errorf("blob upload: %w", err))
	}
	// One byte more than the limit allows tells "exactly MaxSize" from "more".
	rest := io.LimitReader(r, opts.MaxSize-int64(n)+1)
	copied, err := io.CopyBuffer(dst, rest, make([]byte, 32<<10))
	if err != nil {
		return abort(fmt.Errorf("blob upload: %w", err))
	}
	size := int64(n) + copied
	if size > opts.MaxSize {
		return abort(&TooLargeError{Limit: opts.MaxSize})
	}
	if err := w.Close(); err != nil {
		return Object{}, fmt.Errorf("blob upload: %w", err)
	}
	return Object{Key: key, Size: size, ContentType: typ, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
