package learning

import (
	"context"
	"errors"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// lessonFileTypes are what a file lesson may hold: the document types,
// spreadsheets, MP4 video and MP3 audio (sniffed from the content).
var lessonFileTypes = append(blob.DocumentTypes(), blob.TypeXLSX, "video/mp4", "audio/mpeg")

// UploadLessonFile streams a file lesson's file into blob storage,
// replacing an earlier one.
func (s *Handler) UploadLessonFile(ctx context.Context, req api.UploadLessonFileRequestObject) (api.UploadLessonFileResponseObject, error) {
	p, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	cur, err := s.lesson(ctx, prog.ID, req.LessonID)
	if err != nil {
		return nil, err
	}
	// Checked before the file is read, so a refused upload stores nothing.
	if cur.Kind != db.LessonKindFile {
		return nil, web.Fail(ctx, http.StatusConflict, codeNotAFileLesson, "The lesson is of kind "+string(cur.Kind)+"; only a file lesson holds a file.",
			web.FieldError("kind", string(cur.Kind), "is not file"))
	}
	if err := requireIfMatch(ctx, req.Params.IfMatch, cur.Version); err != nil {
		return nil, err
	}
	part, err := web.FilePart(req.Body)
	if err != nil {
		return nil, s.uploadProblem(ctx, p, err)
	}
	obj, err := s.blobs.Upload(ctx, part, blob.UploadOptions{
		Prefix: "lessons/" + prog.ID.String(), MaxSize: s.Cfg.Blob.LessonMaxBytes, Allowed: lessonFileTypes,
	})
	if err != nil {
		return nil, s.uploadProblem(ctx, p, err)
	}
	name := fileName(part.FileName(), cur.Title)
	l, err := s.Q.SetLessonFile(ctx, db.SetLessonFileParams{
		ProgramID: prog.ID, ID: cur.ID, Version: cur.Version, FileKey: &obj.Key, FileName: &name,
		FileContentType: &obj.ContentType, FileSize: pgtype.Int8{Int64: obj.Size, Valid: true}, FileSha256: &obj.SHA256,
	})
	if err != nil {
		s.dropBlob(ctx, obj.Key)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, stale(ctx, cur.Version+1)
		}
		return nil, err
	}
	if cur.FileKey != nil {
		s.dropBlob(ctx, *cur.FileKey)
	}
	return api.UploadLessonFile200JSONResponse{Body: staffLessonDTO(prog.OrganizationID, l), Headers: api.UploadLessonFile200ResponseHeaders{ETag: versionTag(l.Version)}}, nil
}

// DownloadLessonFile streams a lesson's file to staff.
func (s *Handler) DownloadLessonFile(ctx context.Context, req api.DownloadLessonFileRequestObject) (api.DownloadLessonFileResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	l, err := s.lesson(ctx, prog.ID, req.LessonID)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, l, pr.Range, pr.IfRange, pr.IfNoneMatch)
}

// fileName keeps the base name the client sent, without control
// characters and at most 255 bytes, or names the file after the lesson.
func fileName(sent, title string) string {
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == '/' || r == '\\' {
				return -1
			}
			return r
		}, s)
		s = strings.TrimSpace(s)
		for len(s) > 255 {
			_, size := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		}
		return s
	}
	name := clean(path.Base(strings.ReplaceAll(sent, `\`, "/")))
	if name == "" || name == "." {
		name = clean(title)
	}
	return name
}

// fileResponse streams a lesson's file through blob.Serve (Range, ETag,
// Content-Disposition); it is the typed response of both downloads.
type fileResponse struct {
	ctx  context.Context
	h    *Handler
	req  *http.Request
	meta blob.Meta
}

func (s *Handler) download(ctx context.Context, l db.Lesson, rng, ifRange, ifNoneMatch *string) (*fileResponse, error) {
	if l.FileKey == nil {
		return nil, notFound(ctx, "The lesson has no file.")
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]*string{"Range": rng, "If-Range": ifRange, "If-None-Match": ifNoneMatch} {
		if v != nil {
			r.Header.Set(name, *v)
		}
	}
	return &fileResponse{ctx: ctx, h: s, req: r, meta: blob.Meta{
		Key: *l.FileKey, ContentType: deref(l.FileContentType), SHA256: deref(l.FileSha256), Size: l.FileSize.Int64, FileName: deref(l.FileName),
	}}, nil
}

func (f *fileResponse) visit(w http.ResponseWriter) error {
	err := f.h.blobs.Serve(w, f.req, f.meta)
	if errors.Is(err, blob.ErrNotFound) {
		// The row outlived its file: nothing was written yet.
		return notFound(f.ctx, "The lesson's file is missing from storage.")
	}
	if err != nil {
		// The headers are out; the client sees a cut-off body.
		f.h.Log.ErrorContext(f.ctx, "stream lesson file", "key", f.meta.Key, "err", err)
	}
	return nil
}

// VisitDownloadLessonFileResponse implements the generated response interface.
func (f *fileResponse) VisitDownloadLessonFileResponse(w http.ResponseWriter) error {
	return f.visit(w)
}

// VisitDownloadMyLessonFileResponse implements the generated response interface.
func (f *fileResponse) VisitDownloadMyLessonFileResponse(w http.ResponseWriter) error {
	return f.visit(w)
}

// uploadProblem is web.UploadProblem with this domain's accepted types.
func (s *Handler) uploadProblem(ctx context.Context, p *web.Principal, err error) error {
	return web.UploadProblem(ctx, s.Log, p, "Lesson files may be PDF, JPEG, PNG, WebP, DOCX, XLSX, MP4 or MP3 (the type is read from the content).", "", err)
}
