package documents_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// The personal flow end to end: a card, three versions downloaded byte
// for byte (whole, by range, revalidated), an edit under If-Match, search
// by word form and by a metadata value, the trash and restore.
func TestPersonalFlow(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	anna := user(t, env)
	tok := anna.AccessToken

	date := openapi_types.Date{Time: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	doc := newDoc(t, env, tok, client.DocumentCreate{
		Title: "Договор аренды помещения", Type: client.DocumentTypeContract, Tags: &[]string{" Аренда ", "аренда", "офис"},
		IssuedBy: new("ООО «Ромашка»"), DocumentDate: &date, Metadata: &map[string]any{"counterparty": "Лютикова", "number": "А-17"},
	})
	if doc.Access != client.Manage || doc.CurrentVersion != nil || len(doc.Tags) != 2 || doc.OwnerID == nil || *doc.OwnerID != anna.User.ID {
		t.Fatalf("created %+v", doc)
	}
	other := newDoc(t, env, tok, client.DocumentCreate{Title: "Счёт за свет", Type: client.DocumentTypeInvoice})

	files := [][]byte{pdfN(1), pdfN(2), pdfN(3)}
	for i, f := range files {
		res := uploadVersion(t, env, tok, doc.ID, "Договор v"+apitest.Itoa(int64(i+1))+".pdf", f)
		wantStatus(t, res, res.Body, http.StatusCreated)
		if res.JSON201.Number != i+1 || res.JSON201.SizeBytes != int64(len(f)) || res.JSON201.ContentType != "application/pdf" {
			t.Fatalf("version %d: %+v", i+1, res.JSON201)
		}
	}
	for i, f := range files {
		res := download(t, env, tok, doc.ID, i+1, client.DownloadDocumentVersionParams{})
		wantStatus(t, res, res.Body, http.StatusOK)
		if !bytes.Equal(res.Body, f) {
			t.Fatalf("version %d: %d bytes differ", i+1, len(res.Body))
		}
		if cd := res.HTTPResponse.Header.Get("Content-Disposition"); !bytes.Contains([]byte(cd), []byte("filename*=UTF-8''")) {
			t.Fatalf("Content-Disposition %q", cd)
		}
	}
	rng := client.Range("bytes=10-19")
	part := download(t, env, tok, doc.ID, 2, client.DownloadDocumentVersionParams{Range: &rng})
	wantStatus(t, part, part.Body, http.StatusPartialContent)
	if !bytes.Equal(part.Body, files[1][10:20]) || part.HTTPResponse.Header.Get("Content-Range") != "bytes 10-19/"+apitest.Itoa(int64(len(files[1]))) {
		t.Fatalf("range: %q %q", part.Body, part.HTTPResponse.Header.Get("Content-Range"))
	}
	tag := part.HTTPResponse.Header.Get("ETag")
	again := download(t, env, tok, doc.ID, 2, client.DownloadDocumentVersionParams{IfNoneMatch: &tag})
	wantStatus(t, again, again.Body, http.StatusNotModified)
	cur, err := env.Client.DownloadDocumentWithResponse(ctx, doc.ID, &client.DownloadDocumentParams{}, bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, cur, cur.Body, http.StatusOK)
	if !bytes.Equal(cur.Body, files[2]) {
		t.Fatal("the current version is not the third")
	}
	missing := download(t, env, tok, doc.ID, 4, client.DownloadDocumentVersionParams{})
	apitest.WantProblem(t, missing.HTTPResponse, missing.Body, http.StatusNotFound, "not_found")

	vs, err := env.Client.ListDocumentVersionsWithResponse(ctx, doc.ID, &client.ListDocumentVersionsParams{Limit: new(2)}, bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, vs, vs.Body, http.StatusOK)
	if len(vs.JSON200.Items) != 2 || vs.JSON200.Items[0].Number != 3 || vs.JSON200.NextCursor == nil {
		t.Fatalf("versions page 1: %s", vs.Body)
	}
	vs2, _ := env.Client.ListDocumentVersionsWithResponse(ctx, doc.ID, &client.ListDocumentVersionsParams{Cursor: vs.JSON200.NextCursor}, bearer(tok))
	if len(vs2.JSON200.Items) != 1 || vs2.JSON200.Items[0].Number != 1 || vs2.JSON200.NextCursor != nil {
		t.Fatalf("versions page 2: %s", vs2.Body)
	}

	// Edit under If-Match: without it 428, stale 412, current 200.
	got := getDoc(t, env, tok, doc.ID)
	wantStatus(t, got, got.Body, http.StatusOK)
	etag := got.HTTPResponse.Header.Get("ETag")
	if got.JSON200.CurrentVersion == nil || got.JSON200.CurrentVersion.Number != 3 {
		t.Fatalf("current %+v", got.JSON200.CurrentVersion)
	}
	noMatch, _ := env.Client.UpdateDocumentWithResponse(ctx, doc.ID, &client.UpdateDocumentParams{}, client.DocumentUpdate{Title: new("x")}, bearer(tok))
	apitest.WantProblem(t, noMatch.HTTPResponse, noMatch.Body, http.StatusPreconditionRequired, "precondition_required")
	stale := `"r1"`
	old, _ := env.Client.UpdateDocumentWithResponse(ctx, doc.ID, &client.UpdateDocumentParams{IfMatch: &stale}, client.DocumentUpdate{Title: new("x")}, bearer(tok))
	apitest.WantProblem(t, old.HTTPResponse, old.Body, http.StatusPreconditionFailed, "precondition_failed")
	upd, _ := env.Client.UpdateDocumentWithResponse(ctx, doc.ID, &client.UpdateDocumentParams{IfMatch: &etag},
		client.DocumentUpdate{Title: new("Договор аренды помещений (подписан)")}, bearer(tok))
	wantStatus(t, upd, upd.Body, http.StatusOK)
	if upd.JSON200.Title != "Договор аренды помещений (подписан)" || upd.JSON200.Metadata["number"] != "А-17" || upd.JSON200.IssuedBy != "ООО «Ромашка»" {
		t.Fatalf("updated %+v", upd.JSON200)
	}

	// Search: another word form of the title, a metadata value, a tag, a type.
	for q, want := range map[string]bool{"договоры": true, "аренде": true, "Лютикова": true, "А-17": true, "Ромашка": true, "вертолёт": false} {
		found := listMine(t, env, tok, client.ListMyDocumentsParams{Q: new(q)})
		if has(found, doc.ID) != want || has(found, other.ID) {
			t.Errorf("q=%q: %v", q, ids(found))
		}
	}
	if got := listMine(t, env, tok, client.ListMyDocumentsParams{Tag: new("офис")}); len(got) != 1 || got[0].ID != doc.ID {
		t.Fatalf("tag: %v", ids(got))
	}
	typ := client.DocumentTypeInvoice
	if got := listMine(t, env, tok, client.ListMyDocumentsParams{Type: &typ}); len(got) != 1 || got[0].ID != other.ID {
		t.Fatalf("type: %v", ids(got))
	}
	from := openapi_types.Date{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	to := openapi_types.Date{Time: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
	if got := listMine(t, env, tok, client.ListMyDocumentsParams{DateFrom: &from, DateTo: &to}); len(got) != 1 || got[0].ID != doc.ID {
		t.Fatalf("dates: %v", ids(got))
	}
	// Sorted by title, one per page, the cursor walks both.
	sortTitle := client.ListMyDocumentsParamsSort("title")
	p1 := listPage(t, env, tok, client.ListMyDocumentsParams{Sort: &sortTitle, Limit: new(1)})
	p2 := listPage(t, env, tok, client.ListMyDocumentsParams{Sort: &sortTitle, Limit: new(1), Cursor: p1.NextCursor})
	if p1.Items[0].ID != doc.ID || len(p2.Items) != 1 || p2.Items[0].ID != other.ID || p2.NextCursor != nil {
		t.Fatalf("title pages: %v %v", ids(p1.Items), ids(p2.Items))
	}

	// The trash: hidden from the list and downloads, listed in the trash, restorable.
	del, _ := env.Client.DeleteDocumentWithResponse(ctx, doc.ID, bearer(tok))
	wantStatus(t, del, del.Body, http.StatusNoContent)
	again2, _ := env.Client.DeleteDocumentWithResponse(ctx, doc.ID, bearer(tok))
	apitest.WantProblem(t, again2.HTTPResponse, again2.Body, http.StatusConflict, "document_deleted")
	if has(listMine(t, env, tok, client.ListMyDocumentsParams{}), doc.ID) {
		t.Fatal("a deleted document is listed")
	}
	gone := download(t, env, tok, doc.ID, 1, client.DownloadDocumentVersionParams{})
	apitest.WantProblem(t, gone.HTTPResponse, gone.Body, http.StatusNotFound, "not_found")
	trash := listMine(t, env, tok, client.ListMyDocumentsParams{Deleted: new(true)})
	if len(trash) != 1 || trash[0].ID != doc.ID || trash[0].PurgeAfter == nil {
		t.Fatalf("trash: %+v", trash)
	}
	res, _ := env.Client.RestoreDocumentWithResponse(ctx, doc.ID, bearer(tok))
	wantStatus(t, res, res.Body, http.StatusOK)
	if res.JSON200.DeletedAt != nil || !has(listMine(t, env, tok, client.ListMyDocumentsParams{}), doc.ID) {
		t.Fatal("restored document not back")
	}
	res2, _ := env.Client.RestoreDocumentWithResponse(ctx, doc.ID, bearer(tok))
	apitest.WantProblem(t, res2.HTTPResponse, res2.Body, http.StatusConflict, "document_not_deleted")
}

func listPage(t *testing.T, env *apitest.Env, token string, p client.ListMyDocumentsParams) client.DocumentPage {
	t.Helper()
	res, err := env.Client.ListMyDocumentsWithResponse(context.Background(), &p, bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, res.Body, http.StatusOK)
	return *res.JSON200
}

// Files are refused by what they are: an executable named .pdf is 415, an
// empty file 422, one over the limit 413; no version is recorded.
func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Documents.MaxBytes = 4096 })
	tok := user(t, env).AccessToken
	doc := newDoc(t, env, tok, client.DocumentCreate{Title: "Скан", Type: client.DocumentTypeOther})
	for _, tc := range []struct {
		name    string
		content []byte
		status  int
		code    string
	}{
		{"disguised executable", exeFile, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"script", []byte("#!/bin/sh\nrm -rf /\n"), http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"empty", nil, http.StatusUnprocessableEntity, "validation_failed"},
		{"too large", append(append([]byte{}, pdfFile...), bytes.Repeat([]byte("x"), 8192)...), http.StatusRequestEntityTooLarge, "payload_too_large"},
	} {
		res := uploadVersion(t, env, tok, doc.ID, "scan.pdf", tc.content)
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, tc.status, tc.code)
	}
	if n := apitest.CountRows(t, env, "document_versions"); n != 0 {
		t.Fatalf("%d versions stored", n)
	}
}
