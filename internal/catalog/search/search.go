// Package search is the public catalog search: published programs across
// organizations or within one, found by full-text search in Russian and
// English (with tolerance for misspelt short queries), filtered, sorted,
// paged with opaque keyset cursors, and counted into facets.
//
// The SQL is built per request from fixed fragments (see builder.go): every
// value travels as a parameter, and only the conditions a query uses appear
// in it, so the planner sees plain predicates that match the partial
// indexes of 00010_catalog.sql instead of "$1 IS NULL OR …" patterns, which
// a prepared statement's generic plan cannot drop (make bench shows both).
//
// A search is one read-only transaction:
//   - the words become a tsquery (catalog_search_query: stems as prefixes);
//   - a query on organization, category, kind and format only reads its page
//     from the index of its sort order and its facets from the counts that
//     triggers keep (catalog_counts, catalog_org_counts), so its cost does
//     not grow with the catalog;
//   - any other query reads at most ExactLimit+1 of its matches once,
//     ranking them and counting the facets in the same pass, then the
//     page's cards by id; a broad one (more matches) estimates its facets
//     and total from a fixed sample and says so (Result.Approximate; see
//     bounds), so no query's cost grows with the catalog;
//   - when the words match nothing (or cannot: a stem is unknown to the
//     lexicon and to every search vector, catalog_search_hopeless, so the
//     words' search is skipped), the stems the catalog does not know are
//     replaced by the most similar ones it does (catalog_spelling_query, a
//     trigram search in the lexicon of titles, short descriptions and tags);
//     when that finds nothing either and the query is short, titles are
//     matched by trigram similarity; the cursor remembers which.
package search

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Sort orders the results.
type Sort string

// The sorts. Ties are broken by the program id, so every order is total and
// a cursor names one position in it.
const (
	SortRelevance Sort = "relevance"  // best match first; needs Text (else newest)
	SortNewest    Sort = "newest"     // last published first (the default without Text)
	SortPriceAsc  Sort = "price_asc"  // cheapest first
	SortPriceDesc Sort = "price_desc" // dearest first
	SortStart     Sort = "start"      // nearest upcoming group first; none last
)

// Limits of a page.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	maxTextRunes = 200
)

// Query is one search. Zero values mean "no condition".
type Query struct {
	// Text is what the visitor typed.
	Text string
	// OrganizationID or OrganizationSlug keep the search within one
	// organization; then the category facet is counted too.
	OrganizationID   uuid.UUID
	OrganizationSlug string
	// CategoryID keeps programs of the category and all its descendants.
	CategoryID uuid.UUID
	Kinds      []db.ProgramKind
	Formats    []db.StudyFormat
	// Price bounds in minor units (kopecks), inclusive.
	PriceMin, PriceMax *int64
	// Academic hours bounds, inclusive.
	HoursMin, HoursMax *int32
	// StartsFrom and StartsTo (dates, inclusive) keep programs with a planned
	// or enrolling group starting within them.
	StartsFrom, StartsTo time.Time
	// EnrollmentOpen keeps programs with a group taking applications now.
	EnrollmentOpen bool
	Sort           Sort
	// Limit is the page size: DefaultLimit when 0, at most MaxLimit.
	Limit int
	// Cursor is Result.NextCursor of the previous page, for the same query.
	Cursor string
}

// Result is one page.
type Result struct {
	Items []Item
	// NextCursor fetches the next page; "" on the last one.
	NextCursor string
	// Facets count the programs matching the whole query (every page).
	Facets Facets
	// Total is the number of matching programs.
	Total int64
	// Approximate: the query has more than ExactLimit matches, and Total
	// and Facets are estimates from a sample (see bounds).
	Approximate bool
}

// Item is a program card.
type Item struct {
	ID                 uuid.UUID
	OrganizationID     uuid.UUID
	OrganizationSlug   string
	OrganizationName   string
	CategoryID         *uuid.UUID
	Slug               string
	Title              string
	ShortDescription   string
	Kind               db.ProgramKind
	CompletionDocument db.CompletionDocument
	Format             db.StudyFormat
	AcademicHours      int32
	PriceMinor         int64
	Currency           string
	Tags               []string
	CoverKey           *string
	// NextStartOn is the date of the nearest planned or enrolling group.
	NextStartOn *time.Time
	// EnrollmentOpen: a group takes applications now.
	EnrollmentOpen bool
	PublishedAt    time.Time
	UpdatedAt      time.Time
	// Version changes with every edit: with the id it makes list ETags.
	Version int32
	// Relevance is the rank of a text search (0 without Text).
	Relevance float32
}

