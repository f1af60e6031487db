package search_test

import (
	"slices"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
)

// TestWordListFollowsPublication: catalog_words counts the published
// programs with each lexeme of their search vectors, full descriptions
// included, as programs are published, unpublished, archived, edited and
// deleted; drafts never count.
func TestWordListFollowsPublication(t *testing.T) {
	f := newFixture(t)
	org := f.org("words", "Слова")
	count := func(word string) int64 {
		t.Helper()
		var n int64
		if err := f.pool.QueryRow(f.ctx, "SELECT coalesce((SELECT programs FROM catalog_words WHERE word = $1), 0)", word).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := f.program(org, prog{slug: "crypto-a", title: "Криптография для начинающих", desc: "Разбираем шифрование сообщений."})
	b := f.program(org, prog{slug: "crypto-b", title: "Криптография в банках"})
	f.program(org, prog{slug: "crypto-c", title: "Криптография (черновик)", desc: "Квазишифрование", draft: true})
	if got := []int64{count("криптограф"), count("шифрован"), count("квазишифрован")}; !slices.Equal(got, []int64{2, 1, 0}) {
		t.Errorf("published: криптограф, шифрован, квазишифрован counted %v, want [2 1 0]", got)
	}
	b = f.setStatus(b, db.ProgramStatusDraft)
	a = f.setStatus(a, db.ProgramStatusArchived)
	if got := count("криптограф"); got != 0 {
		t.Errorf("unpublished and archived: криптограф counted %d, want 0 (removed)", got)
	}
	f.setStatus(b, db.ProgramStatusPublished)
	if _, err := f.pool.Exec(f.ctx, "UPDATE programs SET title = 'Стеганография в банках' WHERE id = $1", b.ID); err != nil {
		t.Fatal(err)
	}
	if got := []int64{count("криптограф"), count("стеганограф")}; !slices.Equal(got, []int64{0, 1}) {
		t.Errorf("edited: криптограф, стеганограф counted %v, want [0 1]", got)
	}
	if _, err := f.pool.Exec(f.ctx, "DELETE FROM programs WHERE id = $1", b.ID); err != nil {
		t.Fatal(err)
	}
	var left int64
	if err := f.pool.QueryRow(f.ctx, "SELECT count(*) FROM catalog_words").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("nothing published: %d words left", left)
	}
}

// TestSearchWordsExpandPrefixes: catalog_search_words turns a prefix term
// into the catalog's words with that prefix (up to eight), from the full
// descriptions too, and matches exactly the programs the prefix matches;
// a search with it finds what the prefix found.
func TestSearchWordsExpandPrefixes(t *testing.T) {
	f := textCatalog(t)
	for _, c := range []struct{ q, want string }{
		{"наставники", "'наставник'"},                               // a word of one full description only
		{"квантовая хромодинамика", "'кванто':* & 'хромодинами':*"}, // no such words: the prefixes stay
	} {
		var got string
		var same bool
		if err := f.pool.QueryRow(f.ctx, `SELECT catalog_search_words(catalog_search_query($1))::text,
			(SELECT array_agg(id ORDER BY id) FROM programs WHERE status = 'published' AND search_vector @@ catalog_search_query($1))
			IS NOT DISTINCT FROM
			(SELECT array_agg(id ORDER BY id) FROM programs WHERE status = 'published' AND search_vector @@ catalog_search_words(catalog_search_query($1)))`,
			c.q).Scan(&got, &same); err != nil {
			t.Fatal(err)
		}
		if got != c.want || !same {
			t.Errorf("%q: matched by %s (want %s), same programs %v", c.q, got, c.want, same)
		}
	}
	for _, q := range []string{"педагогика", "бухгалтерам", "экономис", "пидагогика"} {
		if got := slugs(f.search(search.Query{Text: q})); len(got) == 0 {
			t.Errorf("%q found nothing", q)
		}
	}
}
