package search_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
)

// filterCatalog: two organizations; in the first a category tree
// Педагогика > Дошкольная > Логопедия and a sibling root ИТ.
type filterCatalog struct {
	*fixture
	ekstern, other         uuid.UUID
	ped, preschool, speech uuid.UUID
	it                     uuid.UUID
}

func newFilterCatalog(t *testing.T) *filterCatalog {
	f := &filterCatalog{fixture: newFixture(t)}
	f.ekstern = f.org("ekstern", "Экстерн")
	f.other = f.org("other", "Другой центр")
	f.ped = f.category(f.ekstern, nil, "ped", "Педагогика")
	f.preschool = f.category(f.ekstern, &f.ped, "preschool", "Дошкольная")
	f.speech = f.category(f.ekstern, &f.preschool, "speech", "Логопедия")
	f.it = f.category(f.ekstern, nil, "it", "ИТ")

	a := f.program(f.ekstern, prog{slug: "a-ped", title: "Педагогика", category: &f.ped, kind: db.ProgramKindQualificationUpgrade,
		hours: 72, price: 15_000_00, format: db.StudyFormatOnline})
	b := f.program(f.ekstern, prog{slug: "b-preschool", title: "Дошкольное образование", category: &f.preschool,
		kind: db.ProgramKindProfessionalRetraining, hours: 520, price: 45_000_00, format: db.StudyFormatBlended})
	c := f.program(f.ekstern, prog{slug: "c-speech", title: "Логопедия", category: &f.speech,
		kind: db.ProgramKindProfessionalRetraining, hours: 300, price: 39_000_00, format: db.StudyFormatOnline})
	f.program(f.ekstern, prog{slug: "d-go", title: "Программирование на Go", category: &f.it, hours: 40, price: 25_000_00, format: db.StudyFormatInPerson})
	f.program(f.ekstern, prog{slug: "e-webinar", title: "Вебинар о ФГОС", kind: db.ProgramKindWebinar, hours: 2, price: 0})
	f.program(f.other, prog{slug: "f-other", title: "Педагогика в вузе", kind: db.ProgramKindSeminar, hours: 8, price: 5_000_00, format: db.StudyFormatInPerson})

	// Groups at 2027-03-01 12:00 ("now" of the fixture).
	past, future := f.now.AddDate(0, 0, -10), f.now.AddDate(0, 0, 10)
	f.group(a, "A-1", grp{starts: day(2027, 4, 1)})                                  // enrolling, no window: open
	f.group(b, "B-1", grp{starts: day(2027, 5, 15), opens: &future})                 // window not open yet
	f.group(c, "C-1", grp{starts: day(2027, 3, 20), opens: &past, closes: &future})  // window open
	f.group(c, "C-0", grp{starts: day(2027, 3, 10), status: db.GroupStatusCanceled}) // canceled: never counts
	d, _ := f.q.GetProgramBySlug(f.ctx, db.GetProgramBySlugParams{OrganizationID: f.ekstern, Slug: "d-go"})
	f.group(d, "D-1", grp{starts: day(2027, 6, 1), status: db.GroupStatusPlanned})
	e, _ := f.q.GetProgramBySlug(f.ctx, db.GetProgramBySlugParams{OrganizationID: f.ekstern, Slug: "e-webinar"})
	closed := past.AddDate(0, 0, 5)
	f.group(e, "E-1", grp{starts: day(2027, 3, 5), opens: &past, closes: &closed}) // window closed
	return f
}

