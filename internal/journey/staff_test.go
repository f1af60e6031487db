package journey_test

import (
	"net/http"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Step 1: the operator creates the organization with its admin; the
// admin's staff (a manager and a teacher) join it; the manager publishes a
// paid ПК program that asks for documents, СНИЛС and prior education, with
// a group and its content (a text lesson, a webinar, a final test).
func (j *journey) staffPublishesProgram(t *testing.T) {
	t.Helper()
	j.slug = "journey-" + apitest.Itoa(apitest.Seq.Add(1)) + "-" + apitest.Itoa(time.Now().UnixNano()%1_000_000)
	admin := apitest.NewAccount()
	j.org = apitest.StaffOrg{Members: map[client.Role]*client.AuthResponse{"admin": apitest.Register(t, j.env, admin)}}
	res, err := j.env.Client.CreateOrganizationWithResponse(bg, client.OperatorOrganizationCreate{
		Slug: j.slug, Name: "Центр дополнительного образования «Экстерн»",
		Admin: client.OperatorAdmin{Email: admin.Email},
	}, basic(operator.Username, operator.Password))
	must(t, err)
	if res.JSON201 == nil || res.JSON201.Admin.Status != "granted" {
		t.Fatalf("createOrganization: %d %s", res.StatusCode(), res.Body)
	}
	j.org.ID = res.JSON201.Organization.ID
	// The admin invites the staff; an invitation to an existing account
	// grants the membership at once.
	for _, role := range []client.Role{"manager", "teacher"} {
		acc := apitest.NewAccount()
		j.org.Members[role] = apitest.Register(t, j.env, acc)
		apitest.Invite(t, j.env, j.org, "admin", string(acc.Email), role)
	}
	members, err := j.env.Client.ListMembersWithResponse(bg, j.org.ID, nil, j.org.As("admin"))
	must(t, err)
	if members.JSON200 == nil || len(members.JSON200.Items) != 3 {
		t.Fatalf("listMembers: %d %s", members.StatusCode(), members.Body)
	}

	docs := []client.DocumentKind{"passport", "prior_education_diploma"}
	p, err := j.env.Client.CreateProgramWithResponse(bg, j.org.ID, client.ProgramCreate{
		Slug: "pedagogy", Title: "Педагогическое сопровождение дополнительного образования", Kind: "qualification_upgrade",
		AcademicHours: 72, Format: "online", PriceMinor: 1_200_000, Currency: ptr("RUB"),
		ShortDescription:  ptr("Повышение квалификации педагогов: методика, оценивание, цифровые инструменты."),
		RequiredDocuments: &docs, RequiresSnils: ptr(true), RequiresPriorEducation: ptr(true),
		TeacherIds: &[]openapi_types.UUID{j.org.User("teacher")},
	}, j.org.As("manager"))
	must(t, err)
	if p.JSON201 == nil || p.JSON201.Status != "draft" || p.JSON201.CompletionDocument != "certificate_of_qualification" {
		t.Fatalf("createProgram: %d %s", p.StatusCode(), p.Body)
	}
	j.program = *p.JSON201

	today := time.Now().UTC()
	g, err := j.env.Client.CreateGroupWithResponse(bg, j.org.ID, j.program.ID, client.GroupCreate{
		Code: "ПК-1", Title: ptr("Поток 1"), Capacity: ptr(int32(20)),
		StartsOn: openapi_types.Date{Time: today}, EndsOn: openapi_types.Date{Time: today.AddDate(0, 1, 0)},
	}, j.org.As("manager"))
	must(t, err)
	if g.JSON201 == nil {
		t.Fatalf("createGroup: %d %s", g.StatusCode(), g.Body)
	}
	j.group = *g.JSON201
	j.setGroupStatus(t, "enrolling")

	j.authorContent(t)

	pub, err := j.env.Client.PublishProgramWithResponse(bg, j.org.ID, j.program.ID,
		&client.PublishProgramParams{IfMatch: ifMatch(j.program.Version)}, j.org.As("manager"))
	must(t, err)
	if pub.JSON200 == nil || pub.JSON200.Status != "published" || pub.JSON200.PublishedAt == nil {
		t.Fatalf("publishProgram: %d %s", pub.StatusCode(), pub.Body)
	}
	j.program = *pub.JSON200
}

// setGroupStatus moves the group through the staff API.
func (j *journey) setGroupStatus(t *testing.T, status client.GroupStatus) {
	t.Helper()
	res, err := j.env.Client.ChangeGroupStatusWithResponse(bg, j.org.ID, j.program.ID, j.group.ID,
		&client.ChangeGroupStatusParams{IfMatch: ifMatch(j.group.Version)}, client.GroupStatusChange{Status: status}, j.org.As("manager"))
	must(t, err)
	if res.JSON200 == nil || res.JSON200.Status != status {
		t.Fatalf("changeGroupStatus %s: %d %s", status, res.StatusCode(), res.Body)
	}
	j.group = *res.JSON200
}

// authorContent adds a module with the three lessons and the final test's
// questions (assessment API).
func (j *journey) authorContent(t *testing.T) {
	t.Helper()
	m, err := j.env.Client.CreateModuleWithResponse(bg, j.org.ID, j.program.ID,
		client.LearningModuleCreate{Title: "Модуль 1. Основы"}, j.org.As("manager"))
	must(t, err)
	if m.JSON201 == nil {
		t.Fatalf("createModule: %d %s", m.StatusCode(), m.Body)
	}
	lesson := func(in client.LessonCreate) client.Lesson {
		t.Helper()
		in.ModuleID = m.JSON201.ID
		res, err := j.env.Client.CreateLessonWithResponse(bg, j.org.ID, j.program.ID, in, j.org.As("manager"))
		must(t, err)
		if res.JSON201 == nil {
			t.Fatalf("createLesson %s: %d %s", in.Kind, res.StatusCode(), res.Body)
		}
		return *res.JSON201
	}
	j.text = lesson(client.LessonCreate{Kind: "text", Title: "Введение", Mandatory: ptr(true),
		BodyMd: ptr("# Введение\n\nЦели программы и **порядок** аттестации.")})
	if j.text.BodyHTML == "" {
		t.Fatalf("text lesson has no HTML: %+v", j.text)
	}
	starts := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	j.webinar = lesson(client.LessonCreate{Kind: "webinar", Title: "Вебинар: оценивание", Mandatory: ptr(false),
		Webinar: &client.LessonWebinar{StartsAt: starts, DurationMinutes: 90, JoinURL: ptr("https://meet.example.org/room-1")}})
	j.test = lesson(client.LessonCreate{Kind: "test", Title: "Итоговая аттестация", Final: ptr(true), Mandatory: ptr(true)})

	opts := func(ids ...string) *[]client.QuestionOption {
		out := make([]client.QuestionOption, len(ids))
		for i, id := range ids {
			out[i] = client.QuestionOption{ID: id, Text: "Вариант " + id}
		}
		return &out
	}
	for _, in := range []client.BankQuestionInput{
		{Type: "single_choice", Prompt: "Какой документ выдаётся по итогам ПК?", Options: opts("a", "b", "c"), Key: client.QuestionKey{Options: &[]string{"b"}}},
		{Type: "numeric", Prompt: "Минимальный объём ПК в часах?", Key: client.QuestionKey{Number: ptr(16.0)}},
	} {
		q, err := j.env.Client.CreateBankQuestionWithResponse(bg, j.org.ID, j.program.ID, in, j.org.As("teacher"))
		must(t, err)
		if q.JSON201 == nil {
			t.Fatalf("createBankQuestion: %d %s", q.StatusCode(), q.Body)
		}
		j.bank = append(j.bank, *q.JSON201)
	}
	ids := []openapi_types.UUID{j.bank[0].ID, j.bank[1].ID}
	ts, err := j.env.Client.PutLessonTestWithResponse(bg, j.org.ID, j.program.ID, j.test.ID, &client.PutLessonTestParams{},
		client.TestSettings{PassingScore: 70, Review: "after_submission", QuestionIds: &ids, AttemptLimit: ptr(3)}, j.org.As("teacher"))
	must(t, err)
	if ts.JSON200 == nil || ts.JSON200.QuestionCount != 2 || !ts.JSON200.Final {
		t.Fatalf("putLessonTest: %d %s", ts.StatusCode(), ts.Body)
	}
	// Somebody outside the organization cannot author its content.
	stranger := apitest.Register(t, j.env, apitest.NewAccount())
	denied, err := j.env.Client.CreateModuleWithResponse(bg, j.org.ID, j.program.ID,
		client.LearningModuleCreate{Title: "Чужой"}, apitest.Bearer(stranger.AccessToken))
	must(t, err)
	if denied.StatusCode() != http.StatusForbidden && denied.StatusCode() != http.StatusNotFound {
		t.Fatalf("a stranger authors content: %d %s", denied.StatusCode(), denied.Body)
	}
}
