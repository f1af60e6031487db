package search_test

import (
	"slices"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
)

// textCatalog is a small catalog for the text-search tests.
func textCatalog(t *testing.T) *fixture {
	f := newFixture(t)
	org := f.org("ekstern", "Учебный центр «Экстерн»")
	f.program(org, prog{slug: "ped-basics", title: "Основы педагогической деятельности", kind: db.ProgramKindQualificationUpgrade, hours: 72})
	f.program(org, prog{slug: "ped-psy", title: "Педагогика и психология", kind: db.ProgramKindProfessionalRetraining, hours: 260})
	f.program(org, prog{slug: "accounting", title: "Бухгалтерский учёт и налогообложение",
		desc: "Программа для бухгалтеров. Немного педагогики для наставников."})
	f.program(org, prog{slug: "pm", title: "Project management for IT managers", short: "Agile, Scrum and budgeting"})
	f.program(org, prog{slug: "excel", title: "Excel для экономистов", tags: []string{"таблицы", "аналитика"}})
	f.program(org, prog{slug: "draft-ped", title: "Педагогика (черновик)", draft: true})
	archived := f.program(org, prog{slug: "old-ped", title: "Педагогика прошлых лет"})
	f.setStatus(archived, db.ProgramStatusArchived)
	return f
}

func TestTextSearch(t *testing.T) {
	f := textCatalog(t)
	cases := []struct {
		name  string
		text  string
		want  []string // in order
		anyOf bool     // want the set, in any order
	}{
		// Morphology: the noun finds the adjective, titles rank above
		// descriptions, drafts and archives never show.
		{name: "педагогика finds педагогической", text: "педагогика", want: []string{"ped-psy", "ped-basics", "accounting"}, anyOf: true},
		{name: "adjective finds the noun", text: "педагогическая деятельность", want: []string{"ped-basics"}},
		{name: "plural and case", text: "бухгалтерам", want: []string{"accounting"}},
		{name: "english stemming", text: "managing projects", want: []string{"pm"}},
		{name: "english in short description", text: "budget", want: []string{"pm"}},
		{name: "tag", text: "аналитика", want: []string{"excel"}},
		{name: "prefix of the last word", text: "экономис", want: []string{"excel"}},
		// Misspellings: the unknown stem is replaced by the lexicon's most
		// similar ones, then the words search runs again.
		{name: "misspelt word corrected", text: "пидагогика", want: []string{"ped-psy", "ped-basics", "accounting"}, anyOf: true},
		{name: "misspelt word among right ones", text: "бухгалтерский учот", want: []string{"accounting"}},
		{name: "misspelt english word", text: "managment", want: []string{"pm"}},
		{name: "word of a full description only", text: "наставники", want: []string{"accounting"}},
		{name: "unknown word dropped", text: "педагогика квазистатика", want: []string{"ped-psy", "ped-basics", "accounting"}, anyOf: true},
		{name: "all words required", text: "педагогика бухгалтеров", want: []string{"accounting"}},
		{name: "only stop words", text: "и в на", want: []string{}},
		{name: "nothing", text: "квантовая хромодинамика", want: []string{}},
		// No query syntax: operators are ignored and every word is required.
		{name: "operators are text", text: `"педагогика" -психология | & ! ( ) :* '\`, want: []string{"ped-psy"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := slugs(f.search(search.Query{Text: c.text}))
			if c.anyOf {
				slices.Sort(got)
				c.want = slices.Clone(c.want)
				slices.Sort(c.want)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("%q found %v, want %v", c.text, got, c.want)
			}
		})
	}
}

// TestSearchHopeless: catalog_search_hopeless is true exactly when a stem
// is in no published program (lexicon or full text), so the words' search
// can be skipped.
func TestSearchHopeless(t *testing.T) {
	f := textCatalog(t)
	for text, want := range map[string]bool{
		"педагогика":              false,
		"наставники педагогика":   false, // the full description of one
		"пажарная педагогика":     true,
		"черновик":                true, // a draft's title only
		"бухгалтерский учот":      true,
		"и в на":                  false, // stop words: no stems at all
		"квантовая хромодинамика": true,
	} {
		var got bool
		if err := f.pool.QueryRow(f.ctx, "SELECT catalog_search_hopeless($1)", text).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("catalog_search_hopeless(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestRelevanceOrder: a title match outranks a description match, and the
// ranks come back in the items.
func TestRelevanceOrder(t *testing.T) {
	f := textCatalog(t)
	r := f.search(search.Query{Text: "педагогика"})
	if len(r.Items) != 3 || r.Items[2].Slug != "accounting" {
		t.Fatalf("order %v: the description-only match should be last", slugs(r))
	}
	for i := 1; i < len(r.Items); i++ {
		if r.Items[i].Relevance > r.Items[i-1].Relevance {
			t.Fatalf("relevance not descending: %v", r.Items)
		}
	}
	// Ranks come from the title, short description and tags; a match in
	// the full description alone ranks about zero, below all of them.
	if r.Items[1].Relevance <= 0 || r.Items[2].Relevance >= r.Items[1].Relevance {
		t.Fatalf("relevance %v", r.Items)
	}
	if r.Total != 3 {
		t.Fatalf("total %d", r.Total)
	}
}

// TestTitleTrigrams: the last resort, titles by trigram word similarity,
// for a short query neither whose words nor corrections found anything.
func TestTitleTrigrams(t *testing.T) {
	f := textCatalog(t)
	q := search.Query{Text: "пидагогика"}
	q.Cursor = search.TitlesCursorForTest(q)
	if got := slugs(f.search(q)); !slices.Equal(got, []string{"ped-psy"}) {
		t.Fatalf("titles like «пидагогика»: %v", got)
	}
}