// QueryError says which part of a Query is unacceptable; the HTTP layer
// reports it as a field error (Field is the query parameter's name).
type QueryError struct {
	Field   string
	Message string
}

func (e *QueryError) Error() string { return e.Field + ": " + e.Message }

// DB is what the searcher needs: *pgxpool.Pool, *pgx.Conn and pgx.Tx have it.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Searcher runs searches against one database.
type Searcher struct {
	db  DB
	now func() time.Time
	// exact and sample are ExactLimit and SampleSize (tests lower them).
	exact, sample int
	// sampleBelow, when set (tests), is the sample's key bound instead of
	// the one sized from the catalog.
	sampleBelow int
}

// New returns a Searcher; now tells the time for "enrollment open now"
// (time.Now when nil).
func New(database DB, now func() time.Time) *Searcher {
	if now == nil {
		now = time.Now
	}
	return &Searcher{db: database, now: now, exact: ExactLimit, sample: SampleSize}
}

// Search runs q. Invalid input is a *QueryError.
func (s *Searcher) Search(ctx context.Context, q Query) (Result, error) {
	if err := normalize(&q); err != nil {
		return Result{}, err
	}
	var after *cursor
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, q)
		if err != nil {
			return Result{}, err
		}
		after = &c
	}
	// One read-only transaction carries the settings below; it is rolled
	// back, having changed nothing.
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("catalog search: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // nothing to keep
	// JIT compilation costs more than these queries. With words to match,
	// sequential scans are off: the planner prices them without the cost of
	// detoasting every row's search vector, and at a few percent
	// selectivity picks them over the GIN index, many times slower.
	seqscan := "on"
	if q.Text != "" {
		seqscan = "off"
	}
	// The tsquery is computed here, once, so that the big queries get a
	// constant to plan with and rank by.
	// With it, whether the words cannot match (catalog_search_hopeless):
	// then the search goes straight to the spelling correction, which this
	// statement computes too (as it does for the next pages of a corrected
	// search), saving a round trip. The inner select (OFFSET 0: not
	// flattened) applies the settings before the correction runs.
	// Each tsquery comes with the one that matches (catalog_search_words:
	// the catalog's words instead of short prefixes), computed once here.
	var tsq, match, spelled, spelledMatch *string
	var published float64
	var hopeless bool
	spellingPage := after != nil && after.Mode == matchSpelling
	err = tx.QueryRow(ctx, `SELECT s.tsq::text, catalog_search_words(s.tsq)::text, s.published, s.hopeless, c::text, catalog_search_words(c)::text
	FROM (SELECT set_config('jit', 'off', true), set_config('enable_seqscan', $2, true),
		catalog_search_query($1) AS tsq, `+publishedSQL+` AS published,
		coalesce(catalog_search_hopeless($1), false) AS hopeless OFFSET 0) s,
		LATERAL (SELECT CASE WHEN s.hopeless OR $3::boolean THEN catalog_spelling_query($1) END AS c OFFSET 0) c`,
		q.Text, seqscan, spellingPage).Scan(&tsq, &match, &published, &hopeless, &spelled, &spelledMatch)
	if err != nil {
		return Result{}, fmt.Errorf("catalog search: %w", err)
	}
	spellingKnown := hopeless || spellingPage
	b := newBounds(s.exact, s.sample, published)
	if s.sampleBelow > 0 {
		b.sampleBelow = s.sampleBelow
	}
	text := textMatch{raw: q.Text, tsquery: deref(tsq), match: deref(match)}
	if after != nil {
		text.mode = after.Mode
	}
	if text.mode == matchWords && after == nil && hopeless {
		text.mode = matchSpelling // the words cannot match: one is unknown
	}
	if text.mode == matchWords && (q.Text == "" || text.tsquery != "") {
		res, err := s.run(ctx, tx, filter{q: q, text: text, now: s.now(), b: b}, after)
		if err != nil || len(res.Items) > 0 || after != nil || q.Text == "" {
			return res, err
		}
		text.mode = matchSpelling // the words found nothing: maybe misspelt
	} else if text.mode == matchWords {
		text.mode = matchSpelling // only stop words or unknown ones
	}
	if text.mode == matchSpelling {
		if !spellingKnown {
			if err := tx.QueryRow(ctx, "SELECT c::text, catalog_search_words(c)::text FROM catalog_spelling_query($1) c",
				q.Text).Scan(&spelled, &spelledMatch); err != nil {
				return Result{}, fmt.Errorf("catalog search: %w", err)
			}
		}
		if spelled != nil {
			sp := text
			sp.tsquery, sp.match = *spelled, deref(spelledMatch)
			res, err := s.run(ctx, tx, filter{q: q, text: sp, now: s.now(), b: b}, after)
			if err != nil || len(res.Items) > 0 || after != nil {
				return res, err
			}
		}
		if after != nil || !isShort(q.Text) {
			return Result{Items: []Item{}, Facets: emptyFacets()}, nil
		}
		text.mode = matchTitles // nothing to correct, or the corrections found nothing
	}
	text.fuzzy = true
	if _, err := tx.Exec(ctx, "SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)",
		strconv.FormatFloat(FuzzyThreshold, 'f', -1, 64)); err != nil {
		return Result{}, fmt.Errorf("catalog search: %w", err)
	}
	return s.run(ctx, tx, filter{q: q, text: text, now: s.now(), b: b}, after)
}

