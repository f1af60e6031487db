package learning_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

var (
	pdfFile = append([]byte("%PDF-1.4\n%âãÏÓ\n1 0 obj <<>> endobj\n"), bytes.Repeat([]byte("0123456789"), 100)...)
	exeFile = append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
)

func uploadFile(t *testing.T, env *apitest.Env, org apitest.StaffOrg, programID, lessonID uuid.UUID, version int, name string, content []byte) *client.UploadLessonFileResponse {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := env.Client.UploadLessonFileWithBodyWithResponse(bg, org.ID, programID, lessonID, &client.UploadLessonFileParams{IfMatch: etag(version)},
		w.FormDataContentType(), &body, org.As("teacher"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLessonFileUploadAndDownload(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := staffOrg(t, env)
	programID, _, learner := apitest.Learner(t, env, org)
	m := newModule(t, env, org, programID, "Материалы")
	file := newLesson(t, env, org, programID, client.LessonCreate{ModuleID: m.ID, Kind: client.LessonKindFile, Title: "Памятка"})
	text := newLesson(t, env, org, programID, textLesson(m.ID, "Текст"))

	// Before the upload the learner sees no file, and downloading is 404.
	got, _ := env.Client.GetMyLessonWithResponse(bg, programID, file.ID, apitest.Bearer(learner.AccessToken))
	if got.JSON200 == nil || got.JSON200.File != nil {
		t.Fatalf("no file yet: %s", got.Body)
	}
	dl, _ := env.Client.DownloadMyLessonFileWithResponse(bg, programID, file.ID, &client.DownloadMyLessonFileParams{}, apitest.Bearer(learner.AccessToken))
	apitest.WantProblem(t, dl.HTTPResponse, dl.Body, http.StatusNotFound, "not_found")

	res := uploadFile(t, env, org, programID, text.ID, 1, "a.pdf", pdfFile)
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "not_a_file_lesson")
	res = uploadFile(t, env, org, programID, file.ID, 1, "virus.pdf", exeFile)
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnsupportedMediaType, "unsupported_media_type")
	res = uploadFile(t, env, org, programID, file.ID, 1, "empty.pdf", nil)
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	res = uploadFile(t, env, org, programID, file.ID, 5, "a.pdf", pdfFile)
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusPreconditionFailed, "precondition_failed")
	res = uploadFile(t, env, org, programID, file.ID, 1, "Памятка слушателя.pdf", pdfFile)
	if res.JSON200 == nil || res.JSON200.File == nil || res.JSON200.File.ContentType != "application/pdf" || res.JSON200.File.SizeBytes != int64(len(pdfFile)) ||
		res.JSON200.File.FileName != "Памятка слушателя.pdf" || res.JSON200.Version != 2 {
		t.Fatalf("upload: %s", res.Body)
	}
	var stored int
	if err := env.Pool.QueryRow(bg, `SELECT count(*) FROM lessons WHERE file_key IS NOT NULL`).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("stored %d %v", stored, err)
	}

	// Staff download with a range.
	sd, _ := env.Client.DownloadLessonFileWithResponse(bg, org.ID, programID, file.ID, &client.DownloadLessonFileParams{Range: ptr("bytes=0-3")}, org.As("manager"))
	if sd.StatusCode() != http.StatusPartialContent || string(sd.Body) != "%PDF" || sd.HTTPResponse.Header.Get("Content-Range") != "bytes 0-3/"+apitest.Itoa(int64(len(pdfFile))) {
		t.Fatalf("staff range: %d %q %v", sd.StatusCode(), sd.Body, sd.HTTPResponse.Header)
	}
	// The learner's download: whole, by range, revalidated by ETag.
	got, _ = env.Client.GetMyLessonWithResponse(bg, programID, file.ID, apitest.Bearer(learner.AccessToken))
	if got.JSON200 == nil || got.JSON200.File == nil || !strings.HasSuffix(got.JSON200.File.DownloadURL, "/lessons/"+file.ID.String()+"/file") {
		t.Fatalf("file view: %s", got.Body)
	}
	dl, _ = env.Client.DownloadMyLessonFileWithResponse(bg, programID, file.ID, &client.DownloadMyLessonFileParams{}, apitest.Bearer(learner.AccessToken))
	if dl.StatusCode() != 200 || !bytes.Equal(dl.Body, pdfFile) || !strings.Contains(dl.HTTPResponse.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("download: %d %v", dl.StatusCode(), dl.HTTPResponse.Header)
	}
	tag := dl.HTTPResponse.Header.Get("ETag")
	dl, _ = env.Client.DownloadMyLessonFileWithResponse(bg, programID, file.ID, &client.DownloadMyLessonFileParams{Range: ptr("bytes=-10")}, apitest.Bearer(learner.AccessToken))
	if dl.StatusCode() != http.StatusPartialContent || !bytes.Equal(dl.Body, pdfFile[len(pdfFile)-10:]) {
		t.Fatalf("suffix range: %d %q", dl.StatusCode(), dl.Body)
	}
	dl, _ = env.Client.DownloadMyLessonFileWithResponse(bg, programID, file.ID, &client.DownloadMyLessonFileParams{IfNoneMatch: &tag}, apitest.Bearer(learner.AccessToken))
	if dl.StatusCode() != http.StatusNotModified {
		t.Fatalf("if-none-match: %d", dl.StatusCode())
	}
	// Someone else's download is 404.
	stranger := apitest.Register(t, env, apitest.NewAccount())
	dl, _ = env.Client.DownloadMyLessonFileWithResponse(bg, programID, file.ID, &client.DownloadMyLessonFileParams{}, apitest.Bearer(stranger.AccessToken))
	apitest.WantProblem(t, dl.HTTPResponse, dl.Body, http.StatusNotFound, "not_found")

	// Deleting the lesson deletes its file.
	del, _ := env.Client.DeleteLessonWithResponse(bg, org.ID, programID, file.ID, &client.DeleteLessonParams{IfMatch: etag(2)}, org.As("manager"))
	wantStatus(t, del.StatusCode(), del.Body, http.StatusNoContent)
}

func TestLessonFileSizeLimit(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Blob.LessonMaxBytes = 1 << 10 })
	org := staffOrg(t, env)
	c := apitest.NewCourse(t, env, org, 0)
	m := newModule(t, env, org, c.ProgramID, "Материалы")
	file := newLesson(t, env, org, c.ProgramID, client.LessonCreate{ModuleID: m.ID, Kind: client.LessonKindFile, Title: "Большой файл"})
	res := uploadFile(t, env, org, c.ProgramID, file.ID, 1, "big.pdf", append(pdfFile, bytes.Repeat([]byte("x"), 2<<10)...))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusRequestEntityTooLarge, "payload_too_large")
	var stored int
	if err := env.Pool.QueryRow(bg, `SELECT count(*) FROM lessons WHERE file_key IS NOT NULL`).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("stored %d %v", stored, err)
	}
	res = uploadFile(t, env, org, c.ProgramID, file.ID, 1, "small.pdf", pdfFile[:800])
	if res.JSON200 == nil {
		t.Fatalf("small file: %s", res.Body)
	}
}
