-- +goose Up
-- catalog_search_hopeless(q) tells, before the search runs, that the words
-- of q (catalog_search_query, ANDed) cannot match: one of its stems is
-- neither in the lexicon (catalog_lexemes: titles, short descriptions,
-- tags) nor, as its term, in any published program's search vector (the
-- full descriptions too). internal/catalog/search then goes straight to
-- the spelling correction: the search itself would have found nothing,
-- but only after the GIN index had gathered the posting lists of every
-- other term («безопасность» in «пажарная безопасность»: thousands of
-- programs, several milliseconds at 100,000), whereas an unknown stem's
-- own look-up finds no index entries at once. A known stem is not looked
-- up in the programs at all. Sequential scans are off within it: the
-- planner would rather test rows one by one until the first match, which
-- for a stem that matches nothing is every published program.
-- +goose StatementBegin
CREATE FUNCTION catalog_search_hopeless(q text) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET enable_seqscan = off AS $$
DECLARE
    w text;
BEGIN
    FOR w IN SELECT lexeme FROM unnest(to_tsvector('russian', left(q, 200))) LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM catalog_lexemes l WHERE l.lexeme >= w AND l.lexeme < w || chr(1114111));
        IF NOT EXISTS (SELECT 1 FROM programs p
                       WHERE p.status = 'published' AND p.search_vector @@ to_tsquery('simple', catalog_tsquery_term(w))) THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION catalog_search_hopeless(text);
