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
// In a large catalog (a sample bound of at most smallSampleKeys) a word
// search across organizations first reads its matches among the programs with keys below
// smallSampleKeys, a thirty-second of the catalog in
// programs_pub_sample_small: when there are more than ExactLimit of those,
// the query is broad, and they are the ExactLimit+1 matches read, without
// gathering every match of its words from programs_search. Otherwise it
// reads its matches as above.
const (
	ExactLimit = 200
	SampleSize = 2000
)

// sampleKeys is the size of catalog_sample_key's range.
const sampleKeys = 1 << 10

// A sample below smallSampleKeys (a catalog of more than about 64,000
// published programs) finds its words' matches in programs_pub_sample_small
// (00017_catalog_sample_small.sql), whose predicate smallSampleCond states.
const (
	smallSampleKeys = 32
	smallSampleCond = "catalog_sample_key(p.id) < 32"
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
