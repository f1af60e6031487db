-- +goose Up
-- The word searches of a large catalog read their matches from key-range
-- slices of the published programs instead of gathering every match
-- (internal/catalog/search, broad.go). A GIN index yields its matches as a
-- bitmap of all of them, and a prefix term's posting lists are collected
-- whole before the first row: «охрана труда» at 100,000 programs is 9,372
-- entries and 7 ms before any row is read, then the rows of other kinds
-- (a kind filter outside the index) are read and thrown away. These
-- indexes hold a fixed fraction of the catalog each, so a search that
-- reads one gathers that fraction of the posting lists, and kind and
-- format (btree_gin, 00015) are index columns, so the bitmap holds only
-- the matches of the kind asked for:
--   - programs_pub_slice: the programs with sample keys below 32 (a
--     thirty-second), replacing programs_pub_sample_small (00017), whose
--     key column only served to cut the sample out of the slice: the
--     sample (keys below a lower bound) is now taken from the slice's rows;
--   - programs_pub_tier: keys from 32 to 127 (the next three
--     thirty-seconds, disjoint from the slice, whose rows a search has
--     already read), for the searches whose slice holds too few matches
--     to be sure that they are broad. Its predicate shifts the key, so that
--     a search stating it cannot read it as a range of programs_pub_sample
--     (00015) either, testing each row's search vector: with a limit that
--     is not a constant the planner would.
CREATE INDEX programs_pub_slice ON programs USING gin (kind, format, search_vector)
    WHERE status = 'published' AND published_at IS NOT NULL AND catalog_sample_key(id) < 32;
CREATE INDEX programs_pub_tier ON programs USING gin (kind, format, search_vector)
    WHERE status = 'published' AND published_at IS NOT NULL AND (catalog_sample_key(id) >> 5) BETWEEN 1 AND 3;
DROP INDEX programs_pub_sample_small;

-- +goose Down
CREATE INDEX programs_pub_sample_small ON programs USING gin (catalog_sample_key(id), search_vector)
    WHERE status = 'published' AND published_at IS NOT NULL AND catalog_sample_key(id) < 32;
DROP INDEX programs_pub_tier;
DROP INDEX programs_pub_slice;
