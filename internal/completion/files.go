package completion

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// pdfFile is a stored PDF ready to be sent, or a 304.
type pdfFile struct {
	body        io.ReadCloser
	size        int64
	etag        string
	disposition string
	notModified bool
}

func (s *Handler) openPDF(ctx context.Context, d db.IssuedDocument, ifNoneMatch *string) (pdfFile, error) {
	f := pdfFile{
		etag: blob.ETag(d.PdfSha256), size: d.PdfSize,
		disposition: blob.ContentDisposition("attachment", fileTitle(d.Kind)+" "+d.RegistrationNumber+".pdf"),
	}
	if ifNoneMatch != nil && matches(*ifNoneMatch, f.etag) {
		f.notModified = true
		return f, nil
	}
	r, err := s.blobs.Reader(ctx, d.PdfKey)
	if errors.Is(err, blob.ErrNotFound) {
		return f, web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "The document's file is missing.")
	}
	if err != nil {
		return f, err
	}
	f.body = r
	return f, nil
}

// matches reads an If-None-Match list.
func matches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
