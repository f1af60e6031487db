package catalog

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// storeImage streams an uploaded image into the blob store under
// prefix/<org id>: 413 past the size limit, 415 for a type that is not an
// image (an executable is also audited), 422 for an empty body. Nothing is
// stored when it is refused.
func (s *Handler) storeImage(ctx context.Context, orgID uuid.UUID, actor *uuid.UUID, prefix string, body io.Reader) (blob.Object, error) {
	obj, err := s.blobs.Upload(ctx, body, blob.UploadOptions{
		Prefix: prefix + "/" + orgID.String(), MaxSize: s.imageMax, Allowed: blob.ImageTypes(),
	})
	var (
		tooLarge *blob.TooLargeError
		badType  *blob.TypeError
	)
	switch {
	case err == nil:
		return obj, nil
	case errors.As(err, &tooLarge):
		return obj, web.Fail(ctx, http.StatusRequestEntityTooLarge, web.CodePayloadTooLarge,
			"The image is larger than "+humanSize(tooLarge.Limit)+".")
	case errors.As(err, &badType):
		if badType.Executable() {
			// Somebody tried to plant a program as a picture: worth a trace.
			s.Log.WarnContext(ctx, "executable refused as an image", "organization", orgID, "request_id", web.RequestID(ctx))
			if rerr := s.RecordIn(ctx, s.Q, eventExecutableRefused, orgID, nil, actor,
				map[string]any{"what": prefix}); rerr != nil {
				return obj, rerr
			}
		}
		return obj, web.Fail(ctx, http.StatusUnsupportedMediaType, web.CodeUnsupportedMediaType,
			"The file is "+describeType(badType.Detected)+"; send a PNG, JPEG or WebP image.")
	case errors.Is(err, blob.ErrEmpty):
		return obj, invalid(ctx, web.FieldError("body", "required", "the file is empty"))
	}
	return obj, err
}

// saveImage records an uploaded blob in catalog_images within the caller's
// transaction.
func saveImage(ctx context.Context, q *db.Queries, orgID uuid.UUID, obj blob.Object, name string) error {
	_, err := q.CreateCatalogImage(ctx, db.CreateCatalogImageParams{
		Key: obj.Key, OrganizationID: orgID, ContentType: obj.ContentType, SizeBytes: obj.Size, Sha256: obj.SHA256,
		FileName: name + extension(obj.ContentType),
	})
	return err
}

// dropBlob deletes a blob that no row refers to any more (a replaced image,
// or an upload whose transaction failed). A failure only leaves an orphan,
// so it is logged rather than failing the request.
func (s *Handler) dropBlob(ctx context.Context, key string) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.Log.WarnContext(ctx, "could not delete a replaced image", "key", key, "err", err)
	}
}

func extension(contentType string) string {
	switch contentType {
	case blob.TypePNG:
		return ".png"
	case blob.TypeJPEG:
		return ".jpg"
	case blob.TypeWebP:
		return ".webp"
	}
	return ""
}

func describeType(t string) string {
	switch t {
	case blob.TypeExecutable:
		return "an executable program"
	case blob.TypeUnknown:
		return "of an unknown type"
	}
	return t
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa64(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa64(n>>10) + " KiB"
	}
	return itoa64(n) + " bytes"
}

// imageResponse serves a stored image as the answer of one of the download
// operations; it implements their generated response interfaces, since the
// bytes stream straight from the bucket (with Range and ETag) rather than
// through a typed body.
type imageResponse struct {
	store *blob.Store
	req   *http.Request
	meta  blob.Meta
}

func (s *Handler) imageResponse(ctx context.Context, img db.CatalogImage, cacheControl string, rangeH, ifRange, ifNoneMatch *string) (imageResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	if err != nil {
		return imageResponse{}, err
	}
	for k, v := range map[string]*string{"Range": rangeH, "If-Range": ifRange, "If-None-Match": ifNoneMatch} {
		if v != nil {
			req.Header.Set(k, *v)
		}
	}
	return imageResponse{store: s.blobs, req: req, meta: blob.Meta{
		Key: img.Key, ContentType: img.ContentType, SHA256: img.Sha256, Size: img.SizeBytes,
		FileName: img.FileName, Inline: true, CacheControl: cacheControl,
	}}, nil
}

func (r imageResponse) serve(w http.ResponseWriter) error {
	err := r.store.Serve(w, r.req, r.meta)
	if errors.Is(err, blob.ErrNotFound) {
		// The row outlived its blob (deleted by hand, a bucket restored
		// from an older backup): the image is gone.
		return notFound(r.req.Context(), "The image is missing from storage.")
	}
	return err
}

func (r imageResponse) VisitGetCatalogOrganizationLogoResponse(w http.ResponseWriter) error {
	return r.serve(w)
}

func (r imageResponse) VisitGetCatalogProgramCoverResponse(w http.ResponseWriter) error {
	return r.serve(w)
}

func (r imageResponse) VisitGetProgramCoverResponse(w http.ResponseWriter) error { return r.serve(w) }

// fileBase makes a download's file name from a slug (ASCII already).
func fileBase(slug string) string { return strings.TrimSpace(slug) }

// eventExecutableRefused is the audit event of an executable sent as an
// image.
const eventExecutableRefused = "executable_upload_refused"
