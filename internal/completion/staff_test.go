package completion_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/xuri/excelize/v2"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/frdo"
)

func today() openapi_types.Date {
	return openapi_types.Date{Time: time.Now().UTC().Truncate(24 * time.Hour)}
}

// The ФИС ФРДО export opens back with the template's columns and the
// documents' data; a document without СНИЛС is 422 naming its row.
func TestFRDOExport(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	pk := k.course(t, db.ProgramKindQualificationUpgrade, 0)
	d := k.issue(t, k.enroll(t, pk, snils))
	k.issue(t, k.enroll(t, k.course(t, db.ProgramKindCourse, 0), snils)) // a сертификат: not exported
	ctx := context.Background()
	params := &client.ExportCompletionDocumentsFrdoParams{From: today(), To: today()}
	res, err := k.env.Client.ExportCompletionDocumentsFrdoWithResponse(ctx, k.org.ID, params, k.org.As("manager"))
	if err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("export: %v %d %s", err, res.StatusCode(), res.Body)
	}
	if cd := res.HTTPResponse.Header.Get("Content-Disposition"); !strings.Contains(cd, ".xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(frdo.Sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows: %q", rows)
	}
	for i, c := range frdo.Columns {
		if rows[0][i] != c {
			t.Fatalf("column %d is %q, want %q", i, rows[0][i], c)
		}
	}
	col := func(name string) string {
		for i, c := range frdo.Columns {
			if c == name {
				return rows[1][i]
			}
		}
		t.Fatalf("no column %q", name)
		return ""
	}
	want := map[string]string{
		"Вид документа": string(frdo.Certificate), "Статус документа": "Оригинал", "Номер документа": "000001",
		"Регистрационный номер": d.RegistrationNumber, "Дата выдачи документа": time.Now().UTC().Format("02.01.2006"),
		"Вид дополнительной профессиональной программы": "Повышение квалификации", "Срок обучения, часов": "72",
		"Наименование дополнительной профессиональной программы": d.ProgramTitle,
		"Фамилия получателя": "Иванова", "Имя получателя": "Анна", "Отчество получателя": "Петровна",
		"Дата рождения получателя": "17.05.1990", "Пол получателя": "Жен", "СНИЛС": "112-233-445 95",
		"Гражданство получателя (код страны по ОКСМ)": "643", "Уровень образования ВО/СПО": "Высшее образование",
		"Номер документа о ВО/СПО": "0123456", "Фамилия, указанная в дипломе о ВО или СПО": "Петрова",
		"Год поступления на обучение": fmt.Sprint(pk.group.StartsOn.Time.Year()),
		"Год окончания обучения":      fmt.Sprint(pk.group.EndsOn.Time.Year()),
	}
	for name, v := range want {
		if got := col(name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}

	// A document without СНИЛС cannot go to the register.
	bad := k.issue(t, k.enroll(t, pk, nil))
	res, err = k.env.Client.ExportCompletionDocumentsFrdoWithResponse(ctx, k.org.ID, params, k.org.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "frdo_invalid")
	if p.Errors == nil || len(*p.Errors) != 1 || !strings.HasPrefix((*p.Errors)[0].Field, "rows.2.") || !strings.Contains((*p.Errors)[0].Message, bad.RegistrationNumber) {
		t.Fatalf("errors: %s", res.Body)
	}
	// Teachers do not export.
	res, err = k.env.Client.ExportCompletionDocumentsFrdoWithResponse(ctx, k.org.ID, params, k.org.As("teacher"))
	if err != nil || res.StatusCode() != http.StatusForbidden {
		t.Fatalf("teacher: %v %d", err, res.StatusCode())
	}
}

