package completion_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/completion"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/credential"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

// kit is a server whose credential key the test's own completion-check
// worker shares (as the processes of a deployment share the key file), and
// an organization with one member per role.
type kit struct {
	env    *apitest.Env
	org    apitest.StaffOrg
	worker *completion.Worker
	jobs   jobs.Inserter // as learning's handlers hold it
}

var slugSeq = time.Now().UnixNano() % 1_000_000

func seq() string { return apitest.Itoa(apitest.Seq.Add(1)) + "-" + apitest.Itoa(slugSeq) }

func newKit(t *testing.T, mutate ...func(*config.Config)) *kit {
	t.Helper()
	key, err := auth.GenerateKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	env := apitest.New(t, append([]func(*config.Config){func(c *config.Config) { c.Completion.CredentialKey = string(key) }}, mutate...)...)
	ctx := context.Background()
	blobs, err := blob.Open(ctx, env.Config.Blob.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = blobs.Close() })
	tpl, err := notify.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	ins, err := jobs.New(env.Pool, env.Config.Jobs, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	pub := notifications.NewPublisher(outbox.New(tpl, ins, env.Config.Outbox), ins, env.Config)
	iss, err := completion.NewIssuerFromConfig(env.Config, env.Pool, blobs, pub, log)
	if err != nil {
		t.Fatal(err)
	}
	return &kit{env: env, org: apitest.NewStaffOrg(t, env, "org-"+seq()), worker: completion.NewWorker(iss), jobs: ins}
}

// course is a published program with a running group.
type course struct {
	program db.Program
	group   db.StudyGroup
}

func (k *kit) course(t *testing.T, kind db.ProgramKind, price int64) course {
	t.Helper()
	ctx := context.Background()
	q := db.New(k.env.Pool)
	doc, state := db.CompletionDocumentCertificate, false
	switch kind {
	case db.ProgramKindQualificationUpgrade:
		doc, state = db.CompletionDocumentCertificateOfQualification, true
	case db.ProgramKindProfessionalRetraining:
		doc, state = db.CompletionDocumentDiploma, true
	}
	slug := "p-" + seq()
	p, err := q.CreateProgram(ctx, db.CreateProgramParams{
		OrganizationID: k.org.ID, Slug: slug, Title: "Педагогика дополнительного образования", Kind: kind, CompletionDocument: doc,
		AcademicHours: 72, Format: db.StudyFormatOnline, PriceMinor: price, Currency: "RUB", Tags: []string{},
		RequiredDocuments: []string{}, RequiresSnils: state, RequiresPriorEducation: state,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = q.SetProgramStatus(ctx, db.SetProgramStatusParams{OrganizationID: k.org.ID, ID: p.ID, Version: p.Version, Status: db.ProgramStatusPublished}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	g, err := q.CreateGroup(ctx, db.CreateGroupParams{
		OrganizationID: k.org.ID, ProgramID: p.ID, Code: "G-" + slug, Title: "Группа",
		StartsOn: pgtype.Date{Time: now.AddDate(0, -2, 0), Valid: true}, EndsOn: pgtype.Date{Time: now.AddDate(0, 0, -1), Valid: true},
		Status: db.GroupStatusRunning,
	})
	if err != nil {
		t.Fatal(err)
	}
	return course{program: p, group: g}
}

// learner is a registered account with an approved application.
type learner struct {
	token       string
	id          uuid.UUID
	email       string
	application uuid.UUID
}

// enroll registers a learner and records an approved application to c's
// group with the personal data ФИС ФРДО needs (snils nil: without СНИЛС).
func (k *kit) enroll(t *testing.T, c course, snils *string) learner {
	t.Helper()
	acc := apitest.NewAccount()
	a := apitest.Register(t, k.env, acc)
	var app uuid.UUID
	err := k.env.Pool.QueryRow(context.Background(), `
		INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name, patronymic,
		    birth_date, sex, citizenship, snils, education_level, diploma_series, diploma_number, diploma_surname,
		    waiting_since, submitted_at, decided_at)
		VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', 'Петровна', '1990-05-17', 'female', '643', $5,
		    'higher', '1077', '0123456', 'Петрова', now(), now(), now())
		RETURNING id`, k.org.ID, c.program.ID, c.group.ID, a.User.ID, snils).Scan(&app)
	if err != nil {
		t.Fatal(err)
	}
	return learner{token: a.AccessToken, id: a.User.ID, email: string(acc.Email), application: app}
}

var snils = ptr("11223344595")

func ptr[T any](v T) *T { return &v }

// check runs the completion check as the job would.
func (k *kit) check(t *testing.T, l learner, c course) bool {
	t.Helper()
	issued, err := k.worker.Check(context.Background(), jobs.CompletionCheckArgs{UserID: l.id, ProgramID: c.program.ID})
	if err != nil {
		t.Fatal(err)
	}
	return issued
}

// issue issues through the staff API.
func (k *kit) issue(t *testing.T, l learner) client.IssuedDocument {
	t.Helper()
	res, err := k.env.Client.IssueCompletionDocumentWithResponse(context.Background(), k.org.ID,
		client.IssueCompletionDocumentRequest{ApplicationID: l.application}, k.org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("issue: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func (k *kit) myDocuments(t *testing.T, l learner) []client.IssuedDocument {
	t.Helper()
	res, err := k.env.Client.ListMyCompletionDocumentsWithResponse(context.Background(), nil, apitest.Bearer(l.token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("my documents: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200.Items
}

// keys fetches the server's JWKS, as an offline verifier would keep it.
func (k *kit) keys(t *testing.T) credential.KeySet {
	t.Helper()
	res, err := k.env.Client.GetJwksWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ks, err := credential.ParseJWKS(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// pdfText extracts a PDF's text with pdftotext, or skips the caller's check.
func pdfText(t *testing.T, doc []byte) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext is not installed: the PDF's text is not checked")
		return "", false
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = strings.NewReader(string(doc))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), true
}

func year() string { return fmt.Sprint(time.Now().UTC().Year()) }

// pdfPages counts a PDF's pages with pdfinfo, when it is installed.
func pdfPages(t *testing.T, doc []byte) (int, bool) {
	t.Helper()
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		return 0, false
	}
	cmd := exec.Command("pdfinfo", "-")
	cmd.Stdin = strings.NewReader(string(doc))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pages:"); ok {
			var n int
			_, _ = fmt.Sscan(strings.TrimSpace(rest), &n)
			return n, true
		}
	}
	t.Fatalf("pdfinfo: no page count in %s", out)
	return 0, false
}

// storedPDFs counts the PDFs in the organization's blob folder.
func (k *kit) storedPDFs(t *testing.T) int {
	t.Helper()
	u, err := url.Parse(k.env.Config.Blob.URL)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(filepath.FromSlash(u.Path), "completion", k.org.ID.String()))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		// The local store keeps a blob's attributes beside it.
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), ".attrs") {
			n++
		}
	}
	return n
}
