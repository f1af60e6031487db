package journey_test

import (
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Step 2: a visitor finds the program in the public catalog (another word
// form than the title's), opens its card and groups, registers, fills in
// the application, uploads the documents, consents and submits.
func (j *journey) visitorApplies(t *testing.T) {
	t.Helper()
	q := client.SearchText("педагогика")
	var card client.CatalogProgramCard
	apitest.Eventually(t, "the program is in the catalog search", func() bool {
		res, err := j.env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{Q: &q})
		must(t, err)
		if res.JSON200 == nil {
			t.Fatalf("searchCatalogPrograms: %d %s", res.StatusCode(), res.Body)
		}
		for _, c := range res.JSON200.Items {
			if c.ID == j.program.ID {
				card = c
				return true
			}
		}
		return false
	})
	if card.PriceMinor != 1_200_000 || card.Currency != "RUB" || !card.EnrollmentOpen || card.Organization.Slug != j.slug {
		t.Fatalf("catalog card: %+v", card)
	}
	prog, err := j.env.Client.GetCatalogProgramWithResponse(bg, j.slug, card.Slug, nil)
	must(t, err)
	want(t, "getCatalogProgram", prog.StatusCode(), prog.Body, 200)
	groups, err := j.env.Client.ListCatalogProgramGroupsWithResponse(bg, j.slug, card.Slug, nil)
	must(t, err)
	if groups.JSON200 == nil || !has(groups.JSON200.Items, func(g client.CatalogGroup) bool { return g.ID == j.group.ID && g.EnrollmentOpen }) {
		t.Fatalf("catalog groups: %d %s", groups.StatusCode(), groups.Body)
	}

	j.account = apitest.NewAccount()
	j.learner = apitest.Register(t, j.env, j.account)
	app, err := j.env.Client.CreateApplicationWithResponse(bg, client.CreateApplicationRequest{GroupID: j.group.ID}, j.as())
	must(t, err)
	if app.JSON201 == nil || app.JSON201.Status != "draft" || len(app.JSON201.Documents) != 2 || !app.JSON201.RequiresSnils {
		t.Fatalf("createApplication: %d %s", app.StatusCode(), app.Body)
	}
	j.application = *app.JSON201

	// Submitting before the checklist is done is refused.
	early, err := j.env.Client.SubmitApplicationWithResponse(bg, j.application.ID, client.SubmitApplicationRequest{PersonalDataConsent: true}, j.as())
	must(t, err)
	if early.StatusCode() != 422 && early.StatusCode() != 409 {
		t.Fatalf("submit without documents: %d %s", early.StatusCode(), early.Body)
	}

	level := client.PriorEducationUpdateLevel("higher")
	sex := client.ApplicantUpdateSex("female")
	data, err := j.env.Client.UpdateApplicationDataWithResponse(bg, j.application.ID, client.ApplicantUpdate{
		LastName: "Иванова", FirstName: "Анна", Patronymic: ptr("Петровна"),
		BirthDate: &openapi_types.Date{Time: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)}, Sex: &sex, Citizenship: ptr("643"),
		Snils:          ptr("112-233-445 95"),
		PriorEducation: &client.PriorEducationUpdate{Level: &level, DiplomaSeries: ptr("1077"), DiplomaNumber: ptr("0123456"), DiplomaSurname: ptr("Петрова")},
	}, j.as())
	must(t, err)
	if data.JSON200 == nil || data.JSON200.Applicant.Snils == nil {
		t.Fatalf("updateApplicationData: %d %s", data.StatusCode(), data.Body)
	}
	for _, kind := range []client.DocumentKind{"passport", "prior_education_diploma"} {
		j.upload(t, kind)
	}
	sub, err := j.env.Client.SubmitApplicationWithResponse(bg, j.application.ID, client.SubmitApplicationRequest{PersonalDataConsent: true}, j.as())
	must(t, err)
	if sub.JSON200 == nil || sub.JSON200.Status != "submitted" || sub.JSON200.Consent == nil {
		t.Fatalf("submitApplication: %d %s", sub.StatusCode(), sub.Body)
	}
}

// upload puts a scan of kind into the application's checklist.
func (j *journey) upload(t *testing.T, kind client.DocumentKind) {
	t.Helper()
	ct, body := multipartFile(t, string(kind)+".pdf", pdfScan)
	res, err := j.env.Client.UploadApplicationDocumentWithBodyWithResponse(bg, j.application.ID, kind, ct, body, j.as())
	must(t, err)
	if res.StatusCode() != 200 && res.StatusCode() != 201 {
		t.Fatalf("uploadApplicationDocument %s: %d %s", kind, res.StatusCode(), res.Body)
	}
}

// Step 3: the manager asks for changes; the learner replaces the diploma
// scan and resubmits; the manager approves. The learner's inbox tells of
// both decisions.
func (j *journey) managerReviews(t *testing.T) {
	t.Helper()
	ch, err := j.env.Client.RequestApplicationChangesWithResponse(bg, j.org.ID, j.application.ID,
		client.DecisionRequest{Reason: "Скан диплома нечитаем: загрузите его целиком."}, j.org.As("manager"))
	must(t, err)
	if ch.JSON200 == nil || ch.JSON200.Status != "needs_changes" {
		t.Fatalf("requestApplicationChanges: %d %s", ch.StatusCode(), ch.Body)
	}
	mine, err := j.env.Client.GetMyApplicationWithResponse(bg, j.application.ID, j.as())
	must(t, err)
	if mine.JSON200 == nil || mine.JSON200.Status != "needs_changes" {
		t.Fatalf("getMyApplication: %d %s", mine.StatusCode(), mine.Body)
	}
	j.upload(t, "prior_education_diploma")
	re, err := j.env.Client.SubmitApplicationWithResponse(bg, j.application.ID, client.SubmitApplicationRequest{PersonalDataConsent: true}, j.as())
	must(t, err)
	if re.JSON200 == nil || re.JSON200.Status != "resubmitted" {
		t.Fatalf("resubmit: %d %s", re.StatusCode(), re.Body)
	}
	ok, err := j.env.Client.ApproveApplicationWithResponse(bg, j.org.ID, j.application.ID, client.OptionalReasonRequest{}, j.org.As("manager"))
	must(t, err)
	if ok.JSON200 == nil || ok.JSON200.Status != "approved" {
		t.Fatalf("approveApplication: %d %s", ok.StatusCode(), ok.Body)
	}
	j.application = *ok.JSON200

	cat := client.NotificationCategory("application")
	var inbox []client.Notification
	apitest.Eventually(t, "both decisions in the inbox", func() bool {
		res, err := j.env.Client.ListNotificationsWithResponse(bg, &client.ListNotificationsParams{Category: &cat}, j.as())
		must(t, err)
		if res.JSON200 == nil {
			t.Fatalf("listNotifications: %d %s", res.StatusCode(), res.Body)
		}
		inbox = res.JSON200.Items
		return len(inbox) >= 2
	})
	for _, n := range inbox {
		if n.Title == "" || n.ReadAt != nil {
			t.Fatalf("notification: %+v", n)
		}
	}
	count, err := j.env.Client.GetUnreadNotificationCountWithResponse(bg, j.as())
	must(t, err)
	want(t, "getUnreadNotificationCount", count.StatusCode(), count.Body, 200)
}