func TestFilters(t *testing.T) {
	f := newFilterCatalog(t)
	cases := []struct {
		name string
		q    search.Query
		want []string
	}{
		{"everything", search.Query{}, []string{"a-ped", "b-preschool", "c-speech", "d-go", "e-webinar", "f-other"}},
		{"organization by id", search.Query{OrganizationID: f.other}, []string{"f-other"}},
		{"organization by slug", search.Query{OrganizationSlug: "ekstern"}, []string{"a-ped", "b-preschool", "c-speech", "d-go", "e-webinar"}},
		{"unknown slug", search.Query{OrganizationSlug: "nobody"}, []string{}},
		{"category with descendants", search.Query{CategoryID: f.ped}, []string{"a-ped", "b-preschool", "c-speech"}},
		{"middle category", search.Query{CategoryID: f.preschool}, []string{"b-preschool", "c-speech"}},
		{"leaf category", search.Query{CategoryID: f.speech}, []string{"c-speech"}},
		{"kind", search.Query{Kinds: []db.ProgramKind{db.ProgramKindProfessionalRetraining}}, []string{"b-preschool", "c-speech"}},
		{"kinds", search.Query{Kinds: []db.ProgramKind{db.ProgramKindWebinar, db.ProgramKindSeminar}}, []string{"e-webinar", "f-other"}},
		{"format", search.Query{Formats: []db.StudyFormat{db.StudyFormatInPerson}}, []string{"d-go", "f-other"}},
		{"price range", search.Query{PriceMin: ptr[int64](15_000_00), PriceMax: ptr[int64](39_000_00)}, []string{"a-ped", "c-speech", "d-go"}},
		{"free", search.Query{PriceMax: ptr[int64](0)}, []string{"e-webinar"}},
		{"hours range", search.Query{HoursMin: ptr[int32](72), HoursMax: ptr[int32](300)}, []string{"a-ped", "c-speech"}},
		{"starting in March", search.Query{StartsFrom: day(2027, 3, 1), StartsTo: day(2027, 3, 31)}, []string{"c-speech", "e-webinar"}},
		{"starting from May", search.Query{StartsFrom: day(2027, 5, 1)}, []string{"b-preschool", "d-go"}},
		{"starting by April 1st, inclusive", search.Query{StartsTo: day(2027, 4, 1)}, []string{"a-ped", "c-speech", "e-webinar"}},
		{"enrollment open now", search.Query{EnrollmentOpen: true}, []string{"a-ped", "c-speech"}},
		{"text and filters", search.Query{Text: "педагогика", OrganizationSlug: "ekstern"}, []string{"a-ped"}},
		{"combined", search.Query{CategoryID: f.ped, Formats: []db.StudyFormat{db.StudyFormatOnline}, EnrollmentOpen: true}, []string{"a-ped", "c-speech"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.search(c.q)
			got := slugs(r)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			if r.Total != int64(len(c.want)) {
				t.Fatalf("total %d, want %d", r.Total, len(c.want))
			}
		})
	}
}

func TestNextStartFollowsGroups(t *testing.T) {
	f := newFilterCatalog(t)
	r := f.search(search.Query{Text: "логопедия"})
	if len(r.Items) != 1 || r.Items[0].NextStartOn == nil || !r.Items[0].NextStartOn.Equal(day(2027, 3, 20)) {
		t.Fatalf("next start %+v (the canceled earlier group must not count)", r.Items)
	}
}

func TestQueryErrors(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		q     search.Query
		field string
	}{
		{search.Query{PriceMin: ptr[int64](10), PriceMax: ptr[int64](5)}, "priceMax"},
		{search.Query{PriceMin: ptr[int64](-1)}, "priceMin"},
		{search.Query{HoursMin: ptr[int32](10), HoursMax: ptr[int32](5)}, "hoursMax"},
		{search.Query{StartsFrom: day(2027, 2, 1), StartsTo: day(2027, 1, 1)}, "startsTo"},
		{search.Query{Kinds: []db.ProgramKind{"masterclass"}}, "kind"},
		{search.Query{Formats: []db.StudyFormat{"remote"}}, "format"},
		{search.Query{Sort: "popular"}, "sort"},
		{search.Query{Text: string(make([]rune, 201))}, "q"},
		{search.Query{Cursor: "not a cursor"}, "cursor"},
	}
	for _, c := range cases {
		_, err := f.s.Search(f.ctx, c.q)
		var qe *search.QueryError
		if !errors.As(err, &qe) || qe.Field != c.field {
			t.Errorf("%+v: err = %v, want a QueryError on %s", c.q, err, c.field)
		}
	}
}
