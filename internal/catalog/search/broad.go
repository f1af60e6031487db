package search

import (
	"math"
)

// How much of a search is counted exactly.
//
// A query reads at most ExactLimit+1 of its matches (in the order its index
// yields them). When it has no more than ExactLimit, the facets and the
// total count them all and the page is ranked or sorted among them all, as
// ever. A broad query — more matches than that — is answered without
// reading every match, so that its cost does not grow with the catalog:
//   - its facets and total are estimates (Result.Approximate): the matches
//     among a fixed uniform sample of about SampleSize published programs
//     (catalog_sample_key, 00015_catalog_sample.sql) scaled up to the whole
//     catalog; the total is never below ExactLimit+1;
//   - without words, its page is exact: read from the index of its sort
//     order, as a search without any filters is;
//   - with words, its page is ranked (or sorted) among the ExactLimit+1
//     matches read, so its ranking is that of a sample too, and its pages
//     end after them.
//
// In a large catalog (a sample bound of at most sliceKeys, about 64,000
// published programs or more) a word search across organizations reads
// its matches from key-range slices of the catalog, so that it gathers
// neither the GIN bitmap of every match of its words nor the rows of other
// kinds (00053_catalog_search_tiers.sql):
//   - all its matches among the programs with keys below sliceKeys (a
//     thirty-second of the catalog, programs_pub_slice): when there are
//     more than ExactLimit, the query is broad and ExactLimit+1 of them are
//     the matches read; the sample, whose keys are lower still, is counted
//     from them;
//   - else, when the slice held enough to expect more than ExactLimit
//     among the keys below tierKeys (an eighth), the slice's matches and
//     up to as many more as make ExactLimit+1 among the keys from
//     sliceKeys to tierKeys (programs_pub_tier);
//   - else (or when those held no more than ExactLimit together) its
//     matches as in a small catalog.
const (
	ExactLimit = 200
	SampleSize = 2000
)

// sampleKeys is the size of catalog_sample_key's range.
const sampleKeys = 1 << 10

// The slices: their key bounds, and the predicates of their indexes
// (00053_catalog_search_tiers.sql), which a query states to use them.
const (
	sliceKeys = 32
	sliceCond = "catalog_sample_key(p.id) < 32"
	tierKeys  = 128
	tierCond  = "(catalog_sample_key(p.id) >> 5) BETWEEN 1 AND 3" // keys 32–127
)

// bounds are a search's limits: how many matches it counts exactly and the
// sample key bound of its estimates.
type bounds struct {
	exact       int // at most this many matches are counted exactly
	sampleBelow int // the sample: catalog_sample_key(id) < sampleBelow
}

// newBounds sizes the sample for a catalog of about published programs
// (the planner's figure, which is enough: it only sets the sample's size,
// not how its counts are scaled).
func newBounds(exact, sample int, published float64) bounds {
	below := sampleKeys
	if published >= 1 {
		below = int(math.Ceil(sampleKeys * float64(sample) / published))
	}
	return bounds{exact: exact, sampleBelow: min(max(below, 1), sampleKeys)}
}

// sliced reports whether f reads its matches from the slices: a word
// search across organizations in a large catalog (see bounds). Within one
// organization the slices would hardly ever hold enough; titles matched by
// trigrams (the last chance of a misspelling) have no slice index, and
// their slice would be every title's trigram match tested row by row.
func (f filter) sliced() bool {
	return f.q.Text != "" && !f.text.fuzzy && f.b.sampleBelow <= sliceKeys && !f.scoped()
}

// scale is how many programs a sampled match stands for.
func (b bounds) scale() float64 { return float64(sampleKeys) / float64(b.sampleBelow) }

// scaleFacets turns the sample's counts into estimates of the whole
// catalog's, keeping every value the sample saw at least 1.
func (fs *Facets) scaleFacets(k float64) {
	est := func(n int64) int64 { return max(1, int64(math.Round(float64(n)*k))) }
	for i := range fs.Kinds {
		fs.Kinds[i].Count = est(fs.Kinds[i].Count)
	}
	for i := range fs.Formats {
		fs.Formats[i].Count = est(fs.Formats[i].Count)
	}
	for i := range fs.Organizations {
		fs.Organizations[i].Count = est(fs.Organizations[i].Count)
	}
	for i := range fs.Categories {
		fs.Categories[i].Count = est(fs.Categories[i].Count)
	}
}

// SetExactLimit changes how many matches s counts exactly (ExactLimit by
// default). A limit above the catalog's size counts every match, as the
// search did before estimates: scripts/catbench -exact-limit compares.
func (s *Searcher) SetExactLimit(n int) { s.exact = max(n, 1) }
