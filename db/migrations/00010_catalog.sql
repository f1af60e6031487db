-- +goose Up
-- The catalog: organizations' public profiles and requisites, a category
-- tree per organization, programs with their search vectors and indexes,
-- their teachers and groups (cohorts). The facet counts and the search
-- query function are in 00014_catalog_search.sql, the change history in
-- 00013_catalog_history.sql.

-- Both are "trusted" extensions: a database owner may create them.
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- An organization's public profile, requisites for documents and invoices,
-- and education licence. Identifiers are stored normalized (digits only) by
-- internal/requisites, which also checks their check digits; '' = not given.
ALTER TABLE organizations
    ADD COLUMN short_name             text NOT NULL DEFAULT '' CHECK (length(short_name) <= 100),
    ADD COLUMN logo_key               text,
    ADD COLUMN description_md         text NOT NULL DEFAULT '' CHECK (length(description_md) <= 20000),
    ADD COLUMN description_html       text NOT NULL DEFAULT '',
    ADD COLUMN contact_email          text NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254),
    ADD COLUMN contact_phone          text NOT NULL DEFAULT '' CHECK (length(contact_phone) <= 32),
    ADD COLUMN website                text NOT NULL DEFAULT '' CHECK (length(website) <= 300),
    ADD COLUMN address                text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    ADD COLUMN legal_name             text NOT NULL DEFAULT '' CHECK (length(legal_name) <= 500),
    ADD COLUMN inn                    text NOT NULL DEFAULT '' CHECK (inn ~ '^([0-9]{10}|[0-9]{12})?$'),
    ADD COLUMN kpp                    text NOT NULL DEFAULT '' CHECK (kpp ~ '^([0-9]{4}[0-9A-Z]{2}[0-9]{3})?$'),
    ADD COLUMN ogrn                   text NOT NULL DEFAULT '' CHECK (ogrn ~ '^([0-9]{13}|[0-9]{15})?$'),
    ADD COLUMN legal_address          text NOT NULL DEFAULT '' CHECK (length(legal_address) <= 500),
    ADD COLUMN bank_name              text NOT NULL DEFAULT '' CHECK (length(bank_name) <= 300),
    ADD COLUMN bik                    text NOT NULL DEFAULT '' CHECK (bik ~ '^([0-9]{9})?$'),
    ADD COLUMN settlement_account     text NOT NULL DEFAULT '' CHECK (settlement_account ~ '^([0-9]{20})?$'),
    ADD COLUMN correspondent_account  text NOT NULL DEFAULT '' CHECK (correspondent_account ~ '^([0-9]{20})?$'),
    ADD COLUMN licence_number         text NOT NULL DEFAULT '' CHECK (length(licence_number) <= 100),
    ADD COLUMN licence_date           date,
    ADD COLUMN licence_issuer         text NOT NULL DEFAULT '' CHECK (length(licence_issuer) <= 500),
    -- Bumped by every catalog update of the row: the ETag, checked by If-Match.
    ADD COLUMN version                integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at             timestamptz NOT NULL DEFAULT now();

-- Categories form a tree per organization. path is the materialized path of
-- ids (hex, no dashes) from the root, maintained by triggers from parent_id:
-- "a category with its descendants" is path <@ the category's path (GiST),
-- and a category's ancestors are the labels of its path.
CREATE TABLE program_categories (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    parent_id        uuid,
    path             ltree NOT NULL,
    slug             text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$'),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    position         integer NOT NULL DEFAULT 0,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    UNIQUE (organization_id, slug),
    -- The parent is in the same organization; a category with children
    -- cannot be deleted (move or delete them first).
    FOREIGN KEY (organization_id, parent_id) REFERENCES program_categories (organization_id, id),
    CONSTRAINT program_categories_depth CHECK (nlevel(path) <= 6)
);
CREATE INDEX program_categories_path ON program_categories USING gist (path);
CREATE INDEX program_categories_parent ON program_categories (organization_id, parent_id, position);

-- +goose StatementBegin
CREATE FUNCTION program_categories_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_path ltree;
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := text2ltree(replace(NEW.id::text, '-', ''));
        RETURN NEW;
    END IF;
    SELECT path INTO parent_path FROM program_categories
    WHERE id = NEW.parent_id AND organization_id = NEW.organization_id;
    IF parent_path IS NULL THEN
        RAISE EXCEPTION 'parent category % not found in the organization', NEW.parent_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'program_categories_organization_id_parent_id_fkey';
    END IF;
    IF TG_OP = 'UPDATE' AND parent_path <@ OLD.path THEN
        RAISE EXCEPTION 'a category cannot move under itself or its descendants'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'program_categories_no_cycle';
    END IF;
    NEW.path := parent_path || text2ltree(replace(NEW.id::text, '-', ''));
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER program_categories_path_insert BEFORE INSERT ON program_categories
    FOR EACH ROW EXECUTE FUNCTION program_categories_set_path();
