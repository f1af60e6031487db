package enrollment_test

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// The catalog's HTTP operations live in another domain: programs and
// groups are made here with its queries directly.

type programSpec struct {
	kind        db.ProgramKind
	docs        []string
	capacity    int32
	autoApprove bool
	closesIn    time.Duration // 0: no window end; negative: closed
	price       int64
}

type course struct {
	program db.Program
	group   db.StudyGroup
}

var slugSeq = time.Now().UnixNano() % 1_000_000

func newCourse(t *testing.T, env *apitest.Env, orgID uuid.UUID, spec programSpec) course {
	t.Helper()
	ctx := context.Background()
	q := db.New(env.Pool)
	doc, snils := db.CompletionDocumentCertificate, false
	switch spec.kind {
	case db.ProgramKindQualificationUpgrade:
		doc, snils = db.CompletionDocumentCertificateOfQualification, true
	case db.ProgramKindProfessionalRetraining:
		doc, snils = db.CompletionDocumentDiploma, true
	}
	if spec.docs == nil {
		spec.docs = []string{}
	}
	slug := "p-" + apitest.Itoa(apitest.Seq.Add(1)) + "-" + apitest.Itoa(slugSeq)
	p, err := q.CreateProgram(ctx, db.CreateProgramParams{
		OrganizationID: orgID, Slug: slug, Title: "Программа " + slug, Kind: spec.kind, CompletionDocument: doc,
		AcademicHours: 72, Format: db.StudyFormatOnline, PriceMinor: spec.price, Currency: "RUB", Tags: []string{},
		RequiredDocuments: spec.docs, RequiresSnils: snils, RequiresPriorEducation: snils,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = q.SetProgramStatus(ctx, db.SetProgramStatusParams{OrganizationID: orgID, ID: p.ID, Version: p.Version, Status: db.ProgramStatusPublished}); err != nil {
		t.Fatal(err)
	}
	if spec.autoApprove {
		if _, err := env.Pool.Exec(ctx, `UPDATE programs SET auto_approve = true WHERE id = $1`, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	opens := now.Add(-time.Hour)
	var closes *time.Time
	if spec.closesIn != 0 {
		c := now.Add(spec.closesIn)
		if spec.closesIn < 0 {
			o := c.Add(-time.Hour)
			opens = o
		}
		closes = &c
	}
	g, err := q.CreateGroup(ctx, db.CreateGroupParams{
		OrganizationID: orgID, ProgramID: p.ID, Code: "G-" + slug, Title: "Группа",
		StartsOn: pgtype.Date{Time: now.AddDate(0, 1, 0), Valid: true}, EndsOn: pgtype.Date{Time: now.AddDate(0, 2, 0), Valid: true},
		EnrollmentOpensAt: &opens, EnrollmentClosesAt: closes, Capacity: spec.capacity, Status: db.GroupStatusEnrolling,
	})
	if err != nil {
		t.Fatal(err)
	}
	return course{program: p, group: g}
}

// closeWindow ends the group's enrollment window now.
func closeWindow(t *testing.T, env *apitest.Env, g db.StudyGroup) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`UPDATE study_groups SET enrollment_opens_at = now() - interval '2 hours', enrollment_closes_at = now() - interval '1 second' WHERE id = $1`, g.ID); err != nil {
		t.Fatal(err)
	}
}

func apply(t *testing.T, env *apitest.Env, token string, groupID uuid.UUID) client.Application {
	t.Helper()
	res, err := env.Client.CreateApplicationWithResponse(context.Background(), client.CreateApplicationRequest{GroupID: groupID}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("apply: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func submit(t *testing.T, env *apitest.Env, token string, id uuid.UUID) *client.SubmitApplicationResponse {
	t.Helper()
	res, err := env.Client.SubmitApplicationWithResponse(context.Background(), id, client.SubmitApplicationRequest{PersonalDataConsent: true}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// submitted applies to a group of a program without a checklist and
// submits; it returns the application.
func submitted(t *testing.T, env *apitest.Env, token string, groupID uuid.UUID) client.Application {
	t.Helper()
	a := apply(t, env, token, groupID)
	res := submit(t, env, token, a.ID)
	if res.JSON200 == nil {
		t.Fatalf("submit: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON200
}

func approve(t *testing.T, env *apitest.Env, o apitest.StaffOrg, id uuid.UUID) *client.ApproveApplicationResponse {
	t.Helper()
	res, err := env.Client.ApproveApplicationWithResponse(context.Background(), o.ID, id, client.OptionalReasonRequest{}, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// learner registers a fresh account and returns its access token and id.
func learner(t *testing.T, env *apitest.Env) (string, uuid.UUID) {
	t.Helper()
	a := apitest.Register(t, env, apitest.NewAccount())
	return a.AccessToken, a.User.ID
}

// Minimal files of each kind, as their first bytes make them.
var (
	pdfFile = append([]byte("%PDF-1.4\n%âãÏÓ\n1 0 obj <<>> endobj\n"), bytes.Repeat([]byte("0123456789"), 50)...)
	pngFile = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)
	exeFile = append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
)

// upload sends one multipart file; name is the file name the client gives.
func upload(t *testing.T, env *apitest.Env, token string, id uuid.UUID, kind client.DocumentKind, name string, content []byte) *client.UploadApplicationDocumentResponse {
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
	res, err := env.Client.UploadApplicationDocumentWithBodyWithResponse(context.Background(), id, kind, w.FormDataContentType(), &body, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// wantStatus fails unless res has status want.
func wantStatus(t *testing.T, res interface {
	StatusCode() int
}, body []byte, want int) {
	t.Helper()
	if res.StatusCode() != want {
		t.Fatalf("status %d, want %d: %s", res.StatusCode(), want, body)
	}
}

func date(y int, m time.Month, d int) *openapi_types.Date {
	return &openapi_types.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func str(s string) *string { return &s }

var _ = http.StatusOK

func ptrTo[T any](v T) *T { return &v }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// mustTime evaluates a timestamptz expression in the database.
func mustTime(t *testing.T, env *apitest.Env, expr string) time.Time {
	t.Helper()
	var at time.Time
	if err := env.Pool.QueryRow(context.Background(), "SELECT "+expr).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
