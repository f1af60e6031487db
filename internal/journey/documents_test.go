package journey_test

import (
	"bytes"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Step 6: the completion check (the job the final test's submission
// queued) issues the document; the learner downloads its PDF and signed
// credential and finds the files in the document archive; anybody
// verifies it; the manager exports the ФИС ФРДО register.
func (j *journey) documentIsIssued(t *testing.T) {
	t.Helper()
	j.workJobs(t)
	apitest.Eventually(t, "the completion document is issued", func() bool {
		res, err := j.env.Client.ListMyCompletionDocumentsWithResponse(bg, nil, j.as())
		must(t, err)
		if res.JSON200 == nil {
			t.Fatalf("listMyCompletionDocuments: %d %s", res.StatusCode(), res.Body)
		}
		if len(res.JSON200.Items) == 0 {
			return false
		}
		j.document = res.JSON200.Items[0]
		return true
	})
	d := j.document
	if d.Status != "valid" || d.Kind != "certificate_of_qualification" || d.ProgramID != j.program.ID || d.Hours != 72 || d.RegistrationNumber == "" {
		t.Fatalf("issued document: %+v", d)
	}
	pdf, err := j.env.Client.DownloadMyCompletionDocumentPdfWithResponse(bg, d.ID, nil, j.as())
	must(t, err)
	if pdf.StatusCode() != 200 || !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) {
		t.Fatalf("downloadMyCompletionDocumentPdf: %d %.200s", pdf.StatusCode(), pdf.Body)
	}
	vc, err := j.env.Client.DownloadMyCompletionCredentialWithResponse(bg, d.ID, j.as())
	must(t, err)
	if vc.StatusCode() != 200 || len(vc.Body) == 0 {
		t.Fatalf("downloadMyCompletionCredential: %d %s", vc.StatusCode(), vc.Body)
	}

	// The archive: the application's scans (published by a job) and the
	// completion document (published with its issuance) are there.
	var archive []client.Document
	apitest.Eventually(t, "the application's files and the certificate in the archive", func() bool {
		res, err := j.env.Client.ListMyDocumentsWithResponse(bg, nil, j.as())
		must(t, err)
		if res.JSON200 == nil {
			t.Fatalf("listMyDocuments: %d %s", res.StatusCode(), res.Body)
		}
		archive = res.JSON200.Items
		return len(archive) >= 3 && has(archive, func(doc client.Document) bool { return doc.Type == "certificate" })
	})

	// Anybody: by id (the QR code on the PDF) and by organization + number.
	pub, err := j.env.Client.VerifyCompletionDocumentWithResponse(bg, d.ID)
	must(t, err)
	if pub.JSON200 == nil || pub.JSON200.Status != "valid" || pub.JSON200.RegistrationNumber != d.RegistrationNumber || pub.JSON200.OrganizationSlug != j.slug {
		t.Fatalf("verifyCompletionDocument: %d %s", pub.StatusCode(), pub.Body)
	}
	found, err := j.env.Client.FindCompletionDocumentWithResponse(bg, &client.FindCompletionDocumentParams{Organization: j.slug, Number: d.RegistrationNumber})
	must(t, err)
	want(t, "findCompletionDocument", found.StatusCode(), found.Body, 200)

	today := openapi_types.Date{Time: time.Now().UTC()}
	x, err := j.env.Client.ExportCompletionDocumentsFrdoWithResponse(bg, j.org.ID,
		&client.ExportCompletionDocumentsFrdoParams{From: today, To: today}, j.org.As("manager"))
	must(t, err)
	if x.StatusCode() != 200 || !bytes.HasPrefix(x.Body, []byte("PK")) {
		t.Fatalf("exportCompletionDocumentsFrdo: %d %.200s", x.StatusCode(), x.Body)
	}
}
