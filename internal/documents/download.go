package documents

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Download writes a stored file through blob.Serve (Range, ETag,
// Content-Disposition). It is the typed response of every download
// operation of the archive and of support attachments: the strict server
// calls its Visit method with the writer.
type Download struct {
	ctx   context.Context
	blobs *blob.Store
	log   interface{ Error(string, ...any) }
	meta  blob.Meta
	req   *http.Request
}

// NewDownload prepares the response for one stored file; the conditional
// headers come as the strict server's parameters and are put back on a
// request for blob.Serve.
func NewDownload(ctx context.Context, blobs *blob.Store, log interface{ Error(string, ...any) }, m blob.Meta, rng, ifRange, ifNoneMatch *string) *Download {
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	for name, v := range map[string]*string{"Range": rng, "If-Range": ifRange, "If-None-Match": ifNoneMatch} {
		if v != nil {
			r.Header.Set(name, *v)
		}
	}
	return &Download{ctx: ctx, blobs: blobs, log: log, meta: m, req: r}
}

func (d *Download) visit(w http.ResponseWriter) error {
	err := d.blobs.Serve(w, d.req, d.meta)
	if errors.Is(err, blob.ErrNotFound) {
		// The row outlived its file: nothing was written yet.
		return web.Fail(d.ctx, http.StatusNotFound, web.CodeNotFound, "The file is missing.")
	}
	if err != nil {
		// The headers are out; the client sees a cut-off body.
		d.log.Error("stream stored file", "key", d.meta.Key, "error", err)
	}
	return nil
}

// VisitDownloadDocumentResponse implements the generated response interface.
func (d *Download) VisitDownloadDocumentResponse(w http.ResponseWriter) error { return d.visit(w) }

// VisitDownloadDocumentVersionResponse implements the generated response interface.
func (d *Download) VisitDownloadDocumentVersionResponse(w http.ResponseWriter) error {
	return d.visit(w)
}

// VisitDownloadMySupportAttachmentResponse implements the generated response interface.
func (d *Download) VisitDownloadMySupportAttachmentResponse(w http.ResponseWriter) error {
	return d.visit(w)
}

// VisitDownloadSupportAttachmentResponse implements the generated response interface.
func (d *Download) VisitDownloadSupportAttachmentResponse(w http.ResponseWriter) error {
	return d.visit(w)
}

func jsonNumber(s string, n *int32) error { return json.Unmarshal([]byte(s), n) }