CREATE TRIGGER program_categories_path_update BEFORE UPDATE OF parent_id ON program_categories
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION program_categories_set_path();

-- +goose StatementBegin
CREATE FUNCTION program_categories_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE program_categories
    SET path = NEW.path || subpath(path, nlevel(OLD.path))
    WHERE path <@ OLD.path AND id <> NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- Not "UPDATE OF path": the path is set by the trigger above, not by the
-- statement, and column triggers follow the statement's SET list.
CREATE TRIGGER program_categories_subtree AFTER UPDATE ON program_categories
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path AND OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION program_categories_move_subtree();

CREATE TYPE program_kind AS ENUM (
    'qualification_upgrade',    -- повышение квалификации (ПК)
    'professional_retraining',  -- профессиональная переподготовка (ПП)
    'course', 'webinar', 'seminar'
);
CREATE TYPE completion_document AS ENUM (
    'certificate_of_qualification',  -- удостоверение о повышении квалификации
    'diploma',                       -- диплом о профессиональной переподготовке
    'certificate',                   -- сертификат
    'none'
);
CREATE TYPE study_format AS ENUM ('online', 'blended', 'in_person');
CREATE TYPE program_status AS ENUM ('draft', 'published', 'archived');

-- array_to_string is only STABLE (for arbitrary element types); for text[]
-- it is immutable, which a generated column needs.
CREATE FUNCTION catalog_tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN array_to_string(tags, ' ');

CREATE TABLE programs (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    category_id               uuid,
    slug                      text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$'),
    title                     text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    short_description         text NOT NULL DEFAULT '' CHECK (length(short_description) <= 1000),
    description_md            text NOT NULL DEFAULT '' CHECK (length(description_md) <= 100000),
    description_html          text NOT NULL DEFAULT '',
    kind                      program_kind NOT NULL,
    completion_document       completion_document NOT NULL,
    academic_hours            integer NOT NULL CHECK (academic_hours BETWEEN 1 AND 10000),
    format                    study_format NOT NULL,
    price_minor               bigint NOT NULL CHECK (price_minor >= 0),
    currency                  char(3) NOT NULL DEFAULT 'RUB' CHECK (currency ~ '^[A-Z]{3}$'),
    tags                      text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    cover_key                 text,
    -- Documents an applicant attaches; the kinds are a closed list (text,
    -- not an enum array, which pgx cannot decode without registering it).
    required_documents        text[] NOT NULL DEFAULT '{}' CHECK (required_documents <@ ARRAY[
        'passport', 'prior_education_diploma', 'name_change_certificate', 'snils', 'photo',
        'employment_record', 'other']::text[]),
    requires_snils            boolean NOT NULL DEFAULT false,
    requires_prior_education  boolean NOT NULL DEFAULT false,
    status                    program_status NOT NULL DEFAULT 'draft',
    -- Set at the first publication; "newest" sorts by it.
    published_at              timestamptz,
    -- What the search needs of the groups, kept by triggers on study_groups
    -- so that every filter is a condition on the program's own row: the
    -- earliest start of a planned or enrolling group ("nearest start" sorts
    -- by it; NULL when there is none), the start dates of those groups, and
    -- the enrollment windows of the enrolling ones (unbounded ends where a
    -- window has none).
    next_start_on             date,
    upcoming_starts           datemultirange NOT NULL DEFAULT '{}',
    enrollment_windows        tstzmultirange NOT NULL DEFAULT '{}',
    version                   integer NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    -- What the search matches: the title in both Russian and English
    -- configurations (the English one keeps Russian words unstemmed and drops
    -- English stop words), tags and the short description, then the full
    -- description.
    search_vector             tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian', title), 'A') ||
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('russian', short_description), 'B') ||
        setweight(to_tsvector('russian', catalog_tags_text(tags)), 'B') ||
        setweight(to_tsvector('russian', description_md), 'C')
    ) STORED,
    -- What the search ranks by: the title, short description and tags. It
    -- is small and kept in the row (below), so ranking thousands of matches
    -- reads neither their full vectors nor their descriptions; a match in
    -- the description alone ranks below every match in the others.
    rank_vector               tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian', title), 'A') ||
        setweight(to_tsvector('russian', short_description), 'B') ||
        setweight(to_tsvector('russian', catalog_tags_text(tags)), 'B')
    ) STORED,
    UNIQUE (organization_id, id),
    UNIQUE (organization_id, slug),
    FOREIGN KEY (organization_id, category_id)
        REFERENCES program_categories (organization_id, id) ON DELETE SET NULL (category_id),
    CONSTRAINT programs_published_at CHECK (status = 'draft' OR published_at IS NOT NULL),
    -- State-format documents of ПК and ПП need the learner's СНИЛС and
    -- prior education (ФИС ФРДО), and the law names their documents.
    CONSTRAINT programs_state_format CHECK (
        kind NOT IN ('qualification_upgrade', 'professional_retraining')
        OR (requires_snils AND requires_prior_education
            AND completion_document = CASE kind WHEN 'qualification_upgrade' THEN 'certificate_of_qualification'::completion_document
                                                ELSE 'diploma'::completion_document END))
);
-- Keep the rows narrow: the descriptions and the full search vector move
-- out of line (TOAST) once a row passes 256 bytes, while what searches read
-- (MAIN) stays in it. A search reads the
-- rows of its matches, and narrow rows put many of them on each page.
ALTER TABLE programs SET (toast_tuple_target = 256);
ALTER TABLE programs
    ALTER COLUMN title SET STORAGE MAIN,
    ALTER COLUMN rank_vector SET STORAGE MAIN,
    -- Small values the filters and cards read: moving them out of line
    -- would make every filtered row a TOAST lookup.
    ALTER COLUMN slug SET STORAGE MAIN,
    ALTER COLUMN tags SET STORAGE MAIN,
    ALTER COLUMN cover_key SET STORAGE MAIN,
    ALTER COLUMN required_documents SET STORAGE MAIN,
    ALTER COLUMN upcoming_starts SET STORAGE MAIN,
    ALTER COLUMN enrollment_windows SET STORAGE MAIN;

