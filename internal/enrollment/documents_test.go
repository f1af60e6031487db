package enrollment_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// Uploads are refused by what the file is, not what it is called: an
// executable named .pdf is 415, an empty file 422, a file over the limit
// 413, a kind outside the checklist 422, a body that is not multipart 415;
// nothing is stored for any of them.
func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Blob.DocumentMaxBytes = 2048 })
	o := apitest.NewStaffOrg(t, env, "uploads")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, docs: []string{"passport", "photo"}})
	token, _ := learner(t, env)
	a := apply(t, env, token, c.group.ID)

	cases := []struct {
		name    string
		kind    client.DocumentKind
		file    string
		content []byte
		status  int
		code    string
	}{
		{"disguised executable", "passport", "passport.pdf", exeFile, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"script", "passport", "scan.pdf", []byte("#!/bin/sh\nrm -rf /\n"), http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"zip", "passport", "scan.pdf", []byte("PK\x03\x04\x14\x00\x00\x00"), http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"empty", "passport", "scan.pdf", nil, http.StatusUnprocessableEntity, "validation_failed"},
		{"too large", "passport", "scan.pdf", append(append([]byte{}, pdfFile...), bytes.Repeat([]byte("x"), 4096)...), http.StatusRequestEntityTooLarge, "payload_too_large"},
		{"not in the checklist", "snils", "snils.pdf", pdfFile, http.StatusUnprocessableEntity, "validation_failed"},
	}
	for _, tc := range cases {
		res := upload(t, env, token, a.ID, tc.kind, tc.file, tc.content)
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, tc.status, tc.code)
	}
	if n := apitest.CountRows(t, env, "application_documents"); n != 0 {
		t.Fatalf("%d documents stored", n)
	}
	raw, body := env.Send(t, http.MethodPut, "/api/v1/me/applications/"+a.ID.String()+"/checklist/passport", token, `{"file":"x"}`)
	apitest.ProblemOf(t, raw.StatusCode, raw.Header, body, http.StatusUnsupportedMediaType, "unsupported_media_type")

	// A second upload of a kind replaces the first.
	first := upload(t, env, token, a.ID, "photo", "фото.png", pngFile)
	wantStatus(t, first, first.Body, http.StatusOK)
	second := upload(t, env, token, a.ID, "photo", `C:\Users\Анна\фото 2.pdf`, pdfFile)
	wantStatus(t, second, second.Body, http.StatusOK)
	if d := second.JSON200; d.FileName != "фото 2.pdf" || d.ContentType != "application/pdf" || d.SizeBytes != int64(len(pdfFile)) || len(d.Sha256) != 64 {
		t.Fatalf("document %+v", d)
	}
	if n := apitest.CountRows(t, env, "application_documents"); n != 1 {
		t.Fatalf("%d documents after a replacement", n)
	}
}

