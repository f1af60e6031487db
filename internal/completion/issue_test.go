package completion_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/credential"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/learning"
)

// The completion check issues the document once the requirements are met
// (a content-free free program: met at once); the learner reads it, its
// PDF (the Cyrillic name and number in the text) and its credential, which
// verifies offline against the server's JWKS; a second check issues nothing.
func TestCompletionCheckIssuesOnce(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindQualificationUpgrade, 0)
	l := k.enroll(t, c, snils)
	// River hands the worker the job as inserted by learning.
	if err := k.worker.Work(context.Background(), &river.Job[jobs.CompletionCheckArgs]{
		JobRow: &rivertype.JobRow{ID: 1, Kind: "completion_check"}, Args: jobs.CompletionCheckArgs{UserID: l.id, ProgramID: c.program.ID},
	}); err != nil {
		t.Fatal(err)
	}
	if k.check(t, l, c) {
		t.Fatal("a second check issued another document")
	}
	docs := k.myDocuments(t, l)
	if len(docs) != 1 {
		t.Fatalf("documents: %+v", docs)
	}
	d := docs[0]
	want := "ПК-" + year() + "-00001"
	if d.RegistrationNumber != want || d.Kind != client.CompletionDocumentCertificateOfQualification || d.Status != client.IssuedDocumentStatusValid ||
		d.Hours != 72 || d.Holder.LastName != "Иванова" || d.IssuedBy != nil || d.Number != "000001" {
		t.Fatalf("document: %+v", d)
	}
	ctx := context.Background()

	pdfRes, err := k.env.Client.DownloadMyCompletionDocumentPdfWithResponse(ctx, d.ID, nil, apitest.Bearer(l.token))
	if err != nil {
		t.Fatal(err)
	}
	if pdfRes.StatusCode() != http.StatusOK || !strings.HasPrefix(string(pdfRes.Body), "%PDF-") {
		t.Fatalf("pdf: %d", pdfRes.StatusCode())
	}
	if cd := pdfRes.HTTPResponse.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if text, ok := pdfText(t, pdfRes.Body); ok {
		for _, s := range []string{"Иванова Анна Петровна", want, "УДОСТОВЕРЕНИЕ", "в объёме 72 академических", d.VerifyURL} {
			if !strings.Contains(text, s) {
				t.Errorf("the PDF's text lacks %q:\n%s", s, text)
			}
		}
	}
	if pages, ok := pdfPages(t, pdfRes.Body); ok && pages != 1 {
		t.Errorf("the document has %d pages", pages)
	}
	etag := pdfRes.HTTPResponse.Header.Get("ETag")
	again, err := k.env.Client.DownloadMyCompletionDocumentPdfWithResponse(ctx, d.ID, &client.DownloadMyCompletionDocumentPdfParams{IfNoneMatch: &etag}, apitest.Bearer(l.token))
	if err != nil || again.StatusCode() != http.StatusNotModified {
		t.Fatalf("If-None-Match: %v %d", err, again.StatusCode())
	}

	vcRes, err := k.env.Client.DownloadMyCompletionCredentialWithResponse(ctx, d.ID, apitest.Bearer(l.token))
	if err != nil || vcRes.StatusCode() != http.StatusOK {
		t.Fatalf("credential: %v %d", err, vcRes.StatusCode())
	}
	vc, err := credential.Verify(string(vcRes.Body), k.keys(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if vc.CredentialSubject.Achievement.HumanCode != want || vc.CredentialSubject.Identifier[0].IdentityHash != "Иванова Анна Петровна" ||
		!strings.HasSuffix(vc.Issuer.ID, "/organizations/"+orgSlug(t, k)) || vc.CredentialStatus == nil {
		t.Fatalf("credential: %+v", vc)
	}

	// The learner was told, in the inbox and by e-mail.
	var inbox int
	if err := k.env.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND category = 'document'`, l.id).Scan(&inbox); err != nil {
		t.Fatal(err)
	}
	if inbox != 1 || apitest.CountMail(t, k.env, l.email, "notification") != 1 {
		t.Fatalf("notices: inbox %d, mail %d", inbox, apitest.CountMail(t, k.env, l.email, "notification"))
	}
}

func orgSlug(t *testing.T, k *kit) string {
	t.Helper()
	var slug string
	if err := k.env.Pool.QueryRow(context.Background(), `SELECT slug FROM organizations WHERE id = $1`, k.org.ID).Scan(&slug); err != nil {
		t.Fatal(err)
	}
	return slug
}

// Concurrent checks for one learner issue one document.
func TestConcurrentChecksIssueOneDocument(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindCourse, 0)
	l := k.enroll(t, c, snils)
	var wg sync.WaitGroup
	var mu sync.Mutex
	issued := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if k.check(t, l, c) {
				mu.Lock()
				issued++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if docs := k.myDocuments(t, l); issued != 1 || len(docs) != 1 || docs[0].RegistrationNumber != "С-"+year()+"-00001" {
		t.Fatalf("issued %d: %+v", issued, docs)
	}
	// Refused checks left no PDF behind.
	if n := k.storedPDFs(t); n != 1 {
		t.Fatalf("%d PDFs stored for one document", n)
	}
}

// Concurrent issuance for many learners numbers them 1…n: no gap, no
// duplicate.
func TestConcurrentIssuanceNumbersWithoutGaps(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindQualificationUpgrade, 0)
	const n = 8
	ls := make([]learner, n)
	for i := range ls {
		ls[i] = k.enroll(t, c, snils)
	}
	var wg sync.WaitGroup
	for i := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				k.check(t, ls[i], c)
			} else {
				k.issue(t, ls[i])
			}
		}()
	}
	wg.Wait()
	rows, err := k.env.Pool.Query(context.Background(), `SELECT seq, registration_number FROM issued_documents WHERE organization_id = $1 ORDER BY seq`, k.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var seqs []int64
	numbers := map[string]bool{}
	for rows.Next() {
		var s int64
		var num string
		if err := rows.Scan(&s, &num); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
		numbers[num] = true
	}
	if len(seqs) != n || len(numbers) != n {
		t.Fatalf("%d documents, %d numbers", len(seqs), len(numbers))
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("sequence %v has a gap or a duplicate", seqs)
		}
	}
}

// A program with a mandatory lesson the learner has not completed: 409
// requirements_not_met naming the lesson; an override issues it, recorded.
func TestRequirementsNotMet(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindQualificationUpgrade, 0)
	ctx := context.Background()
	var lesson string
	if err := k.env.Pool.QueryRow(ctx, `
		WITH m AS (INSERT INTO learning_modules (organization_id, program_id, position, title) VALUES ($1, $2, 1, 'Модуль 1') RETURNING id)
		INSERT INTO lessons (organization_id, program_id, module_id, position, kind, title, mandatory)
		SELECT $1, $2, m.id, 1, 'text', 'Введение', true FROM m RETURNING id`, k.org.ID, c.program.ID).Scan(&lesson); err != nil {
		t.Fatal(err)
	}
	l := k.enroll(t, c, snils)
	if k.check(t, l, c) {
		t.Fatal("the check issued a document with a lesson missing")
	}
	res, err := k.env.Client.IssueCompletionDocumentWithResponse(ctx, k.org.ID, client.IssueCompletionDocumentRequest{ApplicationID: l.application}, k.org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "requirements_not_met")
	if f := apitest.Fields(p); len(f) != 1 || f[0] != "lessons."+lesson+":not_completed" {
		t.Fatalf("missing: %v", f)
	}
	// Teachers read documents but do not issue them.
	res, err = k.env.Client.IssueCompletionDocumentWithResponse(ctx, k.org.ID, client.IssueCompletionDocumentRequest{ApplicationID: l.application, OverrideReason: ptr("x")}, k.org.As("teacher"))
	if err != nil || res.StatusCode() != http.StatusForbidden {
		t.Fatalf("teacher: %v %d", err, res.StatusCode())
	}
	res, err = k.env.Client.IssueCompletionDocumentWithResponse(ctx, k.org.ID, client.IssueCompletionDocumentRequest{
		ApplicationID: l.application, OverrideReason: ptr("Зачтено по результатам стажировки."),
	}, k.org.As("admin"))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("override: %v %s", err, res.Body)
	}
	if d := res.JSON201; d.OverrideReason == nil || d.IssuedBy == nil || *d.IssuedBy != k.org.User("admin") {
		t.Fatalf("override not recorded: %+v", d)
	}
	if n := apitest.CountAudit(t, k.env, "completion_document_issued", k.org.ID, &l.id); n != 1 {
		t.Fatalf("audit events: %d", n)
	}
	// Another learner completes the lesson: learning enqueues the check in
	// the completion's transaction, and the check issues.
	l2 := k.enroll(t, c, snils)
	tx, err := k.env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if ok, err := learning.CompleteLesson(ctx, tx, k.jobs, l2.id, c.program.ID, uuid.MustParse(lesson), learning.SourceManual, time.Now()); err != nil || !ok {
		t.Fatalf("complete lesson: %v %v", ok, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var queued int
	if err := k.env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'completion_check' AND args->>'user_id' = $1`, l2.id.String()).Scan(&queued); err != nil || queued != 1 {
		t.Fatalf("queued checks: %d %v", queued, err)
	}
	if !k.check(t, l2, c) {
		t.Fatal("the check after the last lesson issued nothing")
	}
	// One valid document per learner and program.
	res, err = k.env.Client.IssueCompletionDocumentWithResponse(ctx, k.org.ID, client.IssueCompletionDocumentRequest{ApplicationID: l.application, OverrideReason: ptr("again")}, k.org.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "already_exists")
}
