package enrollment_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// Personal data set in the profile is prefilled into a new application;
// applying to another organization's program makes the applicant a
// learner there, and that organization sees nothing until it is sent.
func TestApplyPrefillsProfileAndJoinsOrganization(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "prefill")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindQualificationUpgrade})
	token, userID := learner(t, env)

	bad, err := env.Client.UpdateProfileWithResponse(ctx, client.ProfileUpdate{PersonalData: &client.PersonalDataUpdate{
		Snils: str("112-233-445 96"), Citizenship: str("999"), BirthDate: date(1850, 1, 1),
	}}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
	if f := apitest.Fields(p); !apitest.Contains(f, "personalData.snils:invalid_checksum", "personalData.citizenship:unknown_code", "personalData.birthDate:invalid_value") {
		t.Fatalf("fields %v", f)
	}
	sex := client.PersonalDataUpdateSexFemale
	prof, err := env.Client.UpdateProfileWithResponse(ctx, client.ProfileUpdate{PersonalData: &client.PersonalDataUpdate{
		Patronymic: str("Петровна"), BirthDate: date(1990, 5, 17), Sex: &sex, Citizenship: str("RU"), Snils: str("112-233-445 95"),
	}}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, prof, prof.Body, http.StatusOK)
	pd := prof.JSON200.PersonalData
	if pd == nil || *pd.Snils != "11223344595" || *pd.Citizenship != "643" || *pd.Sex != "female" {
		t.Fatalf("personal data %+v", pd)
	}

	a := apply(t, env, token, c.group.ID)
	ap := a.Applicant
	if a.Status != client.ApplicationStatusDraft || ap.LastName != "Иванова" || *ap.Patronymic != "Петровна" ||
		*ap.Snils != "11223344595" || *ap.Citizenship != "643" || ap.BirthDate.Format("2006-01-02") != "1990-05-17" {
		t.Fatalf("application %+v", a)
	}
	if len(a.Events) != 1 || a.Events[0].Event != "created" || *a.Events[0].ActorID != userID {
		t.Fatalf("events %+v", a.Events)
	}
	me := apitest.GetMe(t, env, token).JSON200
	found := false
	for _, m := range me.Memberships {
		found = found || m.Organization.ID == o.ID && m.Role == "learner"
	}
	if !found {
		t.Fatalf("no learner membership in %v", me.Memberships)
	}
	// A second open application to the same group is refused.
	again, _ := env.Client.CreateApplicationWithResponse(ctx, client.CreateApplicationRequest{GroupID: c.group.ID}, apitest.Bearer(token))
	apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, http.StatusConflict, "already_exists")

	// The organization does not see a draft.
	res, _ := env.Client.GetOrganizationApplicationWithResponse(ctx, o.ID, a.ID, o.As("manager"))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusNotFound, "not_found")
}

// Applying needs an enrolling group within its window of a published program.
func TestApplyNeedsOpenEnrollment(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "closed")
	token, _ := learner(t, env)
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, closesIn: -time.Minute})
	res, _ := env.Client.CreateApplicationWithResponse(ctx, client.CreateApplicationRequest{GroupID: c.group.ID}, apitest.Bearer(token))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "enrollment_closed")

	draft := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse})
	if _, err := env.Pool.Exec(ctx, `UPDATE programs SET status = 'draft' WHERE id = $1`, draft.program.ID); err != nil {
		t.Fatal(err)
	}
	res, _ = env.Client.CreateApplicationWithResponse(ctx, client.CreateApplicationRequest{GroupID: draft.group.ID}, apitest.Bearer(token))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusNotFound, "not_found")

	// A learner the organization blocked cannot apply there.
	open := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse})
	if _, err := env.Pool.Exec(ctx, `UPDATE memberships SET status = 'blocked', blocked_at = now() WHERE organization_id = $1 AND user_id = $2`,
		o.ID, o.User("learner")); err != nil {
		t.Fatal(err)
	}
	res, _ = env.Client.CreateApplicationWithResponse(ctx, client.CreateApplicationRequest{GroupID: open.group.ID}, o.As("learner"))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "membership_blocked")

	// The first submission needs the window still open.
	a := apply(t, env, token, open.group.ID)
	closeWindow(t, env, open.group)
	sub := submit(t, env, token, a.ID)
	apitest.ProblemOf(t, sub.StatusCode(), sub.HTTPResponse.Header, sub.Body, http.StatusConflict, "enrollment_closed")
}

