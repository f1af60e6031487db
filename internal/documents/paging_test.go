package documents_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Every sort pages with its own keyset: walking the pages returns each
// document once, in the sort's order; a cursor of another sort is 422.
func TestListPagesUnderEverySort(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	tok := user(t, env).AccessToken
	want := map[uuid.UUID]bool{}
	for i, title := range []string{"Акт сверки", "Договор поставки", "Договор подряда", "Счёт", "Договор аренды"} {
		var date *openapi_types.Date
		if i != 3 { // one undated document sorts by its upload day
			date = &openapi_types.Date{Time: time.Date(2026, 1, 10+i%3, 0, 0, 0, 0, time.UTC)}
		}
		d := newDoc(t, env, tok, client.DocumentCreate{Title: title, Type: client.DocumentTypeContract, DocumentDate: date})
		want[d.ID] = true
	}
	walk := func(p client.ListMyDocumentsParams) []client.Document {
		var all []client.Document
		p.Limit = new(2)
		for range 10 {
			page := listPage(t, env, tok, p)
			all = append(all, page.Items...)
			if page.NextCursor == nil {
				return all
			}
			p.Cursor = page.NextCursor
		}
		t.Fatal("the pages do not end")
		return nil
	}
	for _, sort := range []string{"date", "created", "title"} {
		s := client.ListMyDocumentsParamsSort(sort)
		got := walk(client.ListMyDocumentsParams{Sort: &s})
		seen := map[uuid.UUID]bool{}
		for _, d := range got {
			seen[d.ID] = true
		}
		if len(got) != 5 || len(seen) != 5 {
			t.Fatalf("sort=%s: %d documents, %d distinct", sort, len(got), len(seen))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			switch sort {
			case "title":
				if a.Title > b.Title {
					t.Errorf("title order: %q before %q", a.Title, b.Title)
				}
			case "created":
				if a.CreatedAt.Before(b.CreatedAt) {
					t.Errorf("created order: %v before %v", a.CreatedAt, b.CreatedAt)
				}
			}
		}
	}
	rel := walk(client.ListMyDocumentsParams{Q: new("договор")})
	if len(rel) != 3 {
		t.Fatalf("relevance pages: %d documents", len(rel))
	}
	// A cursor made for one sort is refused by another.
	s := client.ListMyDocumentsParamsSort("title")
	first := listPage(t, env, tok, client.ListMyDocumentsParams{Sort: &s, Limit: new(1)})
	d := client.ListMyDocumentsParamsSort("date")
	res, err := env.Client.ListMyDocumentsWithResponse(t.Context(), &client.ListMyDocumentsParams{Sort: &d, Cursor: first.NextCursor}, bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	rs := client.ListMyDocumentsParamsSort("relevance")
	noQ, _ := env.Client.ListMyDocumentsWithResponse(t.Context(), &client.ListMyDocumentsParams{Sort: &rs}, bearer(tok))
	apitest.WantProblem(t, noQ.HTTPResponse, noQ.Body, http.StatusUnprocessableEntity, "validation_failed")
}
