-- +goose Up
-- The sample's words in a large catalog (00015_catalog_sample.sql). The
-- sample is catalog_sample_key(id) < a bound sized for about two thousand
-- programs: below 32 (of 1,024) from about 64,000 published programs on.
-- programs_pub_sample_words finds the sampled matches of a word by
-- intersecting the word's posting list, which holds every published match
-- (9,664 for «педагогика» at 100,000 programs), with the keys'; this index
-- holds the programs with keys below 32 only (1/32 of the catalog), so the
-- same search reads a thirty-second of that list. internal/catalog/search
-- states "catalog_sample_key(p.id) < 32" whenever its bound is no higher,
-- and the planner picks this index for it.
CREATE INDEX programs_pub_sample_small ON programs USING gin (catalog_sample_key(id), search_vector)
    WHERE status = 'published' AND published_at IS NOT NULL AND catalog_sample_key(id) < 32;

-- +goose Down
DROP INDEX programs_pub_sample_small;
