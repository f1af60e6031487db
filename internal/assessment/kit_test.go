package assessment_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// The catalog and the learning authoring API are other domains: programs,
// groups, modules, lessons and approved applications are arranged here with
// SQL; everything under test goes through the API.

type fixture struct {
	env     *apitest.Env
	org     apitest.StaffOrg
	program uuid.UUID
	group   uuid.UUID
	module  uuid.UUID
}

var ctx = context.Background()

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := apitest.New(t)
	f := &fixture{env: env, org: apitest.NewStaffOrg(t, env, "tests-"+apitest.Itoa(apitest.Seq.Add(1))+"-"+apitest.Itoa(time.Now().UnixNano()%1_000_000))}
	f.program, f.group = f.newProgram(t)
	f.module = uuid.New()
	// The teacher member teaches this program.
	f.exec(t, `INSERT INTO program_teachers (organization_id, program_id, user_id) VALUES ($1, $2, $3)`, f.org.ID, f.program, f.org.User("teacher"))
	f.exec(t, `INSERT INTO learning_modules (id, organization_id, program_id, position, title) VALUES ($1, $2, $3, 1, 'Модуль 1')`,
		f.module, f.org.ID, f.program)
	return f
}

func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.env.Pool.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// newProgram makes a published program of the organization with a running
// group.
func (f *fixture) newProgram(t *testing.T) (uuid.UUID, uuid.UUID) {
	t.Helper()
	q := db.New(f.env.Pool)
	slug := "t-" + apitest.Itoa(apitest.Seq.Add(1)) + "-" + apitest.Itoa(time.Now().UnixNano()%1_000_000)
	p, err := q.CreateProgram(ctx, db.CreateProgramParams{
		OrganizationID: f.org.ID, Slug: slug, Title: "Программа " + slug, Kind: db.ProgramKindCourse,
		CompletionDocument: db.CompletionDocumentCertificate, AcademicHours: 16, Format: db.StudyFormatOnline,
		Currency: "RUB", Tags: []string{}, RequiredDocuments: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g, err := q.CreateGroup(ctx, db.CreateGroupParams{
		OrganizationID: f.org.ID, ProgramID: p.ID, Code: "G-" + slug, Title: "Группа",
		StartsOn: pgtype.Date{Time: now.AddDate(0, 0, -7), Valid: true}, EndsOn: pgtype.Date{Time: now.AddDate(0, 1, 0), Valid: true},
		Status: db.GroupStatusRunning,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, g.ID
}

// lesson adds a lesson of kind to the module; dueAt is the test's close date.
func (f *fixture) lesson(t *testing.T, kind string, final bool, dueAt *time.Time) uuid.UUID {
	t.Helper()
	id := uuid.New()
	f.exec(t, `INSERT INTO lessons (id, organization_id, program_id, module_id, position, kind, title, final, due_at)
		VALUES ($1, $2, $3, $4, (SELECT count(*) + 1 FROM lessons WHERE module_id = $4), $5, 'Тест', $6, $7)`,
		id, f.org.ID, f.program, f.module, kind, final, dueAt)
	return id
}

// learner registers a learner with an approved application to the group.
func (f *fixture) learner(t *testing.T) (string, uuid.UUID) {
	t.Helper()
	a := apitest.Register(t, f.env, apitest.NewAccount())
	f.exec(t, `INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name,
		waiting_since, submitted_at, decided_at) VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now(), now())`,
		f.org.ID, f.program, f.group, a.User.ID)
	return a.AccessToken, a.User.ID
}

func (f *fixture) question(t *testing.T, in client.BankQuestionInput) client.BankQuestion {
	t.Helper()
	res, err := f.env.Client.CreateBankQuestionWithResponse(ctx, f.org.ID, f.program, in, f.org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("create question: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func (f *fixture) putTest(t *testing.T, lesson uuid.UUID, s client.TestSettings) client.LessonTest {
	t.Helper()
	params := &client.PutLessonTestParams{}
	if g, err := f.env.Client.GetLessonTestWithResponse(ctx, f.org.ID, f.program, lesson, f.org.As("manager")); err == nil && g.JSON200 != nil {
		params.IfMatch = new(g.HTTPResponse.Header.Get("ETag"))
	}
	res, err := f.env.Client.PutLessonTestWithResponse(ctx, f.org.ID, f.program, lesson, params, s, f.org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("put test: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON200
}

func (f *fixture) start(t *testing.T, token string, lesson uuid.UUID) client.LearnerAttempt {
	t.Helper()
	res, err := f.env.Client.StartTestAttemptWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("start: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func (f *fixture) save(t *testing.T, token string, attempt, question uuid.UUID, a client.AttemptAnswer) *client.SaveAttemptAnswerResponse {
	t.Helper()
	res, err := f.env.Client.SaveAttemptAnswerWithResponse(ctx, attempt, question, a, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) submit(t *testing.T, token string, attempt uuid.UUID) *client.SubmitAttemptResponse {
	t.Helper()
	res, err := f.env.Client.SubmitAttemptWithResponse(ctx, attempt, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Secret parts of the keys: no learner-facing answer may contain them
// before the review policy allows.
const (
	secretText        = "Ломоносов-ключ"
	secretNumber      = 271828.5
	secretExplanation = "Пояснение-только-для-разбора"
)

// sixTypes adds one question of each type to the bank; answers are right.
func (f *fixture) sixTypes(t *testing.T) map[client.QuestionType]client.BankQuestion {
	t.Helper()
	opts := func(ids ...string) *[]client.QuestionOption {
		out := make([]client.QuestionOption, len(ids))
		for i, id := range ids {
			out[i] = client.QuestionOption{ID: id, Text: "Вариант " + id}
		}
		return &out
	}
	expl := secretExplanation
	qs := []client.BankQuestionInput{
		{Type: "single_choice", Prompt: "Один верный", Options: opts("a", "b", "c"), Key: client.QuestionKey{Options: &[]string{"b"}}, Explanation: &expl},
		{Type: "multiple_choice", Prompt: "Несколько верных", Options: opts("x", "y", "z"), Key: client.QuestionKey{Options: &[]string{"x", "z"}}},
		{Type: "short_text", Prompt: "Кто?", Key: client.QuestionKey{Texts: &[]string{secretText}}},
		{Type: "numeric", Prompt: "Сколько?", Key: client.QuestionKey{Number: new(secretNumber), Tolerance: new(0.5)}},
		{Type: "ordering", Prompt: "По порядку", Options: opts("i1", "i2", "i3"), Key: client.QuestionKey{Options: &[]string{"i1", "i2", "i3"}}},
		{Type: "matching", Prompt: "Сопоставьте", Options: opts("m1", "m2"), Targets: opts("t1", "t2", "t3"), Key: client.QuestionKey{Pairs: &map[string]string{"m1": "t1", "m2": "t2"}}},
	}
	out := map[client.QuestionType]client.BankQuestion{}
	for _, in := range qs {
		out[in.Type] = f.question(t, in)
	}
	return out
}

// rightAnswers are the right answers of sixTypes' questions.
func rightAnswers(bank map[client.QuestionType]client.BankQuestion) map[uuid.UUID]client.AttemptAnswer {
	text, num := "  ломоносов-КЛЮЧ ", "271828,3"
	return map[uuid.UUID]client.AttemptAnswer{
		bank["single_choice"].ID:   {Options: &[]string{"b"}},
		bank["multiple_choice"].ID: {Options: &[]string{"z", "x"}},
		bank["short_text"].ID:      {Text: &text},
		bank["numeric"].ID:         {Text: &num},
		bank["ordering"].ID:        {Options: &[]string{"i1", "i2", "i3"}},
		bank["matching"].ID:        {Pairs: &map[string]string{"m1": "t1", "m2": "t2"}},
	}
}

func wantStatus(t *testing.T, what string, got, want int, body []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d: %s", what, got, want, body)
	}
}
