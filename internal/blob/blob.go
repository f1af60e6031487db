// Package blob stores files (logos, cover images, applicants' documents) in
// a bucket opened through gocloud.dev/blob: a local folder by default, or any
// S3-compatible store by URL.
//
// Uploads stream: a file is never held in memory, its size is limited while
// it is read, its type is sniffed from its first bytes and checked against
// an allowed list, and its SHA-256 is computed on the way. Downloads stream
// too, with single ranges, an ETag made of the SHA-256 and a
// Content-Disposition carrying the UTF-8 file name.
//
// The package keeps no record of what it stores: callers keep the Object an
// upload returns (key, size, type, SHA-256) in their own tables and hand it
// back as Meta to serve the file.
package blob

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs
	"gocloud.dev/gcerrors"
)

// ErrNotFound is returned (wrapped) when a key names no stored blob.
var ErrNotFound = errors.New("blob not found")

// Store is an open bucket. It is safe for concurrent use.
type Store struct {
	bucket *blob.Bucket
}

// Open opens the bucket that rawURL names:
//
//	file:///abs/path?create_dir=true&no_tmp_dir=true   a local folder (see FileURL)
//	s3://bucket?region=ru-central1&endpoint=https://storage.yandexcloud.net
//	s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:9000&use_path_style=true&disable_https=true
//
// S3 credentials come from the usual AWS sources (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, a shared profile, …). The query parameters are
// gocloud.dev's: see fileblob.URLOpener and s3blob.URLOpener.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("open blob bucket: %w", err)
	}
	return &Store{bucket: b}, nil
}

// FileURL returns the URL of a local folder bucket at dir (made absolute),
// created when missing. Temporary files of unfinished uploads are kept
// beside their final place rather than in os.TempDir, so that finishing an
// upload is a rename within one file system.
func FileURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("blob folder: %w", err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "create_dir=true&no_tmp_dir=true"}
	return u.String(), nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Reader opens a stored blob for reading; the caller closes it.
func (s *Store) Reader(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, classify(key, err)
	}
	return r, nil
}

// Exists reports whether key names a stored blob.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("blob %q: %w", key, err)
	}
	return ok, nil
}

// Delete removes a stored blob. Deleting a key that names nothing is not an
// error, so a cleanup may simply be retried.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete blob %q: %w", key, err)
	}
	return nil
}

func classify(key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("blob %q: %w", key, ErrNotFound)
	}
	return fmt.Errorf("blob %q: %w", key, err)
}

// prefixPattern keeps keys portable across file systems and S3: lower-case
// path segments of letters, digits, '-' and '_'.
var prefixPattern = regexp.MustCompile(`^[a-z0-9_-]+(/[a-z0-9_-]+)*$`)

// newKey returns prefix/<26 random base32 characters> (130 bits): keys are
// never derived from client input, so they cannot collide or escape.
func newKey(prefix string) (string, error) {
	prefix = strings.Trim(prefix, "/")
	if !prefixPattern.MatchString(prefix) {
		return "", fmt.Errorf("blob key prefix %q: want lower-case segments of [a-z0-9_-]", prefix)
	}
	return prefix + "/" + strings.ToLower(rand.Text()), nil
}
