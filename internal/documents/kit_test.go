package documents_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Minimal files, as their first bytes make them.
var (
	pdfFile = append([]byte("%PDF-1.4\n%âãÏÓ\n1 0 obj <<>> endobj\n"), bytes.Repeat([]byte("0123456789"), 50)...)
	exeFile = append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
)

// pdfN is a distinct PDF for version n.
func pdfN(n int) []byte {
	return append(append([]byte{}, pdfFile...), bytes.Repeat([]byte{byte('a' + n)}, 1000*n)...)
}

func bearer(token string) client.RequestEditorFn { return apitest.Bearer(token) }

func user(t *testing.T, env *apitest.Env) *client.AuthResponse {
	t.Helper()
	return apitest.Register(t, env, apitest.NewAccount())
}

func wantStatus(t *testing.T, res interface{ StatusCode() int }, body []byte, want int) {
	t.Helper()
	if got := res.StatusCode(); got != want {
		t.Fatalf("status %d, want %d: %s", got, want, body)
	}
}

// newDoc creates a document in the caller's space.
func newDoc(t *testing.T, env *apitest.Env, token string, body client.DocumentCreate) client.Document {
	t.Helper()
	res, err := env.Client.CreateMyDocumentWithResponse(context.Background(), body, bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, res.Body, http.StatusCreated)
	return *res.JSON201
}

// multipartFile is a body with one part "file".
func multipartFile(t *testing.T, name string, content []byte) (string, *bytes.Buffer) {
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

func uploadVersion(t *testing.T, env *apitest.Env, token string, id uuid.UUID, name string, content []byte) *client.UploadDocumentVersionResponse {
	t.Helper()
	ct, body := multipartFile(t, name, content)
	res, err := env.Client.UploadDocumentVersionWithBodyWithResponse(context.Background(), id, ct, body, bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func getDoc(t *testing.T, env *apitest.Env, token string, id uuid.UUID) *client.GetDocumentResponse {
	t.Helper()
	res, err := env.Client.GetDocumentWithResponse(context.Background(), id, bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func listMine(t *testing.T, env *apitest.Env, token string, p client.ListMyDocumentsParams) []client.Document {
	t.Helper()
	res, err := env.Client.ListMyDocumentsWithResponse(context.Background(), &p, bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, res.Body, http.StatusOK)
	return res.JSON200.Items
}

func ids(docs []client.Document) []uuid.UUID {
	out := make([]uuid.UUID, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

func has(docs []client.Document, id uuid.UUID) bool {
	for _, d := range docs {
		if d.ID == id {
			return true
		}
	}
	return false
}

func download(t *testing.T, env *apitest.Env, token string, id uuid.UUID, number int, p client.DownloadDocumentVersionParams) *client.DownloadDocumentVersionResponse {
	t.Helper()
	res, err := env.Client.DownloadDocumentVersionWithResponse(context.Background(), id, number, &p, bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
