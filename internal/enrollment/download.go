package enrollment

import (
	"context"
	"errors"
	"net/http"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// downloadResponse writes a stored document through blob.Serve (Range,
// ETag, Content-Disposition). It is the typed response of both download
// operations: the strict server calls its Visit method with the writer.
type downloadResponse struct {
	ctx   context.Context
	blobs *blob.Store
	log   interface{ Error(string, ...any) }
	meta  blob.Meta
	req   *http.Request
}

func (s *Handler) download(ctx context.Context, d db.ApplicationDocument, rng, ifRange, ifNoneMatch *string) *downloadResponse {
	// blob.Serve reads the conditional headers from a request; the strict
	// server hands us them as parameters, so they are put back on one.
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	for name, v := range map[string]*string{"Range": rng, "If-Range": ifRange, "If-None-Match": ifNoneMatch} {
		if v != nil {
			r.Header.Set(name, *v)
		}
	}
	return &downloadResponse{
		ctx: ctx, blobs: s.blobs, log: s.Log, req: r,
		meta: blob.Meta{Key: d.BlobKey, ContentType: d.ContentType, SHA256: d.Sha256, Size: d.SizeBytes, FileName: d.FileName},
	}
}

func (d *downloadResponse) visit(w http.ResponseWriter) error {
	err := d.blobs.Serve(w, d.req, d.meta)
	if errors.Is(err, blob.ErrNotFound) {
		// The row outlived its file: nothing was written yet.
		return web.Fail(d.ctx, http.StatusNotFound, "not_found", "The document's file is missing.")
	}
	if err != nil {
		// The headers are out; the client sees a cut-off body.
		d.log.Error("stream application document", "key", d.meta.Key, "error", err)
	}
	return nil
}

// VisitDownloadMyApplicationDocumentResponse implements the generated response interface.
func (d *downloadResponse) VisitDownloadMyApplicationDocumentResponse(w http.ResponseWriter) error {
	return d.visit(w)
}

// VisitDownloadOrganizationApplicationDocumentResponse implements the generated response interface.
func (d *downloadResponse) VisitDownloadOrganizationApplicationDocumentResponse(w http.ResponseWriter) error {
	return d.visit(w)
}
