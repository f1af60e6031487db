package documents_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/documents"
)

// Submitting an application enqueues the copy of its files into the
// applicant's archive; the job (run here by hand) publishes each file once,
// as a document of the application's organization that the applicant
// reads; the copy is byte-exact and independent of the application's blob.
func TestApplicationFilesReachTheArchive(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "apply")
	other := apitest.NewStaffOrg(t, env, "apply-other")
	q := db.New(env.Pool)
	p, err := q.CreateProgram(ctx, db.CreateProgramParams{
		OrganizationID: o.ID, Slug: "kurs", Title: "Охрана труда", Kind: db.ProgramKindCourse, CompletionDocument: db.CompletionDocumentCertificate,
		AcademicHours: 16, Format: db.StudyFormatOnline, PriceMinor: 0, Currency: "RUB", Tags: []string{}, RequiredDocuments: []string{"passport"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = q.SetProgramStatus(ctx, db.SetProgramStatusParams{OrganizationID: o.ID, ID: p.ID, Version: p.Version, Status: db.ProgramStatusPublished}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	opens := now.Add(-time.Hour)
	g, err := q.CreateGroup(ctx, db.CreateGroupParams{
		OrganizationID: o.ID, ProgramID: p.ID, Code: "G-1", Title: "Группа",
		StartsOn: pgtype.Date{Time: now.AddDate(0, 1, 0), Valid: true}, EndsOn: pgtype.Date{Time: now.AddDate(0, 2, 0), Valid: true},
		EnrollmentOpensAt: &opens, Capacity: 10, Status: db.GroupStatusEnrolling,
	})
	if err != nil {
		t.Fatal(err)
	}
	applicant := user(t, env)
	tok := bearer(applicant.AccessToken)
	app, err := env.Client.CreateApplicationWithResponse(ctx, client.CreateApplicationRequest{GroupID: g.ID}, tok)
	if err != nil || app.JSON201 == nil {
		t.Fatalf("apply: %v %s", err, app.Body)
	}
	ct, body := multipartFile(t, "Паспорт.pdf", pdfN(5))
	up, err := env.Client.UploadApplicationDocumentWithBodyWithResponse(ctx, app.JSON201.ID, "passport", ct, body, tok)
	if err != nil || up.JSON200 == nil {
		t.Fatalf("upload: %v %s", err, up.Body)
	}
	w := &documents.ApplicationWorker{Pool: env.Pool, Blobs: openBlobs(t, env), Log: slog.Default()}
	// A draft's files stay out of the archive.
	if err := w.Publish(ctx, app.JSON201.ID); err != nil {
		t.Fatal(err)
	}
	if jobsOf(t, env) != 0 {
		t.Fatal("a job before the submission")
	}
	sub, err := env.Client.SubmitApplicationWithResponse(ctx, app.JSON201.ID, client.SubmitApplicationRequest{PersonalDataConsent: true}, tok)
	if err != nil || sub.JSON200 == nil {
		t.Fatalf("submit: %v %s", err, sub.Body)
	}
	if n := jobsOf(t, env); n != 1 {
		t.Fatalf("%d publish jobs after the submission", n)
	}
	for range 2 { // a retried job publishes once
		if err := w.Publish(ctx, app.JSON201.ID); err != nil {
			t.Fatal(err)
		}
	}
	mine := listMine(t, env, applicant.AccessToken, client.ListMyDocumentsParams{})
	if len(mine) != 1 || mine[0].Source == nil || *mine[0].Source != "application" || mine[0].Access != client.Read ||
		mine[0].IssuerOrganizationID == nil || *mine[0].IssuerOrganizationID != o.ID || mine[0].CurrentVersion == nil || mine[0].CurrentVersion.Number != 1 {
		t.Fatalf("the applicant's archive: %+v", mine)
	}
	dl := download(t, env, applicant.AccessToken, mine[0].ID, 1, client.DownloadDocumentVersionParams{})
	wantStatus(t, dl, dl.Body, http.StatusOK)
	if !bytes.Equal(dl.Body, pdfN(5)) || mine[0].CurrentVersion.FileName != "Паспорт.pdf" {
		t.Fatalf("copy differs (%d bytes, %s)", len(dl.Body), mine[0].CurrentVersion.FileName)
	}
	if keys := blobKeys(t, env, mine[0].ID); len(keys) != 1 || keys[0] == blobOfApplication(t, env, app.JSON201.ID) {
		t.Fatalf("the archive shares the application's blob: %v", keys)
	}
	x := getDoc(t, env, other.Members["manager"].AccessToken, mine[0].ID)
	apitest.WantProblem(t, x.HTTPResponse, x.Body, http.StatusNotFound, "not_found")
}

func jobsOf(t *testing.T, env *apitest.Env) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'documents_publish_application'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func blobOfApplication(t *testing.T, env *apitest.Env, id any) string {
	t.Helper()
	var k string
	if err := env.Pool.QueryRow(context.Background(), `SELECT blob_key FROM application_documents WHERE application_id = $1`, id).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}
