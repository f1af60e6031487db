package assessment_test

import (
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestBankQuestions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bank := f.sixTypes(t)
	c := f.env.Client

	t.Run("invalid questions are 422 naming the field", func(t *testing.T) {
		cases := []struct {
			name  string
			in    client.BankQuestionInput
			field string
		}{
			{"key not an option", client.BankQuestionInput{Type: "single_choice", Prompt: "?", Options: &[]client.QuestionOption{{ID: "a", Text: "A"}, {ID: "b", Text: "B"}}, Key: client.QuestionKey{Options: &[]string{"c"}}}, "key.options.0:unknown_option"},
			{"duplicate option id", client.BankQuestionInput{Type: "multiple_choice", Prompt: "?", Options: &[]client.QuestionOption{{ID: "a", Text: "A"}, {ID: "a", Text: "B"}}, Key: client.QuestionKey{Options: &[]string{"a"}}}, "options.1.id:duplicate"},
			{"no accepted text", client.BankQuestionInput{Type: "short_text", Prompt: "?", Key: client.QuestionKey{Texts: &[]string{"   "}}}, "key.texts:required"},
			{"unpaired matching option", client.BankQuestionInput{Type: "matching", Prompt: "?", Options: &[]client.QuestionOption{{ID: "m1", Text: "1"}}, Targets: &[]client.QuestionOption{{ID: "t1", Text: "1"}}, Key: client.QuestionKey{Pairs: &map[string]string{}}}, "key.pairs:required"},
		}
		for _, tc := range cases {
			res, err := c.CreateBankQuestionWithResponse(ctx, f.org.ID, f.program, tc.in, f.org.As("manager"))
			if err != nil {
				t.Fatal(err)
			}
			p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
			if !apitest.Contains(apitest.Fields(p), tc.field) {
				t.Errorf("%s: fields %v, want %s", tc.name, apitest.Fields(p), tc.field)
			}
		}
	})

	t.Run("list filters by type and pages with a cursor", func(t *testing.T) {
		typ := client.QuestionType("numeric")
		res, err := c.ListBankQuestionsWithResponse(ctx, f.org.ID, f.program, &client.ListBankQuestionsParams{Type: &typ}, f.org.As("teacher"))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("list: %v %s", err, res.Body)
		}
		if len(res.JSON200.Items) != 1 || res.JSON200.Items[0].ID != bank["numeric"].ID || *res.JSON200.Items[0].Key.Number != secretNumber {
			t.Fatalf("numeric filter: %+v", res.JSON200.Items)
		}
		seen := map[string]bool{}
		var cursor *string
		for page := 0; ; page++ {
			limit := 4
			res, err := c.ListBankQuestionsWithResponse(ctx, f.org.ID, f.program, &client.ListBankQuestionsParams{Limit: &limit, Cursor: cursor}, f.org.As("admin"))
			if err != nil || res.JSON200 == nil {
				t.Fatalf("page %d: %v %s", page, err, res.Body)
			}
			for _, q := range res.JSON200.Items {
				seen[q.ID.String()] = true
			}
			if cursor = res.JSON200.NextCursor; cursor == nil {
				break
			}
		}
		if len(seen) != 6 {
			t.Fatalf("pages held %d questions, want 6", len(seen))
		}
	})

	t.Run("update needs If-Match; delete removes", func(t *testing.T) {
		q := bank["single_choice"]
		in := client.BankQuestionInput{Type: q.Type, Prompt: "Новый текст", Options: &q.Options, Key: q.Key}
		res, err := c.UpdateBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, &client.UpdateBankQuestionParams{}, in, f.org.As("manager"))
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusPreconditionRequired, "precondition_required")
		res, _ = c.UpdateBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, &client.UpdateBankQuestionParams{IfMatch: new(`"v9"`)}, in, f.org.As("manager"))
		apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusPreconditionFailed, "precondition_failed")
		g, _ := c.GetBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, f.org.As("manager"))
		if g.JSON200 == nil {
			t.Fatalf("get: %s", g.Body)
		}
		res, _ = c.UpdateBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, &client.UpdateBankQuestionParams{IfMatch: new(g.HTTPResponse.Header.Get("ETag"))}, in, f.org.As("manager"))
		if res.JSON200 == nil || res.JSON200.Prompt != "Новый текст" || res.JSON200.Version != 2 {
			t.Fatalf("update: %d %s", res.StatusCode(), res.Body)
		}
		extra := f.question(t, client.BankQuestionInput{Type: "short_text", Prompt: "Удалить", Key: client.QuestionKey{Texts: &[]string{"x"}}})
		d, _ := c.DeleteBankQuestionWithResponse(ctx, f.org.ID, f.program, extra.ID, f.org.As("teacher"))
		wantStatus(t, "delete", d.StatusCode(), http.StatusNoContent, d.Body)
		g, _ = c.GetBankQuestionWithResponse(ctx, f.org.ID, f.program, extra.ID, f.org.As("manager"))
		apitest.WantProblem(t, g.HTTPResponse, g.Body, http.StatusNotFound, "not_found")
	})
}

func TestStaffAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	q := f.question(t, client.BankQuestionInput{Type: "short_text", Prompt: "?", Key: client.QuestionKey{Texts: &[]string{"да"}}})
	c := f.env.Client

	// A teacher of another program of the same organization.
	other, _ := f.newProgram(t)
	stranger := apitest.Register(t, f.env, apitest.NewAccount())
	apitest.AddMember(t, f.env, f.org.ID, stranger.User.ID, "teacher")
	f.exec(t, `INSERT INTO program_teachers (organization_id, program_id, user_id) VALUES ($1, $2, $3)`, f.org.ID, other, stranger.User.ID)
	// An admin of another organization.
	outside := apitest.NewStaffOrg(t, f.env, "outside-"+apitest.Itoa(apitest.Seq.Add(1)))

	for _, tc := range []struct {
		name   string
		editor client.RequestEditorFn
		read   int
		write  int
	}{
		{"admin", f.org.As("admin"), 200, 201},
		{"manager", f.org.As("manager"), 200, 201},
		{"the program's teacher", f.org.As("teacher"), 200, 201},
		{"director reads only", f.org.As("director"), 200, 403},
		{"learner member", f.org.As("learner"), 403, 403},
		{"teacher of another program", apitest.Bearer(stranger.AccessToken), 404, 404},
		{"another organization's admin", outside.As("admin"), 404, 404},
	} {
		g, err := c.GetBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, tc.editor)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, tc.name+" read", g.StatusCode(), tc.read, g.Body)
		p, err := c.CreateBankQuestionWithResponse(ctx, f.org.ID, f.program, client.BankQuestionInput{Type: "short_text", Prompt: "?", Key: client.QuestionKey{Texts: &[]string{"да"}}}, tc.editor)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, tc.name+" write", p.StatusCode(), tc.write, p.Body)
	}
	// The program of another organization, addressed through this one.
	g, _ := c.GetBankQuestionWithResponse(ctx, outside.ID, f.program, q.ID, outside.As("admin"))
	wantStatus(t, "program of another organization", g.StatusCode(), 404, g.Body)
}

func TestTestSettings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sixTypes(t)
	c := f.env.Client
	text := f.lesson(t, "text", false, nil)
	test := f.lesson(t, "test", true, nil)
	settings := client.TestSettings{PassingScore: 60, Review: "after_submission"}

	res, err := c.PutLessonTestWithResponse(ctx, f.org.ID, f.program, text, &client.PutLessonTestParams{}, settings, f.org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")

	g, _ := c.GetLessonTestWithResponse(ctx, f.org.ID, f.program, test, f.org.As("manager"))
	apitest.WantProblem(t, g.HTTPResponse, g.Body, http.StatusNotFound, "not_found")

	tooMany := settings
	tooMany.Pool = &client.TestPool{Count: new(7)}
	res, _ = c.PutLessonTestWithResponse(ctx, f.org.ID, f.program, test, &client.PutLessonTestParams{}, tooMany, f.org.As("manager"))
	p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "pool.count:invalid_value") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}

	settings.Pool = &client.TestPool{Count: new(4)}
	lt := f.putTest(t, test, settings)
	if lt.QuestionCount != 6 || !lt.Final || *lt.Settings.GraceSeconds != 10 || lt.Version != 1 {
		t.Fatalf("test: %+v", lt)
	}
	// A second PUT needs If-Match.
	res, _ = c.PutLessonTestWithResponse(ctx, f.org.ID, f.program, test, &client.PutLessonTestParams{}, settings, f.org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusPreconditionRequired, "precondition_required")
	settings.AttemptLimit = new(2)
	if lt = f.putTest(t, test, settings); lt.Version != 2 || *lt.Settings.AttemptLimit != 2 {
		t.Fatalf("second put: %+v", lt)
	}
}