// Another learner's documents, and another organization's, are 404.
func TestOtherUsersAndOrganizationsGet404(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindCourse, 0)
	l := k.enroll(t, c, snils)
	d := k.issue(t, l)
	other := k.enroll(t, k.course(t, db.ProgramKindCourse, 0), snils)
	ctx := context.Background()
	as := apitest.Bearer(other.token)
	r1, err := k.env.Client.GetMyCompletionDocumentWithResponse(ctx, d.ID, as)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r1.StatusCode(), r1.HTTPResponse.Header, r1.Body, http.StatusNotFound, "not_found")
	r2, err := k.env.Client.DownloadMyCompletionDocumentPdfWithResponse(ctx, d.ID, nil, as)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r2.StatusCode(), r2.HTTPResponse.Header, r2.Body, http.StatusNotFound, "not_found")
	r3, err := k.env.Client.DownloadMyCompletionCredentialWithResponse(ctx, d.ID, as)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r3.StatusCode(), r3.HTTPResponse.Header, r3.Body, http.StatusNotFound, "not_found")
	if docs := k.myDocuments(t, other); len(docs) != 0 {
		t.Fatalf("another learner sees %+v", docs)
	}

	// Staff of another organization: their own organization's path does not
	// reach the document, and this organization's path is not theirs.
	o2 := apitest.NewStaffOrg(t, k.env, "org2-"+seq())
	r4, err := k.env.Client.GetCompletionDocumentWithResponse(ctx, o2.ID, d.ID, o2.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r4.StatusCode(), r4.HTTPResponse.Header, r4.Body, http.StatusNotFound, "not_found")
	r5, err := k.env.Client.RevokeCompletionDocumentWithResponse(ctx, o2.ID, d.ID, client.CompletionReasonRequest{Reason: "x"}, o2.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r5.StatusCode(), r5.HTTPResponse.Header, r5.Body, http.StatusNotFound, "not_found")
	r6, err := k.env.Client.GetCompletionDocumentWithResponse(ctx, k.org.ID, d.ID, o2.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r6.StatusCode(), r6.HTTPResponse.Header, r6.Body, http.StatusNotFound, "not_found")
	r7, err := k.env.Client.IssueCompletionDocumentWithResponse(ctx, o2.ID, client.IssueCompletionDocumentRequest{ApplicationID: other.application}, o2.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r7.StatusCode(), r7.HTTPResponse.Header, r7.Body, http.StatusNotFound, "not_found")
	r8, err := k.env.Client.DownloadCompletionDocumentPdfWithResponse(ctx, o2.ID, d.ID, nil, o2.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r8.StatusCode(), r8.HTTPResponse.Header, r8.Body, http.StatusNotFound, "not_found")
	// The organization's own staff read it.
	r9, err := k.env.Client.DownloadCompletionDocumentPdfWithResponse(ctx, k.org.ID, d.ID, nil, k.org.As("teacher"))
	if err != nil || r9.StatusCode() != http.StatusOK {
		t.Fatalf("own staff: %v %d", err, r9.StatusCode())
	}
}

// Settings: the defaults, a refused pattern named by field, and a new
// pattern used by the next document.
func TestCompletionSettings(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	got, err := k.env.Client.GetCompletionSettingsWithResponse(ctx, k.org.ID, k.org.As("admin"))
	if err != nil || got.JSON200 == nil {
		t.Fatalf("get: %v %s", err, got.Body)
	}
	if n := got.JSON200.Numbering.Diploma; n.Pattern != "ПП-{year}-{seq:05}" || n.NextNumber != "ПП-"+year()+"-00001" || got.JSON200.UpdatedAt != nil {
		t.Fatalf("defaults: %+v", got.JSON200)
	}
	never := client.NumberingRuleUpdateResetNever
	yearly := client.NumberingRuleUpdateResetYearly
	body := client.CompletionSettingsUpdate{
		Prefix: ptr("ЭКС"), SignatoryName: ptr("П. П. Петров"),
		Numbering: client.CompletionNumberingUpdate{
			CertificateOfQualification: client.NumberingRuleUpdate{Pattern: "{prefix}/ПК/{seq:04}", Reset: &never, Series: ptr("77")},
			Diploma:                    client.NumberingRuleUpdate{Pattern: "ПП-{seq}", Reset: &yearly},
			Certificate:                client.NumberingRuleUpdate{Pattern: "{prefix}/ПК/{seq:04}"},
		},
	}
	bad, err := k.env.Client.UpdateCompletionSettingsWithResponse(ctx, k.org.ID, body, k.org.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "numbering.diploma.pattern:invalid_pattern", "numbering.certificate.pattern:duplicate") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	body.Numbering.Diploma.Pattern = "ПП-{yy}-{seq}"
	body.Numbering.Certificate.Pattern = "С{seq:03}"
	ok, err := k.env.Client.UpdateCompletionSettingsWithResponse(ctx, k.org.ID, body, k.org.As("manager"))
	if err != nil || ok.JSON200 == nil {
		t.Fatalf("update: %v %s", err, ok.Body)
	}
	if n := ok.JSON200.Numbering.CertificateOfQualification; n.NextNumber != "ЭКС/ПК/0001" || n.Reset != client.NumberingRuleResetNever || n.Series != "77" {
		t.Fatalf("settings: %+v", ok.JSON200)
	}
	d := k.issue(t, k.enroll(t, k.course(t, db.ProgramKindQualificationUpgrade, 0), snils))
	if d.RegistrationNumber != "ЭКС/ПК/0001" || d.Series != "77" {
		t.Fatalf("document: %+v", d)
	}
	teacher, err := k.env.Client.GetCompletionSettingsWithResponse(ctx, k.org.ID, k.org.As("teacher"))
	if err != nil || teacher.StatusCode() != http.StatusForbidden {
		t.Fatalf("teacher: %v %d", err, teacher.StatusCode())
	}
}
