package support_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

var (
	pngShot = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 300)...)
	exeShot = append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
)

func filePart(t *testing.T, name string, content []byte) (string, *bytes.Buffer) {
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
	return w.FormDataContentType(), &body
}

func attachMine(t *testing.T, env *apitest.Env, token string, ticket, message uuid.UUID, name string, content []byte) *client.UploadMySupportAttachmentResponse {
	t.Helper()
	ct, body := filePart(t, name, content)
	res, err := env.Client.UploadMySupportAttachmentWithBodyWithResponse(ctx, ticket, message, ct, body, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Attachments: the ticket's own (on its opening message) and a reply's,
// both sides, streamed and sniffed, downloaded with Range; an internal
// note's file is staff-only (404 to the author, not in their thread);
// another user and another organization's staff get 404.
func TestSupportAttachments(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "attach")
	other := apitest.NewStaffOrg(t, env, "attach-other")
	author := o.Members["learner"]
	tok := author.AccessToken

	ticket := open(t, env, tok, o.ID, "Ошибка оплаты", client.SupportTicketCategoryPayment)
	if ticket.OpeningMessageID == nil {
		t.Fatal("no openingMessageId")
	}
	up := attachMine(t, env, tok, ticket.ID, *ticket.OpeningMessageID, "Скриншот.png", pngShot)
	if up.StatusCode() != http.StatusCreated || up.JSON201.ContentType != "image/png" || up.JSON201.SizeBytes != int64(len(pngShot)) {
		t.Fatalf("upload: %d %s", up.StatusCode(), up.Body)
	}
	exe := attachMine(t, env, tok, ticket.ID, *ticket.OpeningMessageID, "check.pdf", exeShot)
	apitest.WantProblem(t, exe.HTTPResponse, exe.Body, http.StatusUnsupportedMediaType, "unsupported_media_type")

	// Staff: a public reply with a file and an internal note with one.
	reply := post(t, env, o, "manager", ticket.ID, "Пришлите чек, пожалуйста.", false)
	note := post(t, env, o, "manager", ticket.ID, "Проверить в банке.", true)
	staffAttach := func(role client.Role, msg uuid.UUID, content []byte) *client.UploadSupportAttachmentResponse {
		ct, body := filePart(t, "файл.png", content)
		res, err := env.Client.UploadSupportAttachmentWithBodyWithResponse(ctx, o.ID, ticket.ID, msg, ct, body, o.As(role))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	pub := staffAttach("manager", reply.ID, pngShot)
	if pub.StatusCode() != http.StatusCreated {
		t.Fatalf("staff upload: %s", pub.Body)
	}
	secret := staffAttach("manager", note.ID, pngShot)
	if secret.StatusCode() != http.StatusCreated {
		t.Fatalf("note upload: %s", secret.Body)
	}
	notMine := staffAttach("admin", reply.ID, pngShot)
	apitest.WantProblem(t, notMine.HTTPResponse, notMine.Body, http.StatusForbidden, "forbidden")
	onAuthors := attachMine(t, env, tok, ticket.ID, reply.ID, "x.png", pngShot)
	apitest.WantProblem(t, onAuthors.HTTPResponse, onAuthors.Body, http.StatusForbidden, "forbidden")

	// The author's thread: files on the opening message and the reply, the note absent.
	thread := myThread(t, env, tok, ticket.ID)
	if len(thread) != 2 || thread[0].Attachments == nil || len(*thread[0].Attachments) != 1 || len(*thread[1].Attachments) != 1 {
		t.Fatalf("author's thread: %+v", thread)
	}
	mine := func(token string, id uuid.UUID, p client.DownloadMySupportAttachmentParams) *client.DownloadMySupportAttachmentResponse {
		res, err := env.Client.DownloadMySupportAttachmentWithResponse(ctx, ticket.ID, id, &p, apitest.Bearer(token))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	rng := client.Range("bytes=0-7")
	head := mine(tok, pub.JSON201.ID, client.DownloadMySupportAttachmentParams{Range: &rng})
	if head.StatusCode() != http.StatusPartialContent || !bytes.Equal(head.Body, pngShot[:8]) {
		t.Fatalf("range: %d %q", head.StatusCode(), head.Body)
	}
	whole := mine(tok, up.JSON201.ID, client.DownloadMySupportAttachmentParams{})
	if whole.StatusCode() != http.StatusOK || !bytes.Equal(whole.Body, pngShot) {
		t.Fatalf("whole: %d", whole.StatusCode())
	}
	etag := whole.HTTPResponse.Header.Get("ETag")
	if same := mine(tok, up.JSON201.ID, client.DownloadMySupportAttachmentParams{IfNoneMatch: &etag}); same.StatusCode() != http.StatusNotModified {
		t.Fatalf("revalidate: %d", same.StatusCode())
	}
	hidden := mine(tok, secret.JSON201.ID, client.DownloadMySupportAttachmentParams{})
	apitest.WantProblem(t, hidden.HTTPResponse, hidden.Body, http.StatusNotFound, "not_found")
	stranger := user(t, env)
	foreign := mine(stranger, up.JSON201.ID, client.DownloadMySupportAttachmentParams{})
	apitest.WantProblem(t, foreign.HTTPResponse, foreign.Body, http.StatusNotFound, "not_found")

	// Staff see every file, the note's included; another organization does not.
	staffGet := func(org uuid.UUID, editor client.RequestEditorFn, id uuid.UUID) *client.DownloadSupportAttachmentResponse {
		res, err := env.Client.DownloadSupportAttachmentWithResponse(ctx, org, ticket.ID, id, &client.DownloadSupportAttachmentParams{}, editor)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := staffGet(o.ID, o.As("director"), secret.JSON201.ID); r.StatusCode() != http.StatusOK || !bytes.Equal(r.Body, pngShot) {
		t.Fatalf("staff download of the note's file: %d", r.StatusCode())
	}
	if r := staffGet(o.ID, o.As("teacher"), up.JSON201.ID); r.StatusCode() != http.StatusForbidden {
		t.Fatalf("teacher: %d", r.StatusCode())
	}
	x := staffGet(o.ID, other.As("admin"), up.JSON201.ID)
	apitest.WantProblem(t, x.HTTPResponse, x.Body, http.StatusNotFound, "not_found")
	y := staffGet(other.ID, other.As("admin"), up.JSON201.ID)
	apitest.WantProblem(t, y.HTTPResponse, y.Body, http.StatusNotFound, "not_found")
	sthread, err := env.Client.ListSupportTicketMessagesWithResponse(ctx, o.ID, ticket.ID, &client.ListSupportTicketMessagesParams{}, o.As("manager"))
	if err != nil || sthread.JSON200 == nil || len(sthread.JSON200.Items) != 3 || len(*sthread.JSON200.Items[2].Attachments) != 1 {
		t.Fatalf("staff thread: %s", sthread.Body)
	}
}

func user(t *testing.T, env *apitest.Env) string {
	t.Helper()
	return apitest.Register(t, env, apitest.NewAccount()).AccessToken
}
