package news_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func category(t *testing.T, env *apitest.Env, o apitest.StaffOrg, title string, audience client.ContentAudience) client.FaqCategory {
	t.Helper()
	res, err := env.Client.CreateFaqCategoryWithResponse(ctx, o.ID, client.FaqCategoryInput{Title: title, Audience: audience}, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("create category: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func entry(t *testing.T, env *apitest.Env, o apitest.StaffOrg, cat uuid.UUID, q, a string, audience client.ContentAudience) client.FaqEntry {
	t.Helper()
	res, err := env.Client.CreateFaqEntryWithResponse(ctx, o.ID, client.FaqEntryInput{CategoryID: cat, Question: q, Answer: a, Audience: audience}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("create entry: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func publicEntries(t *testing.T, env *apitest.Env, params client.ListPublicFaqEntriesParams) []uuid.UUID {
	t.Helper()
	res, err := env.Client.ListPublicFaqEntriesWithResponse(ctx, "center", &params)
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("public entries: %d %s", res.StatusCode(), res.Body)
	}
	var out []uuid.UUID
	for _, e := range res.JSON200.Items {
		out = append(out, e.ID)
	}
	return out
}

func TestFaqOrderAudiencesAndPaging(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	pay := category(t, env, o, "Оплата", "public")
	inner := category(t, env, o, "Для слушателей", "members")
	docs := category(t, env, o, "Документы", "public")
	if pay.Position != 1 || docs.Position != 3 {
		t.Fatalf("positions %d %d", pay.Position, docs.Position)
	}
	d1 := entry(t, env, o, docs.ID, "Когда выдают удостоверение?", "После итоговой аттестации.", "public")
	p1 := entry(t, env, o, pay.ID, "Как оплатить?", "Картой или по счёту.", "public")
	p2 := entry(t, env, o, pay.ID, "Есть ли скидки?", "Для *групп*.", "members")
	i1 := entry(t, env, o, inner.ID, "Где расписание?", "В разделе «Обучение».", "public")
	if p1.AnswerHTML != "<p>Картой или по счёту.</p>\n" {
		t.Fatalf("answer HTML %q", p1.AnswerHTML)
	}
	// Move Documents first.
	first := 0
	if res, _ := env.Client.UpdateFaqCategoryWithResponse(ctx, o.ID, docs.ID, client.FaqCategoryInput{Title: "Документы", Audience: "public", Position: &first}, o.As("admin")); res.JSON200 == nil || res.JSON200.Position != 0 {
		t.Fatalf("move category: %s", res.Body)
	}

	// Anybody: public entries of public categories, in reading order.
	if got := publicEntries(t, env, client.ListPublicFaqEntriesParams{}); !slices.Equal(got, []uuid.UUID{d1.ID, p1.ID}) {
		t.Fatalf("public entries %v", got)
	}
	cats, _ := env.Client.ListPublicFaqCategoriesWithResponse(ctx, "center", &client.ListPublicFaqCategoriesParams{})
	if cats.JSON200 == nil || len(cats.JSON200.Items) != 2 || cats.JSON200.Items[0].ID != docs.ID || cats.HTTPResponse.Header.Get("ETag") == "" {
		t.Fatalf("public categories: %s", cats.Body)
	}
	// A member: everything, paged.
	var got []uuid.UUID
	var cursor *string
	for range 5 {
		limit := 1
		res, _ := env.Client.ListMemberFaqEntriesWithResponse(ctx, o.ID, &client.ListMemberFaqEntriesParams{Limit: &limit, Cursor: cursor}, o.As("learner"))
		if res.JSON200 == nil {
			t.Fatalf("member entries: %s", res.Body)
		}
		for _, e := range res.JSON200.Items {
			got = append(got, e.ID)
		}
		if cursor = res.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if !slices.Equal(got, []uuid.UUID{d1.ID, p1.ID, p2.ID, i1.ID}) {
		t.Fatalf("member entries %v", got)
	}
	mc, _ := env.Client.ListMemberFaqCategoriesWithResponse(ctx, o.ID, o.As("teacher"))
	if mc.JSON200 == nil || len(mc.JSON200.Items) != 3 {
		t.Fatalf("member categories: %s", mc.Body)
	}
	// Non-members and other organizations' staff: 404.
	me, _ := env.Client.ListMemberFaqEntriesWithResponse(ctx, o.ID, &client.ListMemberFaqEntriesParams{}, other.As("admin"))
	apitest.WantProblem(t, me.HTTPResponse, me.Body, 404, "not_found")
	ue, _ := env.Client.UpdateFaqEntryWithResponse(ctx, other.ID, p1.ID, client.FaqEntryInput{CategoryID: pay.ID, Question: "x", Answer: "y", Audience: "public"}, other.As("admin"))
	if p := apitest.WantProblem(t, ue.HTTPResponse, ue.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "categoryId:not_found") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	oc := category(t, env, other, "Чужая", "public")
	ue, _ = env.Client.UpdateFaqEntryWithResponse(ctx, other.ID, p1.ID, client.FaqEntryInput{CategoryID: oc.ID, Question: "x", Answer: "y", Audience: "public"}, other.As("admin"))
	apitest.WantProblem(t, ue.HTTPResponse, ue.Body, 404, "not_found")
	ce, _ := env.Client.CreateFaqEntryWithResponse(ctx, o.ID, client.FaqEntryInput{CategoryID: oc.ID, Question: "x", Answer: " ", Audience: "public"}, o.As("admin"))
	if p := apitest.WantProblem(t, ce.HTTPResponse, ce.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "categoryId:not_found", "answer:required") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	cc, _ := env.Client.CreateFaqCategoryWithResponse(ctx, o.ID, client.FaqCategoryInput{Title: "x", Audience: "public"}, o.As("teacher"))
	apitest.WantProblem(t, cc.HTTPResponse, cc.Body, 403, "forbidden")

	// Deleting a category deletes its entries.
	if res, _ := env.Client.DeleteFaqCategoryWithResponse(ctx, o.ID, pay.ID, o.As("manager")); res.StatusCode() != 204 {
		t.Fatalf("delete category: %d", res.StatusCode())
	}
	if got := publicEntries(t, env, client.ListPublicFaqEntriesParams{}); !slices.Equal(got, []uuid.UUID{d1.ID}) {
		t.Fatalf("after deleting a category: %v", got)
	}
	if res, _ := env.Client.DeleteFaqEntryWithResponse(ctx, o.ID, d1.ID, o.As("manager")); res.StatusCode() != 204 {
		t.Fatalf("delete entry: %d", res.StatusCode())
	}
}

func TestFaqSearchFindsWordFormsAndRanksQuestionsFirst(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	c := category(t, env, o, "Вопросы", "public")
	hidden := category(t, env, o, "Внутреннее", "members")
	inQuestion := entry(t, env, o, c.ID, "Можно ли платить в рассрочку?", "Да, до 12 месяцев.", "public")
	inAnswer := entry(t, env, o, c.ID, "Как платить за обучение?", "Картой, по счёту или в рассрочку через банк.", "public")
	english := entry(t, env, o, c.ID, "How do refunds work?", "Payments are refunded within 10 days.", "public")
	secret := entry(t, env, o, hidden.ID, "Рассрочка для сотрудников", "Только для своих.", "public")
	entry(t, env, o, c.ID, "Где получить диплом?", "В учебной части.", "public")

	for _, tc := range []struct {
		query string
		want  []uuid.UUID
	}{
		{"рассрочка", []uuid.UUID{inQuestion.ID, inAnswer.ID}}, // another case of the same word; question first
		{"РАССРОЧКИ", []uuid.UUID{inQuestion.ID, inAnswer.ID}},
		{"платить", []uuid.UUID{inQuestion.ID, inAnswer.ID}}, // in both questions: either order
		{"refund", []uuid.UUID{english.ID}},
		{"payment", []uuid.UUID{english.ID}},
		{"рассрочка -банк", []uuid.UUID{inQuestion.ID}},
		{"дипломы", nil},
		{"телепортация", nil},
	} {
		got := publicEntries(t, env, client.ListPublicFaqEntriesParams{Query: &tc.query})
		if tc.query == "дипломы" {
			if len(got) != 1 {
				t.Errorf("%q found %v, want the diploma entry", tc.query, got)
			}
			continue
		}
		if tc.query == "платить" {
			slices.SortFunc(got, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
			slices.SortFunc(tc.want, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q found %v, want %v", tc.query, got, tc.want)
		}
	}
	// A member also finds the members-only category's entry; search pages by rank.
	q, limit := "рассрочка", 1
	var got []uuid.UUID
	var cursor *string
	for range 5 {
		res, _ := env.Client.ListMemberFaqEntriesWithResponse(ctx, o.ID, &client.ListMemberFaqEntriesParams{Query: &q, Limit: &limit, Cursor: cursor}, o.As("learner"))
		if res.JSON200 == nil {
			t.Fatalf("member search: %s", res.Body)
		}
		for _, e := range res.JSON200.Items {
			got = append(got, e.ID)
		}
		if cursor = res.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if len(got) != 3 || !slices.Contains(got, secret.ID) || got[len(got)-1] != inAnswer.ID {
		t.Fatalf("member search %v", got)
	}
	// A reading-order cursor is not a search cursor.
	all, _ := env.Client.ListPublicFaqEntriesWithResponse(ctx, "center", &client.ListPublicFaqEntriesParams{Limit: &limit})
	res, _ := env.Client.ListPublicFaqEntriesWithResponse(ctx, "center", &client.ListPublicFaqEntriesParams{Query: &q, Cursor: all.JSON200.NextCursor})
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed")
}

func TestControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	c := category(t, env, o, "Вопросы", "public")
	res, _ := env.Client.CreateFaqEntryWithResponse(ctx, o.ID, client.FaqEntryInput{CategoryID: c.ID, Question: "a\x00b", Answer: "ok\nfine", Audience: "public"}, o.As("admin"))
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "question:invalid_character") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	q := "x\x00"
	lr, _ := env.Client.ListPublicFaqEntriesWithResponse(ctx, "center", &client.ListPublicFaqEntriesParams{Query: &q})
	if p := apitest.WantProblem(t, lr.HTTPResponse, lr.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.query:invalid_character") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	nr, _ := env.Client.CreateNewsItemWithResponse(ctx, o.ID, client.NewsItemInput{Title: "t", Body: "\x00", Audience: "public"}, o.As("admin"))
	if p := apitest.WantProblem(t, nr.HTTPResponse, nr.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "body:invalid_character") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
}
