package news_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

var ctx = context.Background()

func write(t *testing.T, env *apitest.Env, o apitest.StaffOrg, title string, audience client.ContentAudience, at *time.Time) client.NewsItem {
	t.Helper()
	res, err := env.Client.CreateNewsItemWithResponse(ctx, o.ID, client.NewsItemInput{
		Title: title, Body: "**Важно**: <script>alert(1)</script> [ссылка](https://example.org) [x](javascript:alert(1))", Audience: audience, PublishedAt: at,
	}, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("create news: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func publicTitles(t *testing.T, env *apitest.Env, ref string) []string {
	t.Helper()
	res, err := env.Client.ListPublicNewsWithResponse(ctx, ref, &client.ListPublicNewsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("public news: %d %s", res.StatusCode(), res.Body)
	}
	var out []string
	for _, n := range res.JSON200.Items {
		out = append(out, n.Title)
	}
	return out
}

func TestNewsAudiencesAndScheduling(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	now := time.Now().UTC()
	pub := write(t, env, o, "Открыт набор", "public", new(now.Add(-time.Hour)))
	if pub.State != "published" || !strings.Contains(pub.BodyHTML, "<strong>Важно</strong>") ||
		strings.Contains(pub.BodyHTML, "script") || strings.Contains(pub.BodyHTML, "javascript:") ||
		!strings.Contains(pub.BodyHTML, `rel="nofollow`) || !strings.Contains(pub.Body, "<script>") {
		t.Fatalf("item = %+v", pub)
	}
	members := write(t, env, o, "Только для слушателей", "members", new(now.Add(-time.Minute)))
	scheduled := write(t, env, o, "Завтра", "public", new(now.Add(24*time.Hour)))
	draft := write(t, env, o, "Черновик", "public", nil)
	if scheduled.State != "scheduled" || draft.State != "draft" || draft.PublishedAt != nil {
		t.Fatalf("states %s %s", scheduled.State, draft.State)
	}
	write(t, env, other, "Чужая новость", "public", new(now.Add(-time.Hour)))

	// Anybody: only published public items, by slug or id; scheduled ones are invisible until their time.
	for _, ref := range []string{"center", o.ID.String()} {
		if got := publicTitles(t, env, ref); !slices.Equal(got, []string{"Открыт набор"}) {
			t.Fatalf("public news by %s: %v", ref, got)
		}
	}
	for _, id := range []uuid.UUID{members.ID, scheduled.ID, draft.ID} {
		res, _ := env.Client.GetPublicNewsItemWithResponse(ctx, "center", id, &client.GetPublicNewsItemParams{})
		apitest.WantProblem(t, res.HTTPResponse, res.Body, 404, "not_found")
	}
	res, _ := env.Client.GetPublicNewsItemWithResponse(ctx, "other", pub.ID, &client.GetPublicNewsItemParams{})
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 404, "not_found")
	nr, _ := env.Client.ListPublicNewsWithResponse(ctx, "no-such-center", &client.ListPublicNewsParams{})
	apitest.WantProblem(t, nr.HTTPResponse, nr.Body, 404, "not_found")

	// A member (any role, learners too) also sees members-only items; a non-member gets 404.
	feed := func(as client.RequestEditorFn) *client.ListMemberNewsResponse {
		res, err := env.Client.ListMemberNewsWithResponse(ctx, o.ID, &client.ListMemberNewsParams{}, as)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if f := feed(o.As("learner")); f.JSON200 == nil || len(f.JSON200.Items) != 2 || f.JSON200.Items[0].ID != members.ID {
		t.Fatalf("member feed: %s", f.Body)
	}
	f := feed(other.As("learner"))
	apitest.WantProblem(t, f.HTTPResponse, f.Body, 404, "not_found")

	// The scheduled item appears once its time has come (here: moved to the past).
	if _, err := env.Pool.Exec(ctx, `UPDATE news_items SET published_at = now() - interval '1 second' WHERE id = $1`, scheduled.ID); err != nil {
		t.Fatal(err)
	}
	if got := publicTitles(t, env, "center"); !slices.Equal(got, []string{"Завтра", "Открыт набор"}) {
		t.Fatalf("after its time: %v", got)
	}

	// Unpublish, edit, delete.
	ur, _ := env.Client.UnpublishNewsItemWithResponse(ctx, o.ID, pub.ID, o.As("admin"))
	if ur.JSON200 == nil || ur.JSON200.State != "draft" {
		t.Fatalf("unpublish: %s", ur.Body)
	}
	if got := publicTitles(t, env, "center"); !slices.Equal(got, []string{"Завтра"}) {
		t.Fatalf("after unpublishing: %v", got)
	}
	er, _ := env.Client.UpdateNewsItemWithResponse(ctx, o.ID, draft.ID, client.NewsItemInput{Title: "Опубликовано", Body: "# Заголовок", Audience: "public", PublishedAt: new(now)}, o.As("manager"))
	if er.JSON200 == nil || er.JSON200.State != "published" || er.JSON200.BodyHTML != "<h1>Заголовок</h1>\n" {
		t.Fatalf("edit: %s", er.Body)
	}
	state := client.NewsState("draft")
	lr, _ := env.Client.ListNewsItemsWithResponse(ctx, o.ID, &client.ListNewsItemsParams{State: &state}, o.As("admin"))
	if lr.JSON200 == nil || len(lr.JSON200.Items) != 1 || lr.JSON200.Items[0].ID != pub.ID {
		t.Fatalf("drafts: %s", lr.Body)
	}
	dr, _ := env.Client.DeleteNewsItemWithResponse(ctx, o.ID, pub.ID, o.As("manager"))
	if dr.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %d", dr.StatusCode())
	}
	dr, _ = env.Client.DeleteNewsItemWithResponse(ctx, o.ID, pub.ID, o.As("manager"))
	apitest.WantProblem(t, dr.HTTPResponse, dr.Body, 404, "not_found")
}

func TestNewsEditorsOnly(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	item := write(t, env, o, "Новость", "public", nil)
	in := client.NewsItemInput{Title: "x", Body: "y", Audience: "public"}
	for _, role := range []client.Role{"learner", "teacher", "director"} {
		res, _ := env.Client.CreateNewsItemWithResponse(ctx, o.ID, in, o.As(role))
		apitest.WantProblem(t, res.HTTPResponse, res.Body, 403, "forbidden")
	}
	// Another organization's editors: 404 for the organization and the item.
	res, _ := env.Client.GetNewsItemWithResponse(ctx, o.ID, item.ID, other.As("admin"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 404, "not_found")
	res, _ = env.Client.GetNewsItemWithResponse(ctx, other.ID, item.ID, other.As("admin"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 404, "not_found")
	up, _ := env.Client.UpdateNewsItemWithResponse(ctx, other.ID, item.ID, in, other.As("admin"))
	apitest.WantProblem(t, up.HTTPResponse, up.Body, 404, "not_found")
	cr, _ := env.Client.CreateNewsItemWithResponse(ctx, o.ID, client.NewsItemInput{Title: "  ", Body: "", Audience: "public"}, o.As("admin"))
	if p := apitest.WantProblem(t, cr.HTTPResponse, cr.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "title:required") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
}

func TestPublicReadsAreCacheable(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	item := write(t, env, o, "Новость", "public", new(time.Now().Add(-time.Minute)))
	res, err := env.Client.ListPublicNewsWithResponse(ctx, "center", &client.ListPublicNewsParams{})
	if err != nil {
		t.Fatal(err)
	}
	tag := res.HTTPResponse.Header.Get("ETag")
	if res.StatusCode() != 200 || !strings.HasPrefix(tag, `"`) || res.HTTPResponse.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("first read: %d ETag %q Cache-Control %q", res.StatusCode(), tag, res.HTTPResponse.Header.Get("Cache-Control"))
	}
	for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
		res, _ = env.Client.ListPublicNewsWithResponse(ctx, "center", &client.ListPublicNewsParams{IfNoneMatch: &inm})
		if res.StatusCode() != http.StatusNotModified || len(res.Body) != 0 || res.HTTPResponse.Header.Get("ETag") != tag {
			t.Fatalf("If-None-Match %s: %d %s", inm, res.StatusCode(), res.Body)
		}
	}
	// A change gives a new tag, and the old one no longer matches.
	if r, _ := env.Client.UpdateNewsItemWithResponse(ctx, o.ID, item.ID, client.NewsItemInput{Title: "Исправлено", Body: "", Audience: "public", PublishedAt: item.PublishedAt}, o.As("manager")); r.StatusCode() != 200 {
		t.Fatalf("update: %d", r.StatusCode())
	}
	res, _ = env.Client.ListPublicNewsWithResponse(ctx, "center", &client.ListPublicNewsParams{IfNoneMatch: &tag})
	if res.StatusCode() != 200 || res.HTTPResponse.Header.Get("ETag") == tag || res.JSON200.Items[0].Title != "Исправлено" {
		t.Fatalf("after a change: %d %s", res.StatusCode(), res.Body)
	}
	one, _ := env.Client.GetPublicNewsItemWithResponse(ctx, o.ID.String(), item.ID, &client.GetPublicNewsItemParams{})
	itemTag := one.HTTPResponse.Header.Get("ETag")
	one, _ = env.Client.GetPublicNewsItemWithResponse(ctx, o.ID.String(), item.ID, &client.GetPublicNewsItemParams{IfNoneMatch: &itemTag})
	if one.StatusCode() != http.StatusNotModified {
		t.Fatalf("item revalidation: %d", one.StatusCode())
	}
}

func TestNewsPagination(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	base := time.Now().Add(-time.Hour).UTC()
	var want []string
	for i := range 5 {
		n := write(t, env, o, "Новость "+apitest.Itoa(int64(i)), "public", new(base.Add(time.Duration(i)*time.Minute)))
		want = append([]string{n.Title}, want...)
	}
	var got []string
	var cursor *string
	for range 5 {
		limit := 2
		res, _ := env.Client.ListPublicNewsWithResponse(ctx, "center", &client.ListPublicNewsParams{Limit: &limit, Cursor: cursor})
		for _, n := range res.JSON200.Items {
			got = append(got, n.Title)
		}
		if cursor = res.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
	bad := "nope"
	res, _ := env.Client.ListPublicNewsWithResponse(ctx, "center", &client.ListPublicNewsParams{Cursor: &bad})
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed")
}