// publishedSQL tells about how many programs are published: the planner's
// figure for the sample index (its predicate is being published), or the
// facet counts' sum before the index was ever analyzed.
const publishedSQL = `coalesce((SELECT nullif(greatest(reltuples, 0), 0)::float8 FROM pg_class
	WHERE oid = to_regclass('programs_pub_sample')), (SELECT sum(programs)::float8 FROM catalog_org_counts), 0)`

// FuzzyThreshold is the trigram word similarity (0–1) a title needs to
// match a short query when neither its words nor their corrections found
// anything. pg_trgm's default, 0.6, misses one wrong letter in a short
// word in another form.
const FuzzyThreshold = 0.5

func normalize(q *Query) error {
	q.Text = strings.Join(strings.Fields(q.Text), " ")
	if utf8.RuneCountInString(q.Text) > maxTextRunes {
		return &QueryError{"q", fmt.Sprintf("at most %d characters", maxTextRunes)}
	}
	q.OrganizationSlug = strings.TrimSpace(q.OrganizationSlug)
	for _, k := range q.Kinds {
		if !k.Valid() {
			return &QueryError{"kind", fmt.Sprintf("unknown program kind %q", k)}
		}
	}
	for _, f := range q.Formats {
		if !f.Valid() {
			return &QueryError{"format", fmt.Sprintf("unknown format %q", f)}
		}
	}
	switch {
	case q.PriceMin != nil && *q.PriceMin < 0:
		return &QueryError{"priceMin", "must not be negative"}
	case q.PriceMin != nil && q.PriceMax != nil && *q.PriceMin > *q.PriceMax:
		return &QueryError{"priceMax", "must not be below priceMin"}
	case q.HoursMin != nil && *q.HoursMin < 0:
		return &QueryError{"hoursMin", "must not be negative"}
	case q.HoursMin != nil && q.HoursMax != nil && *q.HoursMin > *q.HoursMax:
		return &QueryError{"hoursMax", "must not be below hoursMin"}
	case !q.StartsFrom.IsZero() && !q.StartsTo.IsZero() && q.StartsTo.Before(q.StartsFrom):
		return &QueryError{"startsTo", "must not be before startsFrom"}
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortNewest, SortPriceAsc, SortPriceDesc, SortStart:
	default:
		return &QueryError{"sort", fmt.Sprintf("unknown sort %q", q.Sort)}
	}
	if q.Sort == SortRelevance && q.Text == "" {
		q.Sort = SortNewest
	}
	switch {
	case q.Limit <= 0:
		q.Limit = DefaultLimit
	case q.Limit > MaxLimit:
		q.Limit = MaxLimit
	}
	return nil
}

// isShort tells the queries whose misspellings the trigram index catches:
// one or two words, long enough to have trigrams.
func isShort(text string) bool {
	n := utf8.RuneCountInString(text)
	return n >= 3 && n <= 40 && len(strings.Fields(text)) <= 2
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ErrInvalidCursor is wrapped by the *QueryError of a cursor that is
// malformed or belongs to another query.
var ErrInvalidCursor = errors.New("invalid cursor")