// Submitting a ПК application checks every document of the checklist and
// the data its state-format document needs, naming what is missing; the
// consent is recorded with the policy version and the time.
func TestSubmitChecksCompletenessAndRecordsConsent(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Enrollment.PDPolicyVersion = "2026-07" })
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "complete")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindProfessionalRetraining, docs: []string{"passport", "prior_education_diploma"}})
	token, _ := learner(t, env)
	a := apply(t, env, token, c.group.ID)
	if len(a.Documents) != 2 || a.Documents[0].Document != nil || a.CurrentPolicyVersion != "2026-07" || a.Consent != nil {
		t.Fatalf("checklist %+v", a)
	}

	res, _ := env.Client.SubmitApplicationWithResponse(ctx, a.ID, client.SubmitApplicationRequest{PersonalDataConsent: false, PolicyVersion: str("2025-01")}, apitest.Bearer(token))
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if f := apitest.Fields(p); !apitest.Contains(f, "personalDataConsent:required", "policyVersion:outdated") {
		t.Fatalf("fields %v", f)
	}
	res = submit(t, env, token, a.ID)
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "application_incomplete")
	want := []string{"documents.passport:missing", "documents.prior_education_diploma:missing", "applicant.birthDate:missing",
		"applicant.sex:missing", "applicant.citizenship:missing", "applicant.snils:missing", "applicant.priorEducation.level:missing",
		"applicant.priorEducation.diplomaSeries:missing", "applicant.priorEducation.diplomaNumber:missing"}
	if f := apitest.Fields(p); !apitest.Contains(f, want...) || len(f) != len(want) {
		t.Fatalf("fields %v", f)
	}

	// The data is the application's own; a wrong СНИЛС is named.
	sex, level := client.ApplicantUpdateSexMale, client.PriorEducationSecondaryVocational
	data := client.ApplicantUpdate{LastName: "Петров", FirstName: "Пётр", BirthDate: date(1985, 3, 1), Sex: &sex,
		Citizenship: str("643"), Snils: str("11223344596")}
	data.PriorEducation = &client.PriorEducationUpdate{DiplomaNumber: str("0123456"), DiplomaSeries: str("1077"), DiplomaSurname: str("Сидоров"), Level: &level}
	upd, _ := env.Client.UpdateApplicationDataWithResponse(ctx, a.ID, data, apitest.Bearer(token))
	p = apitest.ProblemOf(t, upd.StatusCode(), upd.HTTPResponse.Header, upd.Body, http.StatusUnprocessableEntity, "validation_failed")
	if f := apitest.Fields(p); !apitest.Contains(f, "snils:invalid_checksum") {
		t.Fatalf("fields %v", f)
	}
	data.Snils = str("112 233 445 95")
	upd, _ = env.Client.UpdateApplicationDataWithResponse(ctx, a.ID, data, apitest.Bearer(token))
	wantStatus(t, upd, upd.Body, http.StatusOK)
	if ap := upd.JSON200.Applicant; *ap.Snils != "11223344595" || *ap.PriorEducation.DiplomaSurname != "Сидоров" || ap.LastName != "Петров" {
		t.Fatalf("applicant %+v", ap)
	}
	wantStatus(t, upload(t, env, token, a.ID, "passport", "паспорт.pdf", pdfFile), nil, http.StatusOK)
	res = submit(t, env, token, a.ID)
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "application_incomplete")
	if f := apitest.Fields(p); len(f) != 1 || f[0] != "documents.prior_education_diploma:missing" {
		t.Fatalf("fields %v", f)
	}
	wantStatus(t, upload(t, env, token, a.ID, "prior_education_diploma", "диплом.png", pngFile), nil, http.StatusOK)
	before := time.Now().Add(-time.Second)
	res, _ = env.Client.SubmitApplicationWithResponse(ctx, a.ID, client.SubmitApplicationRequest{PersonalDataConsent: true, PolicyVersion: str("2026-07")}, apitest.Bearer(token))
	wantStatus(t, res, res.Body, http.StatusOK)
	got := res.JSON200
	if got.Status != client.ApplicationStatusSubmitted || got.Consent == nil || got.Consent.PolicyVersion != "2026-07" ||
		got.Consent.At.Before(before) || got.SubmittedAt == nil || got.WaitingSince == nil {
		t.Fatalf("submitted %+v", got)
	}
	var version string
	var at time.Time
	if err := env.Pool.QueryRow(ctx, `SELECT consent_policy_version, consent_at FROM applications WHERE id = $1`, a.ID).Scan(&version, &at); err != nil || version != "2026-07" {
		t.Fatalf("consent row %q %v %v", version, at, err)
	}
	// The manager sees the data the applicant sent, not the profile.
	staff, _ := env.Client.GetOrganizationApplicationWithResponse(ctx, o.ID, a.ID, o.As("manager"))
	wantStatus(t, staff, staff.Body, http.StatusOK)
	if staff.JSON200.Applicant.LastName != "Петров" || *staff.JSON200.Applicant.Snils != "11223344595" || staff.JSON200.Documents[1].Document == nil {
		t.Fatalf("staff view %+v", staff.JSON200.Applicant)
	}
}
