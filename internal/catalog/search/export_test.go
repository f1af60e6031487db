package search

import "github.com/google/uuid"

// TitlesCursorForTest returns a cursor that makes q's first page match
// titles by trigrams: it stands before every rank, as if a first page had
// gone that way.
func TitlesCursorForTest(q Query) string {
	if err := normalize(&q); err != nil {
		panic(err)
	}
	return encodeCursor(cursor{Key: "2", ID: uuid.Max, Mode: matchTitles}, q)
}

// SetLimitsForTest lowers the exact limit and the sample size of s, so that
// a small catalog has broad queries.
func SetLimitsForTest(s *Searcher, exact, sample int) { s.exact, s.sample = exact, sample }

// SetSampleBelowForTest fixes the sample of s to the programs whose
// catalog_sample_key is below below, whatever the catalog's size.
func SetSampleBelowForTest(s *Searcher, below int) { s.sampleBelow = below }