-- Staff lists and foreign keys.
CREATE INDEX programs_org_created ON programs (organization_id, created_at DESC, id DESC);
CREATE INDEX programs_org_category ON programs (organization_id, category_id);
-- Public search: every index is partial on published programs, which is what
-- the catalog shows, so drafts and archives cost the search nothing.
CREATE INDEX programs_search ON programs USING gin (search_vector) WHERE status = 'published';
CREATE INDEX programs_title_trgm ON programs USING gin (title gin_trgm_ops) WHERE status = 'published';
-- The sort orders, for searches without words. Their predicate adds
-- "published_at IS NOT NULL" (always true of a published program), which
-- only such searches state: a word search cannot use them, so the planner
-- cannot prefer reading every published row through one of them and
-- testing each row's (detoasted) search vector to the GIN index above — a
-- plan it prices far too low. See internal/catalog/search.
CREATE INDEX programs_pub_newest ON programs (published_at DESC, id DESC)
    WHERE status = 'published' AND published_at IS NOT NULL;
CREATE INDEX programs_pub_price ON programs (price_minor, id)
    WHERE status = 'published' AND published_at IS NOT NULL;
CREATE INDEX programs_pub_start ON programs ((coalesce(next_start_on, 'infinity'::date)), id)
    WHERE status = 'published' AND published_at IS NOT NULL;
CREATE INDEX programs_pub_org ON programs (organization_id, published_at DESC, id DESC)
    WHERE status = 'published' AND published_at IS NOT NULL;

-- Teachers of a program are members of its organization (a membership
-- removed takes the assignment with it); the teacher role is checked when
-- assigning.
CREATE TABLE program_teachers (
    organization_id  uuid NOT NULL,
    program_id       uuid NOT NULL,
    user_id          uuid NOT NULL,
    position         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, user_id),
    FOREIGN KEY (organization_id, program_id) REFERENCES programs (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES memberships (organization_id, user_id) ON DELETE CASCADE
);
CREATE INDEX program_teachers_user ON program_teachers (organization_id, user_id);

-- planned: announced, not yet taking applications; enrolling: taking them
-- (within the enrollment window, when one is set); running; finished;
-- canceled.
CREATE TYPE group_status AS ENUM ('planned', 'enrolling', 'running', 'finished', 'canceled');

