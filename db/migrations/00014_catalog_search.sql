-- +goose Up
-- What the public catalog search (internal/catalog/search) needs besides the
-- programs' vectors and indexes (00010_catalog.sql): facet counts kept up
-- to date by triggers, and the function that turns what a visitor typed
-- into a tsquery.

-- Published programs counted by organization, category, kind and format:
-- the facets of a catalog browsed without a text query or other filters
-- come from here instead of counting up to every published program. Kept by
-- statement-level triggers on programs; catalog_counts_rebuild() recomputes
-- it from scratch (used by tests, and after loads that bypass triggers).
CREATE TABLE catalog_counts (
    organization_id  uuid NOT NULL,
    -- The nil uuid for programs outside any category.
    category_id      uuid NOT NULL,
    kind             program_kind NOT NULL,
    format           study_format NOT NULL,
    -- No CHECK (programs >= 0): INSERT … ON CONFLICT checks the proposed
    -- row (a decrement) before it finds the conflict.
    programs         bigint NOT NULL,
    PRIMARY KEY (organization_id, category_id, kind, format)
);
-- The same without categories, for facets across organizations (tens of
-- rows per organization instead of hundreds).
CREATE TABLE catalog_org_counts (
    organization_id  uuid NOT NULL,
    kind             program_kind NOT NULL,
    format           study_format NOT NULL,
    programs         bigint NOT NULL,
    PRIMARY KEY (organization_id, kind, format)
);

-- +goose StatementBegin
CREATE FUNCTION catalog_counts_apply(delta jsonb) RETURNS void LANGUAGE sql AS $$
    -- delta: [{"o": org, "c": category or null, "k": kind, "f": format, "n": ±count}]
    INSERT INTO catalog_counts AS cc (organization_id, category_id, kind, format, programs)
    SELECT (d->>'o')::uuid, coalesce((d->>'c')::uuid, '00000000-0000-0000-0000-000000000000'),
           (d->>'k')::program_kind, (d->>'f')::study_format, sum((d->>'n')::bigint)
    FROM jsonb_array_elements(delta) d
    GROUP BY 1, 2, 3, 4
    HAVING sum((d->>'n')::bigint) <> 0
    -- A fixed order of keys keeps concurrent updates from deadlocking.
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (organization_id, category_id, kind, format)
    DO UPDATE SET programs = cc.programs + EXCLUDED.programs;

    DELETE FROM catalog_counts cc
    USING jsonb_array_elements(delta) d
    WHERE cc.programs = 0 AND (d->>'n')::bigint < 0
      AND cc.organization_id = (d->>'o')::uuid
      AND cc.category_id = coalesce((d->>'c')::uuid, '00000000-0000-0000-0000-000000000000')
      AND cc.kind = (d->>'k')::program_kind AND cc.format = (d->>'f')::study_format;

    INSERT INTO catalog_org_counts AS oc (organization_id, kind, format, programs)
    SELECT (d->>'o')::uuid, (d->>'k')::program_kind, (d->>'f')::study_format, sum((d->>'n')::bigint)
    FROM jsonb_array_elements(delta) d
    GROUP BY 1, 2, 3
    HAVING sum((d->>'n')::bigint) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (organization_id, kind, format)
    DO UPDATE SET programs = oc.programs + EXCLUDED.programs;

    DELETE FROM catalog_org_counts oc
    USING jsonb_array_elements(delta) d
    WHERE oc.programs = 0 AND (d->>'n')::bigint < 0
      AND oc.organization_id = (d->>'o')::uuid
      AND oc.kind = (d->>'k')::program_kind AND oc.format = (d->>'f')::study_format;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION programs_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_object('o', organization_id, 'c', category_id, 'k', kind, 'f', format, 'n', 1))
        INTO delta FROM new_rows WHERE status = 'published';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT jsonb_agg(jsonb_build_object('o', organization_id, 'c', category_id, 'k', kind, 'f', format, 'n', -1))
        INTO delta FROM old_rows WHERE status = 'published';
    ELSE
        SELECT jsonb_agg(x) INTO delta FROM (
            SELECT jsonb_build_object('o', organization_id, 'c', category_id, 'k', kind, 'f', format, 'n', 1) x
            FROM new_rows WHERE status = 'published'
            UNION ALL
            SELECT jsonb_build_object('o', organization_id, 'c', category_id, 'k', kind, 'f', format, 'n', -1)
            FROM old_rows WHERE status = 'published'
        ) changes;
    END IF;
    IF delta IS NOT NULL THEN
        PERFORM catalog_counts_apply(delta);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER programs_count_ins AFTER INSERT ON programs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION programs_count();
CREATE TRIGGER programs_count_upd AFTER UPDATE ON programs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION programs_count();
CREATE TRIGGER programs_count_del AFTER DELETE ON programs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION programs_count();

-- +goose StatementBegin
CREATE FUNCTION catalog_counts_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM catalog_counts;
    INSERT INTO catalog_counts (organization_id, category_id, kind, format, programs)
    SELECT organization_id, coalesce(category_id, '00000000-0000-0000-0000-000000000000'), kind, format, count(*)
    FROM programs WHERE status = 'published'
    GROUP BY 1, 2, 3, 4;
    DELETE FROM catalog_org_counts;
    INSERT INTO catalog_org_counts (organization_id, kind, format, programs)
    SELECT organization_id, kind, format, sum(programs) FROM catalog_counts GROUP BY 1, 2, 3;
$$;
-- +goose StatementEnd

-- A lexeme quoted for to_tsquery's input syntax.
CREATE FUNCTION catalog_tsquery_quote(lexeme text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''';

-- catalog_search_query turns what a visitor typed into a tsquery that is
-- kinder than websearch_to_tsquery to Russian word formation: every word is
-- stemmed (the 'russian' configuration also stems English words) and matched
-- as a prefix, and stems of seven letters or more also by the stem without
-- its last letter, so «педагогика» (stem педагогик) finds «педагогической»
-- (педагогическ) through педагоги:*. Words are ANDed; stop words drop out;
-- NULL when nothing is left.
-- +goose StatementBegin
CREATE FUNCTION catalog_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT to_tsquery('simple', string_agg(term, ' & ' ORDER BY pos))
    FROM (
        SELECT positions[1] AS pos,
               CASE
                   WHEN char_length(lexeme) >= 7 THEN format('(%s:* | %s:*)', quoted, catalog_tsquery_quote(left(lexeme, -1)))
                   WHEN char_length(lexeme) >= 3 THEN quoted || ':*'
                   ELSE quoted
               END AS term
        FROM unnest(to_tsvector('russian', left(q, 200))), LATERAL catalog_tsquery_quote(lexeme) AS quoted
    ) terms;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION catalog_search_query(text);
DROP FUNCTION catalog_tsquery_quote(text);
DROP FUNCTION catalog_counts_rebuild();
DROP TRIGGER programs_count_del ON programs;
DROP TRIGGER programs_count_upd ON programs;
DROP TRIGGER programs_count_ins ON programs;
DROP FUNCTION programs_count();
DROP FUNCTION catalog_counts_apply(jsonb);
DROP TABLE catalog_org_counts;
DROP TABLE catalog_counts;
