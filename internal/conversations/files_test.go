package conversations_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/conversations"
)

// A PDF-looking file (the sniffer reads the content, not the name).
var pdf = append([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"), bytes.Repeat([]byte("0123456789"), 300)...)

func multipartFile(t *testing.T, name string, content []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
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
	return w.FormDataContentType(), &buf
}

func uploadMine(t *testing.T, env *apitest.Env, s setup, name string, content []byte) *client.UploadMyConversationAttachmentResponse {
	t.Helper()
	ct, body := multipartFile(t, name, content)
	res, err := env.Client.UploadMyConversationAttachmentWithBodyWithResponse(context.Background(), s.c.program, ct, body, s.as())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Files go up on their own, are sent with a message, and come back with
// Range, ETag and the file name; a disguised executable is refused.
func TestAttachments(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	s := newSetup(t, env, "conv-files")

	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 600)...)
	if res := uploadMine(t, env, s, "Задание.pdf", exe); res.StatusCode() != 415 {
		t.Fatalf("disguised executable: %d %s", res.StatusCode(), res.Body)
	} else {
		apitest.WantProblem(t, res.HTTPResponse, res.Body, 415, "unsupported_media_type")
	}
	if res := uploadMine(t, env, s, "empty.pdf", nil); res.StatusCode() != 422 {
		t.Fatalf("empty file: %d %s", res.StatusCode(), res.Body)
	}

	up := uploadMine(t, env, s, "Решение задания 2.pdf", pdf)
	if up.JSON201 == nil || up.JSON201.ContentType != "application/pdf" || up.JSON201.FileName != "Решение задания 2.pdf" || up.JSON201.SizeBytes != int64(len(pdf)) {
		t.Fatalf("upload: %d %s", up.StatusCode(), up.Body)
	}
	file := up.JSON201.ID
	// Unsent, it is the uploader's alone.
	if n := apitest.CountRows(t, env, "conversation_attachments"); n != 1 {
		t.Fatalf("attachment rows: %d", n)
	}
	m := say(t, env, s, "", file)
	if len(m.Attachments) != 1 || m.Attachments[0].ID != file || m.Body != "" {
		t.Fatalf("message with a file: %+v", m)
	}
	// Sent once: it cannot be sent again; an unknown id is named too.
	other := uuid.New()
	in := client.ConversationMessageCreate{Body: "ещё раз", AttachmentIds: &[]uuid.UUID{other, file}}
	again, err := env.Client.SendMyProgramConversationMessageWithResponse(ctx, s.c.program, in, s.as())
	if err != nil {
		t.Fatal(err)
	}
	if p := apitest.WantProblem(t, again.HTTPResponse, again.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "attachmentIds.0:unknown", "attachmentIds.1:unknown") {
		t.Fatalf("reused file: %s", again.Body)
	}

	// The teacher downloads it whole, by range and conditionally.
	dl, err := env.Client.DownloadOrganizationConversationAttachmentWithResponse(ctx, s.o.ID, m.ConversationID, file, nil, s.o.As("teacher"))
	if err != nil || dl.StatusCode() != 200 || !bytes.Equal(dl.Body, pdf) {
		t.Fatalf("download: %v %d", err, dl.StatusCode())
	}
	etag := dl.HTTPResponse.Header.Get("ETag")
	if etag != `"`+up.JSON201.Sha256+`"` || dl.HTTPResponse.Header.Get("Content-Disposition") == "" {
		t.Fatalf("headers: %v", dl.HTTPResponse.Header)
	}
	rng := "bytes=0-9"
	part, _ := env.Client.DownloadOrganizationConversationAttachmentWithResponse(ctx, s.o.ID, m.ConversationID, file,
		&client.DownloadOrganizationConversationAttachmentParams{Range: &rng}, s.o.As("teacher"))
	if part.StatusCode() != 206 || !bytes.Equal(part.Body, pdf[:10]) {
		t.Fatalf("range: %d %q", part.StatusCode(), part.Body)
	}
	same, _ := env.Client.DownloadMyConversationAttachmentWithResponse(ctx, s.c.program, file,
		&client.DownloadMyConversationAttachmentParams{IfNoneMatch: &etag}, s.as())
	if same.StatusCode() != 304 {
		t.Fatalf("If-None-Match: %d", same.StatusCode())
	}

	// The teacher answers with a file of their own.
	ct, body := multipartFile(t, "Разбор.txt", []byte("Разбор решения: всё верно.\n"))
	tu, err := env.Client.UploadOrganizationConversationAttachmentWithBodyWithResponse(ctx, s.o.ID, m.ConversationID, ct, body, s.o.As("teacher"))
	if err != nil || tu.JSON201 == nil || tu.JSON201.ContentType != "text/plain" {
		t.Fatalf("teacher's upload: %v %s", err, tu.Body)
	}
	// The learner cannot see the teacher's file before it is sent.
	early, _ := env.Client.DownloadMyConversationAttachmentWithResponse(ctx, s.c.program, tu.JSON201.ID, nil, s.as())
	if early.StatusCode() != 404 {
		t.Fatalf("unsent staff file seen by the learner: %d", early.StatusCode())
	}
	res, err := env.Client.SendOrganizationConversationMessageWithResponse(ctx, s.o.ID, m.ConversationID,
		client.ConversationMessageCreate{Body: "См. файл", AttachmentIds: &[]uuid.UUID{tu.JSON201.ID}}, s.o.As("teacher"))
	if err != nil || res.JSON201 == nil || len(res.JSON201.Attachments) != 1 {
		t.Fatalf("answer with a file: %v %s", err, res.Body)
	}
	got, _ := env.Client.DownloadMyConversationAttachmentWithResponse(ctx, s.c.program, tu.JSON201.ID, nil, s.as())
	if got.StatusCode() != 200 || string(got.Body) != "Разбор решения: всё верно.\n" {
		t.Fatalf("learner downloads the answer's file: %d", got.StatusCode())
	}

	// Another learner of the same program sees none of it.
	s2 := setup{o: s.o, c: s.c, learner: student(t, env, s.c)}
	foreign, _ := env.Client.DownloadMyConversationAttachmentWithResponse(ctx, s.c.program, file, nil, s2.as())
	apitest.WantProblem(t, foreign.HTTPResponse, foreign.Body, 404, "not_found")
}

// Uploads never sent are deleted after a day, with their files; sent ones
// stay.
func TestPurgeUnsentUploads(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	s := newSetup(t, env, "conv-purge")
	sent := uploadMine(t, env, s, "sent.pdf", pdf).JSON201
	say(t, env, s, "с файлом", sent.ID)
	old := uploadMine(t, env, s, "old.pdf", pdf).JSON201
	fresh := uploadMine(t, env, s, "fresh.pdf", pdf).JSON201
	var key string
	if err := env.Pool.QueryRow(ctx, `UPDATE conversation_attachments SET created_at = now() - interval '25 hours'
		WHERE id = ANY($1) RETURNING blob_key`, []uuid.UUID{old.ID}).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE conversation_attachments SET created_at = now() - interval '25 hours' WHERE id = $1`, sent.ID); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(ctx, env.Config.Blob.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	w := conversations.NewPurgeUploadsWorker(env.Pool, blobs, slog.New(slog.DiscardHandler))
	if err := w.Work(ctx, &river.Job[conversations.PurgeUploadsArgs]{}); err != nil {
		t.Fatal(err)
	}
	var left []uuid.UUID
	rows, err := env.Pool.Query(ctx, `SELECT id FROM conversation_attachments ORDER BY created_at`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		left = append(left, id)
	}
	if len(left) != 2 || left[0] != sent.ID || left[1] != fresh.ID {
		t.Fatalf("left %v (sent %s, fresh %s)", left, sent.ID, fresh.ID)
	}
	if ok, err := blobs.Exists(ctx, key); err != nil || ok {
		t.Fatalf("the purged upload's blob: %v %v", ok, err)
	}
}
