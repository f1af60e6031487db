package completion_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// archived lists the learner's archive entries published by completion.
func (k *kit) archived(t *testing.T, l learner) []client.Document {
	t.Helper()
	res, err := k.env.Client.ListMyDocumentsWithResponse(context.Background(), &client.ListMyDocumentsParams{}, apitest.Bearer(l.token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("my archive: %d %s", res.StatusCode(), res.Body)
	}
	var out []client.Document
	for _, d := range res.JSON200.Items {
		if d.Source != nil && *d.Source == "completion_document" {
			out = append(out, d)
		}
	}
	return out
}

// An issued document reaches the learner's archive as a certificate, with
// a byte-exact copy of its PDF; a second completion check adds nothing; a
// revocation keeps the entry and marks it revoked; a reissue is a new entry.
func TestIssuedDocumentReachesTheArchive(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	c := k.course(t, db.ProgramKindQualificationUpgrade, 0)
	l := k.enroll(t, c, snils)
	d := k.issue(t, l)
	if k.check(t, l, c) {
		t.Fatal("the check issued a second document")
	}
	docs := k.archived(t, l)
	if len(docs) != 1 {
		t.Fatalf("archive: %+v", docs)
	}
	a := docs[0]
	if a.Type != client.DocumentTypeCertificate || a.Title != "Удостоверение о повышении квалификации — «"+c.program.Title+"»" ||
		a.IssuedBy == "" || a.DocumentDate == nil || a.DocumentDate.Time.Format("2006-01-02") != d.IssuedOn.Time.Format("2006-01-02") ||
		a.IssuerOrganizationID == nil || *a.IssuerOrganizationID != k.org.ID || a.CurrentVersion == nil || a.CurrentVersion.Number != 1 {
		t.Fatalf("archive entry: %+v", a)
	}
	dl, err := k.env.Client.DownloadDocumentVersionWithResponse(ctx, a.ID, 1, &client.DownloadDocumentVersionParams{}, apitest.Bearer(l.token))
	if err != nil || dl.StatusCode() != http.StatusOK || dl.HTTPResponse.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %v %d %q", err, dl.StatusCode(), dl.HTTPResponse.Header.Get("Content-Type"))
	}
	own, err := k.env.Client.DownloadMyCompletionDocumentPdfWithResponse(ctx, d.ID, nil, apitest.Bearer(l.token))
	if err != nil || !bytes.Equal(own.Body, dl.Body) {
		t.Fatalf("the archive's copy differs from the document's PDF (%v)", err)
	}
	var ownKey, copyKey string
	if err := k.env.Pool.QueryRow(ctx, `SELECT i.pdf_key, v.blob_key FROM issued_documents i, document_versions v WHERE i.id = $1 AND v.document_id = $2`, d.ID, a.ID).Scan(&ownKey, &copyKey); err != nil {
		t.Fatal(err)
	}
	if ownKey == copyKey {
		t.Fatal("the archive shares the document's blob")
	}

	rev, err := k.env.Client.RevokeCompletionDocumentWithResponse(ctx, k.org.ID, d.ID, client.CompletionReasonRequest{Reason: "Ошибка."}, k.org.As("manager"))
	if err != nil || rev.JSON200 == nil {
		t.Fatalf("revoke: %v %s", err, rev.Body)
	}
	docs = k.archived(t, l)
	if len(docs) != 1 || docs[0].Metadata["status"] != "revoked" || docs[0].CurrentVersion == nil {
		t.Fatalf("after the revocation: %+v", docs)
	}
	n := k.issue(t, l)
	docs = k.archived(t, l)
	if len(docs) != 2 {
		t.Fatalf("after a new issuance: %+v", docs)
	}
	for _, e := range docs {
		if e.ID != a.ID && e.Metadata["status"] != nil {
			t.Fatalf("the new entry (document %s) carries %v", n.ID, e.Metadata)
		}
	}
}

// A reissue revokes the old entry and adds the new document's.
func TestReissueAddsAnArchiveEntry(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindProfessionalRetraining, 0)
	l := k.enroll(t, c, snils)
	d := k.issue(t, l)
	res, err := k.env.Client.ReissueCompletionDocumentWithResponse(context.Background(), k.org.ID, d.ID, client.CompletionReasonRequest{Reason: "Опечатка."}, k.org.As("admin"))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("reissue: %v %s", err, res.Body)
	}
	docs := k.archived(t, l)
	revoked, valid := 0, 0
	for _, e := range docs {
		if e.Metadata["status"] == "revoked" {
			revoked++
		} else {
			valid++
		}
	}
	if len(docs) != 2 || revoked != 1 || valid != 1 {
		t.Fatalf("archive after the reissue: %+v", docs)
	}
}
