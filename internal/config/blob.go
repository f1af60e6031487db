package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Blob configures file storage (logos, covers, later applicants'
// documents): a bucket URL opened by internal/blob.
type Blob struct {
	// URL names the bucket: file:///abs/folder?create_dir=true&no_tmp_dir=true
	// or s3://bucket?region=…&endpoint=…. Empty in development means the
	// folder .data/blobs of the working directory (make run sets it
	// explicitly); production requires it, since files must be shared by
	// every instance.
	URL string
	// ImageMaxBytes is the largest logo or cover accepted (413 above it).
	ImageMaxBytes int64
	// DocumentMaxBytes is the largest applicant's document accepted (413
	// above it).
	DocumentMaxBytes int64
	// LessonMaxBytes is the largest file of a file lesson accepted (413
	// above it); lesson files may be videos.
	LessonMaxBytes int64
}

// DefaultLessonMaxBytes is the default of KABINET_UPLOAD_LESSON_MAX (500 MiB).
const DefaultLessonMaxBytes = 500 << 20

// DefaultDocumentMaxBytes is the default of KABINET_UPLOAD_DOCUMENT_MAX (20 MiB).
const DefaultDocumentMaxBytes = 20 << 20

// DefaultImageMaxBytes is the default of KABINET_UPLOAD_IMAGE_MAX (5 MiB).
const DefaultImageMaxBytes = 5 << 20

func loadBlob(l *loader, c *Config) {
	c.Blob = Blob{
		URL:              l.str("KABINET_BLOB_URL", ""),
		ImageMaxBytes:    l.size("KABINET_UPLOAD_IMAGE_MAX", DefaultImageMaxBytes),
		DocumentMaxBytes: l.size("KABINET_UPLOAD_DOCUMENT_MAX", DefaultDocumentMaxBytes),
		LessonMaxBytes:   l.size("KABINET_UPLOAD_LESSON_MAX", DefaultLessonMaxBytes),
	}
}

func (c Config) validateBlob(bad func(string, ...any)) {
	b := c.Blob
	if b.URL == "" && c.Env == EnvProduction {
		bad("KABINET_BLOB_URL is required in production (s3://… shared by every instance, or an absolute file:// folder)")
	}
	if b.URL != "" {
		u, err := url.Parse(b.URL)
		switch {
		case err != nil:
			bad("KABINET_BLOB_URL is not a URL: %v", err)
		case u.Scheme != "file" && u.Scheme != "s3":
			bad("KABINET_BLOB_URL must be a file:// or s3:// URL")
		case u.Scheme == "file" && (u.Host != "" || !strings.HasPrefix(u.Path, "/")):
			bad("KABINET_BLOB_URL must name an absolute folder (file:///abs/path)")
		}
	}
	if b.ImageMaxBytes < 1<<10 || b.ImageMaxBytes > 100<<20 {
		bad("KABINET_UPLOAD_IMAGE_MAX must be between 1K and 100M")
	}
	if b.DocumentMaxBytes < 1<<10 || b.DocumentMaxBytes > 1<<30 {
		bad("KABINET_UPLOAD_DOCUMENT_MAX must be between 1K and 1G")
	}
	if b.LessonMaxBytes < 1<<10 || b.LessonMaxBytes > 5<<30 {
		bad("KABINET_UPLOAD_LESSON_MAX must be between 1K and 5G")
	}
}

// size reads a byte size written as a number with an optional K, M or G
// suffix (powers of 1024), like KABINET_BODY_LIMIT.
func (l *loader) size(key string, def int64) int64 {
	v := strings.ToUpper(strings.TrimSpace(l.getenv(key)))
	if v == "" {
		return def
	}
	mult := int64(1)
	switch {
	case strings.HasSuffix(v, "K"):
		mult, v = 1<<10, strings.TrimSuffix(v, "K")
	case strings.HasSuffix(v, "M"):
		mult, v = 1<<20, strings.TrimSuffix(v, "M")
	case strings.HasSuffix(v, "G"):
		mult, v = 1<<30, strings.TrimSuffix(v, "G")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		l.errs = append(l.errs, fmt.Errorf("%s: want a size such as 512K or 5M", key))
		return def
	}
	return n * mult
}
