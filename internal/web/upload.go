package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/kabinet-edu/kabinet/internal/blob"
)

// ErrNoFile says a multipart body has no part named "file".
var ErrNoFile = errors.New("no file part")

// FilePart finds the part named "file" of a multipart body (nil: no body),
// the one every streamed upload reads.
func FilePart(r *multipart.Reader) (*multipart.Part, error) {
	if r == nil {
		return nil, ErrNoFile
	}
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, ErrNoFile
		}
		if err != nil {
			return nil, err
		}
		if part.FormName() == "file" {
			return part, nil
		}
	}
}

// UploadProblem turns a refused upload into its problem: 413 over the size
// limit; 415 for a type not accepted, with accepted as its detail and
// typeNote after the detected type in the field's message (an executable is
// logged as a security event); 422 without a file or with an empty one; 400
// for a body that is not readable multipart. Any other error is returned as
// it is.
func UploadProblem(ctx context.Context, log *slog.Logger, p *Principal, accepted, typeNote string, err error) error {
	var tooLarge *blob.TooLargeError
	var badType *blob.TypeError
	switch {
	case errors.As(err, &tooLarge):
		return Fail(ctx, http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			"The file is larger than the limit.", FieldError("file", "too_large", tooLarge.Error()))
	case errors.As(err, &badType):
		if badType.Executable() {
			log.WarnContext(ctx, "executable upload refused", "user_id", p.User.ID, "detected", badType.Detected)
		}
		return Fail(ctx, http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, accepted,
			FieldError("file", "unsupported_type", "is "+badType.Detected+typeNote))
	case errors.Is(err, ErrNoFile):
		return &Error{Problem: Invalid(ctx, FieldError("file", "required", "is required: a multipart part named file"))}
	case errors.Is(err, blob.ErrEmpty):
		return &Error{Problem: Invalid(ctx, FieldError("file", "empty", "has no content"))}
	case errors.Is(err, multipart.ErrMessageTooLarge), strings.Contains(err.Error(), "multipart"):
		return Fail(ctx, http.StatusBadRequest, CodeMalformedRequest, "The multipart body cannot be read.")
	}
	return err
}
