-- +goose Up
-- The facets of the catalog browsed without any filter, precomputed: the
-- published programs by organization and by kind and format, kept from
-- catalog_org_counts (00014_catalog_search.sql) by a row trigger. Browsing
-- otherwise adds up every catalog_org_counts row (one per organization,
-- kind and format: 7,411 for 500 centers), so its cost grew with the
-- number of centers; now it reads one row per center and at most one per
-- kind and format.
CREATE TABLE catalog_org_totals (
    organization_id  uuid PRIMARY KEY,
    programs         bigint NOT NULL
);
CREATE TABLE catalog_kind_format_totals (
    kind      program_kind NOT NULL,
    format    study_format NOT NULL,
    programs  bigint NOT NULL,
    PRIMARY KEY (kind, format)
);

-- A row trigger, so that the totals are locked in the order in which
-- catalog_counts_apply upserts catalog_org_counts (by organization, kind
-- and format): one organization's changes lock the kind and format rows in
-- one order, whoever makes them, and cannot deadlock with another's.
-- +goose StatementBegin
CREATE FUNCTION catalog_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint := CASE TG_OP WHEN 'INSERT' THEN NEW.programs WHEN 'DELETE' THEN -OLD.programs
                                ELSE NEW.programs - OLD.programs END;
    o uuid := CASE TG_OP WHEN 'DELETE' THEN OLD.organization_id ELSE NEW.organization_id END;
    k program_kind := CASE TG_OP WHEN 'DELETE' THEN OLD.kind ELSE NEW.kind END;
    f study_format := CASE TG_OP WHEN 'DELETE' THEN OLD.format ELSE NEW.format END;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.organization_id, NEW.kind, NEW.format) IS DISTINCT FROM (OLD.organization_id, OLD.kind, OLD.format) THEN
        RAISE EXCEPTION 'catalog_org_counts keys do not change';
    END IF;
    IF delta = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO catalog_org_totals AS t (organization_id, programs) VALUES (o, delta)
    ON CONFLICT (organization_id) DO UPDATE SET programs = t.programs + EXCLUDED.programs;
    DELETE FROM catalog_org_totals WHERE organization_id = o AND programs <= 0;
    INSERT INTO catalog_kind_format_totals AS t (kind, format, programs) VALUES (k, f, delta)
    ON CONFLICT (kind, format) DO UPDATE SET programs = t.programs + EXCLUDED.programs;
    DELETE FROM catalog_kind_format_totals WHERE kind = k AND format = f AND programs <= 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER catalog_org_counts_totals AFTER INSERT OR UPDATE OR DELETE ON catalog_org_counts
    FOR EACH ROW EXECUTE FUNCTION catalog_totals_apply();

-- catalog_totals_rebuild recomputes the totals from catalog_org_counts
-- (after loads that bypass triggers, like catalog_counts_rebuild).
-- +goose StatementBegin
CREATE FUNCTION catalog_totals_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM catalog_org_totals;
    INSERT INTO catalog_org_totals (organization_id, programs)
    SELECT organization_id, sum(programs) FROM catalog_org_counts GROUP BY 1 HAVING sum(programs) > 0;
    DELETE FROM catalog_kind_format_totals;
    INSERT INTO catalog_kind_format_totals (kind, format, programs)
    SELECT kind, format, sum(programs) FROM catalog_org_counts GROUP BY 1, 2 HAVING sum(programs) > 0;
$$;
-- +goose StatementEnd
SELECT catalog_totals_rebuild();

-- +goose Down
DROP TRIGGER catalog_org_counts_totals ON catalog_org_counts;
DROP FUNCTION catalog_totals_rebuild();
DROP FUNCTION catalog_totals_apply();
DROP TABLE catalog_kind_format_totals;
DROP TABLE catalog_org_totals;