// Downloads stream with Range, ETag (304) and a UTF-8 Content-Disposition;
// staff downloads are in the organization's audit log.
func TestDocumentDownload(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "downloads")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, docs: []string{"passport"}})
	token, userID := learner(t, env)
	a := apply(t, env, token, c.group.ID)
	doc := upload(t, env, token, a.ID, "passport", "Паспорт Ивановой.pdf", pdfFile).JSON200

	full, _ := env.Client.DownloadMyApplicationDocumentWithResponse(ctx, a.ID, doc.ID, nil, apitest.Bearer(token))
	wantStatus(t, full, full.Body, http.StatusOK)
	h := full.HTTPResponse.Header
	if !bytes.Equal(full.Body, pdfFile) || h.Get("Content-Type") != "application/pdf" || h.Get("ETag") != `"`+doc.Sha256+`"` ||
		!strings.Contains(h.Get("Content-Disposition"), "filename*=UTF-8''%D0%9F%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82") || h.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("headers %v", h)
	}
	part, _ := env.Client.DownloadMyApplicationDocumentWithResponse(ctx, a.ID, doc.ID,
		&client.DownloadMyApplicationDocumentParams{Range: ptrTo("bytes=0-3")}, apitest.Bearer(token))
	wantStatus(t, part, part.Body, http.StatusPartialContent)
	if string(part.Body) != "%PDF" || part.HTTPResponse.Header.Get("Content-Range") != "bytes 0-3/"+apitest.Itoa(int64(len(pdfFile))) {
		t.Fatalf("range %q %v", part.Body, part.HTTPResponse.Header)
	}
	tail, _ := env.Client.DownloadMyApplicationDocumentWithResponse(ctx, a.ID, doc.ID,
		&client.DownloadMyApplicationDocumentParams{Range: ptrTo("bytes=-5")}, apitest.Bearer(token))
	if wantStatus(t, tail, tail.Body, http.StatusPartialContent); !bytes.Equal(tail.Body, pdfFile[len(pdfFile)-5:]) {
		t.Fatalf("suffix range %q", tail.Body)
	}
	past, _ := env.Client.DownloadMyApplicationDocumentWithResponse(ctx, a.ID, doc.ID,
		&client.DownloadMyApplicationDocumentParams{Range: ptrTo("bytes=100000-")}, apitest.Bearer(token))
	wantStatus(t, past, past.Body, http.StatusRequestedRangeNotSatisfiable)
	same, _ := env.Client.DownloadMyApplicationDocumentWithResponse(ctx, a.ID, doc.ID,
		&client.DownloadMyApplicationDocumentParams{IfNoneMatch: ptrTo(`"` + doc.Sha256 + `"`)}, apitest.Bearer(token))
	wantStatus(t, same, same.Body, http.StatusNotModified)

	// Staff see the document once it is sent, and each download is audited.
	staff, _ := env.Client.DownloadOrganizationApplicationDocumentWithResponse(ctx, o.ID, a.ID, doc.ID, nil, o.As("manager"))
	apitest.ProblemOf(t, staff.StatusCode(), staff.HTTPResponse.Header, staff.Body, http.StatusNotFound, "not_found")
	wantStatus(t, submit(t, env, token, a.ID), nil, http.StatusOK)
	staff, _ = env.Client.DownloadOrganizationApplicationDocumentWithResponse(ctx, o.ID, a.ID, doc.ID,
		&client.DownloadOrganizationApplicationDocumentParams{Range: ptrTo("bytes=5-")}, o.As("manager"))
	if wantStatus(t, staff, staff.Body, http.StatusPartialContent); !bytes.Equal(staff.Body, pdfFile[5:]) {
		t.Fatalf("staff range %q", staff.Body)
	}
	if n := apitest.CountAudit(t, env, "application_document_downloaded", o.ID, &userID); n != 1 {
		t.Fatalf("%d audit events", n)
	}
	teacher, _ := env.Client.DownloadOrganizationApplicationDocumentWithResponse(ctx, o.ID, a.ID, doc.ID, nil, o.As("teacher"))
	apitest.ProblemOf(t, teacher.StatusCode(), teacher.HTTPResponse.Header, teacher.Body, http.StatusForbidden, "forbidden")
}

// Closing the account withdraws the applications that hold no seat and
// forgets their personal data and documents; the profile's personal data
// goes too.
func TestAccountClosureForgetsOpenApplications(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "closure")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, docs: []string{"passport"}})
	acc := apitest.NewAccount()
	token := apitest.Register(t, env, acc).AccessToken
	env.Client.UpdateProfileWithResponse(ctx, client.ProfileUpdate{PersonalData: &client.PersonalDataUpdate{Snils: str("11223344595")}}, apitest.Bearer(token))
	a := apply(t, env, token, c.group.ID)
	wantStatus(t, upload(t, env, token, a.ID, "passport", "p.pdf", pdfFile), nil, http.StatusOK)
	res, err := env.Client.CloseAccountWithResponse(ctx, client.CloseAccountRequest{Password: &acc.Password}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, res.Body, http.StatusNoContent)
	var status string
	var snils, userSnils *string
	if err := env.Pool.QueryRow(ctx, `SELECT a.status, a.snils, u.snils FROM applications a JOIN users u ON u.id = a.user_id WHERE a.id = $1`, a.ID).
		Scan(&status, &snils, &userSnils); err != nil {
		t.Fatal(err)
	}
	if status != "withdrawn" || snils != nil || userSnils != nil || apitest.CountRows(t, env, "application_documents") != 0 {
		t.Fatalf("after closure: %s %v %v", status, snils, userSnils)
	}
}
