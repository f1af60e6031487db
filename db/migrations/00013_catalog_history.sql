-- +goose Up
-- The change history of the catalog: every insert, update and delete of an
-- organization, category, program or group, with who did it, when, and the
-- changed fields' old and new values. Triggers write it, so no code path can
-- forget; the application names the actor for the transaction with
-- SetCatalogActor (set_config('kabinet.actor_id', …, true)) before writing.

CREATE TYPE catalog_entity AS ENUM ('organization', 'category', 'program', 'group');
CREATE TYPE catalog_action AS ENUM ('create', 'update', 'delete');

-- No foreign keys: the history outlives what it describes (a deleted
-- program, a closed account), and writing it must never fail a cascade.
CREATE TABLE catalog_history (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  uuid NOT NULL,
    entity_type      catalog_entity NOT NULL,
    entity_id        uuid NOT NULL,
    action           catalog_action NOT NULL,
    -- NULL: a change made by the system (a migration, a job, a seed).
    actor_id         uuid,
    at               timestamptz NOT NULL DEFAULT now(),
    -- {"field": {"old": …, "new": …}}; a create has no "old", a delete no "new".
    changes          jsonb NOT NULL
);
CREATE INDEX catalog_history_entity ON catalog_history (entity_type, entity_id, id DESC);
CREATE INDEX catalog_history_org ON catalog_history (organization_id, id DESC);

-- Records one row change. TG_ARGV[0] is the entity type; the other
-- arguments name columns left out of the history (derived or bookkeeping
-- columns, whose changes follow from the recorded ones).
-- +goose StatementBegin
CREATE FUNCTION catalog_history_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row  jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row  jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    any_row  jsonb := coalesce(new_row, old_row);
    skip     text[] := TG_ARGV[1:];
    diff     jsonb;
BEGIN
    SELECT jsonb_object_agg(k, jsonb_strip_nulls(jsonb_build_object('old', old_row -> k, 'new', new_row -> k)))
    INTO diff
    FROM jsonb_object_keys(any_row) AS k
    WHERE k <> ALL (skip)
      AND (old_row -> k) IS DISTINCT FROM (new_row -> k)
      -- A create lists the fields it set, not every empty default.
      AND NOT (TG_OP = 'INSERT' AND new_row -> k IN ('null', '""', '[]', 'false'));
    IF diff IS NULL AND TG_OP = 'UPDATE' THEN
        RETURN NULL; -- only skipped columns changed
    END IF;
    INSERT INTO catalog_history (organization_id, entity_type, entity_id, action, actor_id, changes)
    VALUES (
        CASE WHEN TG_ARGV[0] = 'organization' THEN any_row ->> 'id' ELSE any_row ->> 'organization_id' END::uuid,
        TG_ARGV[0]::catalog_entity,
        (any_row ->> 'id')::uuid,
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END::catalog_action,
        nullif(current_setting('kabinet.actor_id', true), '')::uuid,
        coalesce(diff, '{}')
    );
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER organizations_history AFTER INSERT OR UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION catalog_history_record(
        'organization', 'created_at', 'updated_at', 'version', 'description_html');
CREATE TRIGGER program_categories_history AFTER INSERT OR UPDATE OR DELETE ON program_categories
    FOR EACH ROW EXECUTE FUNCTION catalog_history_record(
        'category', 'id', 'organization_id', 'created_at', 'updated_at', 'version', 'path');
CREATE TRIGGER programs_history AFTER INSERT OR UPDATE OR DELETE ON programs
    FOR EACH ROW EXECUTE FUNCTION catalog_history_record(
        'program', 'id', 'organization_id', 'created_at', 'updated_at', 'version', 'description_html',
        'search_vector', 'rank_vector', 'next_start_on', 'upcoming_starts', 'enrollment_windows');
CREATE TRIGGER study_groups_history AFTER INSERT OR UPDATE OR DELETE ON study_groups
    FOR EACH ROW EXECUTE FUNCTION catalog_history_record(
        'group', 'id', 'organization_id', 'created_at', 'updated_at', 'version', 'seats_taken');

-- +goose Down
DROP TRIGGER study_groups_history ON study_groups;
DROP TRIGGER programs_history ON programs;
DROP TRIGGER program_categories_history ON program_categories;
DROP TRIGGER organizations_history ON organizations;
DROP FUNCTION catalog_history_record();
DROP TABLE catalog_history;
DROP TYPE catalog_action;
DROP TYPE catalog_entity;
