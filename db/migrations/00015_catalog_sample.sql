-- +goose Up
-- A broad catalog search (more matches than internal/catalog/search counts
-- exactly) estimates its facets and total from a fixed random sample of the
-- published programs instead of counting every match: the programs whose
-- catalog_sample_key is below a bound chosen so that the sample holds about
-- two thousand programs whatever the catalog's size. The key is the last ten
-- bits of the id, random in every uuid the catalog makes (version 4 and 7),
-- so a range of keys is a uniform sample, and any range is one index scan.
-- Words are matched in the sample through a GIN index of both (btree_gin).
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The sample key of a program: 0–1023, uniform over random uuids.
CREATE FUNCTION catalog_sample_key(id uuid) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ((get_byte(uuid_send(id), 14) & 3) << 8) | get_byte(uuid_send(id), 15);

-- The sample in key order with everything a search without words filters
-- and counts by, so such a search reads its sample by an index-only range
-- scan of a few thousand entries.
CREATE INDEX programs_pub_sample ON programs (catalog_sample_key(id))
    INCLUDE (id, kind, format, category_id, organization_id, price_minor, academic_hours,
             upcoming_starts, enrollment_windows)
    WHERE status = 'published' AND published_at IS NOT NULL;
-- The sample's words: a word search finds its sampled matches in one scan
-- of this index and reads only their rows. (With the index above and
-- programs_search alone the planner prefers testing every sampled row's
-- search vector, read from TOAST, to intersecting the two.)
CREATE INDEX programs_pub_sample_words ON programs USING gin (catalog_sample_key(id), search_vector)
    WHERE status = 'published' AND published_at IS NOT NULL;

-- +goose Down
DROP INDEX programs_pub_sample_words;
DROP INDEX programs_pub_sample;
DROP FUNCTION catalog_sample_key(uuid);