-- A group (cohort) is one run of a program.
CREATE TABLE study_groups (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id       uuid NOT NULL,
    program_id            uuid NOT NULL,
    code                  text NOT NULL CHECK (length(code) BETWEEN 1 AND 50),
    title                 text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    starts_on             date NOT NULL,
    ends_on               date NOT NULL,
    enrollment_opens_at   timestamptz,
    enrollment_closes_at  timestamptz,
    -- 0: no limit (webinars).
    capacity              integer NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    -- Approved seats, changed only by TakeGroupSeat and ReleaseGroupSeat,
    -- whose conditional update makes the last seat go to exactly one approval.
    seats_taken           integer NOT NULL DEFAULT 0,
    schedule_notes        text NOT NULL DEFAULT '' CHECK (length(schedule_notes) <= 5000),
    status                group_status NOT NULL DEFAULT 'planned',
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    UNIQUE (program_id, code),
    FOREIGN KEY (organization_id, program_id) REFERENCES programs (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT study_groups_dates CHECK (ends_on >= starts_on),
    CONSTRAINT study_groups_window CHECK (enrollment_closes_at IS NULL OR enrollment_opens_at IS NULL
                                          OR enrollment_closes_at > enrollment_opens_at),
    CONSTRAINT study_groups_seats CHECK (seats_taken >= 0 AND (capacity = 0 OR seats_taken <= capacity))
);
CREATE INDEX study_groups_program_start ON study_groups (program_id, starts_on);
CREATE INDEX study_groups_enrolling ON study_groups (program_id) WHERE status = 'enrolling';

-- The program's group columns follow the groups. Statement-level triggers
-- apply one statement's changes in one update, so bulk loads stay cheap.
-- +goose StatementBegin
CREATE FUNCTION programs_refresh_schedule(program_ids uuid[]) RETURNS void LANGUAGE sql AS $$
    UPDATE programs p
    SET next_start_on = n.next_start_on, upcoming_starts = n.upcoming_starts, enrollment_windows = n.enrollment_windows
    FROM (
        SELECT ids.id,
               min(g.starts_on) FILTER (WHERE g.status IN ('planned', 'enrolling')) AS next_start_on,
               coalesce(range_agg(daterange(g.starts_on, g.starts_on, '[]')) FILTER (WHERE g.status IN ('planned', 'enrolling')),
                        '{}'::datemultirange) AS upcoming_starts,
               coalesce(range_agg(tstzrange(g.enrollment_opens_at, g.enrollment_closes_at)) FILTER (WHERE g.status = 'enrolling'),
                        '{}'::tstzmultirange) AS enrollment_windows
        FROM unnest(program_ids) AS ids (id)
        LEFT JOIN study_groups g ON g.program_id = ids.id
        GROUP BY ids.id
    ) n
    WHERE p.id = n.id
      AND (p.next_start_on, p.upcoming_starts, p.enrollment_windows)
          IS DISTINCT FROM (n.next_start_on, n.upcoming_starts, n.enrollment_windows);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION study_groups_refresh_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        PERFORM programs_refresh_schedule(ARRAY(SELECT DISTINCT program_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM programs_refresh_schedule(ARRAY(SELECT DISTINCT program_id FROM old_rows));
    ELSE
        PERFORM programs_refresh_schedule(ARRAY(
            SELECT program_id FROM new_rows UNION SELECT program_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER study_groups_schedule_ins AFTER INSERT ON study_groups
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION study_groups_refresh_schedule();
CREATE TRIGGER study_groups_schedule_upd AFTER UPDATE ON study_groups
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION study_groups_refresh_schedule();
CREATE TRIGGER study_groups_schedule_del AFTER DELETE ON study_groups
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION study_groups_refresh_schedule();

-- +goose Down
DROP TABLE study_groups;
DROP FUNCTION study_groups_refresh_schedule();
DROP FUNCTION programs_refresh_schedule(uuid[]);
DROP TYPE group_status;
DROP TABLE program_teachers;
DROP TABLE programs;
DROP FUNCTION catalog_tags_text(text[]);
DROP TYPE program_status;
DROP TYPE study_format;
DROP TYPE completion_document;
DROP TYPE program_kind;
DROP TABLE program_categories;
DROP FUNCTION program_categories_move_subtree();
DROP FUNCTION program_categories_set_path();
ALTER TABLE organizations
    DROP COLUMN updated_at, DROP COLUMN version,
    DROP COLUMN licence_issuer, DROP COLUMN licence_date, DROP COLUMN licence_number,
    DROP COLUMN correspondent_account, DROP COLUMN settlement_account, DROP COLUMN bik, DROP COLUMN bank_name,
    DROP COLUMN legal_address, DROP COLUMN ogrn, DROP COLUMN kpp, DROP COLUMN inn, DROP COLUMN legal_name,
    DROP COLUMN address, DROP COLUMN website, DROP COLUMN contact_phone, DROP COLUMN contact_email,
    DROP COLUMN description_html, DROP COLUMN description_md, DROP COLUMN logo_key, DROP COLUMN short_name;
