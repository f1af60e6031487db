-- +goose Up
-- The document archive: folders, documents with their versions, and grants.

CREATE TYPE document_type AS ENUM ('contract', 'invoice', 'act', 'certificate', 'statement', 'other');
CREATE TYPE document_permission AS ENUM ('read', 'manage');

-- A folder lives in one space: a user's personal space (owner_id) or an
-- organization's (organization_id). Names are unique among siblings (case
-- folded); cycles are refused by the application under the space's lock.
CREATE TABLE document_folders (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id         uuid REFERENCES users (id) ON DELETE CASCADE,
    organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
    parent_id        uuid REFERENCES document_folders (id) ON DELETE RESTRICT,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((owner_id IS NULL) <> (organization_id IS NULL)),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX document_folders_sibling_name ON document_folders (
    coalesce(owner_id, organization_id), coalesce(parent_id, '00000000-0000-0000-0000-000000000000'), lower(name));
CREATE INDEX document_folders_parent ON document_folders (parent_id);

-- +goose StatementBegin
-- The text a document is found by: its title (both configs, so «договоров»
-- finds «Договор» and a number or a name is found as written), tags, issuer
-- and the string and number values of its metadata.
CREATE FUNCTION documents_search_vector(title text, tags text[], issued_by text, metadata jsonb) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('russian', coalesce(title, '')), 'A') ||
           setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
           setweight(to_tsvector('simple', coalesce(array_to_string(tags, ' '), '')), 'B') ||
           setweight(to_tsvector('russian', coalesce(issued_by, '')), 'C') ||
           setweight(to_tsvector('simple', coalesce(issued_by, '')), 'C') ||
           setweight(jsonb_to_tsvector('russian', coalesce(metadata, '{}'), '["string", "numeric"]'), 'D') ||
           setweight(jsonb_to_tsvector('simple', coalesce(metadata, '{}'), '["string", "numeric"]'), 'D')
$$;
-- +goose StatementEnd

-- A document lives in a personal space (owner_id) or an organization's
-- (organization_id). One an organization issued to a learner (an invoice, an
-- act, a certificate) lives in the learner's space with issuer_organization_id
-- set: the learner reads it, the issuer's staff manage it.
CREATE TABLE documents (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id                uuid REFERENCES users (id) ON DELETE CASCADE,
    organization_id         uuid REFERENCES organizations (id) ON DELETE CASCADE,
    issuer_organization_id  uuid REFERENCES organizations (id) ON DELETE SET NULL,
    folder_id               uuid REFERENCES document_folders (id) ON DELETE SET NULL,
    title                   text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    type                    document_type NOT NULL,
    tags                    text[] NOT NULL DEFAULT '{}',
    issued_by               text NOT NULL DEFAULT '' CHECK (length(issued_by) <= 300),
    document_date           date,
    metadata                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    -- Published by another domain (an invoice, an act, an application's
    -- file): the same source and id publish one document.
    source                  text,
    source_id               text,
    current_version         integer NOT NULL DEFAULT 0,
    -- Bumped by every change of the metadata: the ETag of If-Match.
    revision                integer NOT NULL DEFAULT 1,
    created_by              uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    deleted_by              uuid REFERENCES users (id) ON DELETE SET NULL,
    search                  tsvector GENERATED ALWAYS AS (documents_search_vector(title, tags, issued_by, metadata)) STORED,
    CHECK ((owner_id IS NULL) <> (organization_id IS NULL)),
    CHECK (issuer_organization_id IS NULL OR owner_id IS NOT NULL),
    CHECK ((source IS NULL) = (source_id IS NULL))
);
CREATE UNIQUE INDEX documents_source ON documents (source, source_id) WHERE source IS NOT NULL;
CREATE INDEX documents_owner ON documents (owner_id, created_at DESC, id DESC) WHERE owner_id IS NOT NULL;
CREATE INDEX documents_organization ON documents (organization_id, created_at DESC, id DESC) WHERE organization_id IS NOT NULL;
CREATE INDEX documents_issuer ON documents (issuer_organization_id, created_at DESC, id DESC) WHERE issuer_organization_id IS NOT NULL;
CREATE INDEX documents_folder ON documents (folder_id);
CREATE INDEX documents_search ON documents USING gin (search);
CREATE INDEX documents_tags ON documents USING gin (tags);
CREATE INDEX documents_deleted ON documents (deleted_at) WHERE deleted_at IS NOT NULL;

-- A version is a file of a document: 1, 2, …; never updated (the trigger
-- below refuses it), removed only with its document by the purge.
CREATE TABLE document_versions (
    document_id   uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number        integer NOT NULL CHECK (number > 0),
    blob_key      text NOT NULL UNIQUE,
    file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, number)
);

-- +goose StatementBegin
CREATE FUNCTION document_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'document versions are never overwritten';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER document_versions_no_update BEFORE UPDATE ON document_versions
    FOR EACH ROW EXECUTE FUNCTION document_versions_immutable();

-- A grant gives a user, or every member of an organization in a role, read
-- or manage access to one document.
CREATE TABLE document_grants (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id      uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    grantee_id       uuid REFERENCES users (id) ON DELETE CASCADE,
    organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
    role             member_role,
    permission       document_permission NOT NULL,
    granted_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    granted_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((grantee_id IS NOT NULL AND organization_id IS NULL AND role IS NULL)
        OR (grantee_id IS NULL AND organization_id IS NOT NULL AND role IS NOT NULL))
);
CREATE UNIQUE INDEX document_grants_user ON document_grants (document_id, grantee_id) WHERE grantee_id IS NOT NULL;
CREATE UNIQUE INDEX document_grants_role ON document_grants (document_id, organization_id, role) WHERE grantee_id IS NULL;
CREATE INDEX document_grants_grantee ON document_grants (grantee_id) WHERE grantee_id IS NOT NULL;
CREATE INDEX document_grants_org_role ON document_grants (organization_id, role) WHERE grantee_id IS NULL;

-- +goose StatementBegin
-- What user u may do with document d: 2 manage, 1 read, 0 nothing. The
-- owner manages a personal document and reads one issued to them; the
-- managers, directors and admins of the space's (or issuer's) organization
-- manage; grants add the rest (a role grant only while the membership is
-- active in that role).
CREATE FUNCTION document_access(d documents, u uuid) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT greatest(
        CASE WHEN d.owner_id = u THEN CASE WHEN d.issuer_organization_id IS NULL THEN 2 ELSE 1 END ELSE 0 END,
        CASE WHEN EXISTS (
            SELECT 1 FROM memberships m
            WHERE m.user_id = u AND m.organization_id = coalesce(d.organization_id, d.issuer_organization_id)
              AND m.status = 'active' AND m.role IN ('manager', 'director', 'admin')) THEN 2 ELSE 0 END,
        (SELECT max(CASE g.permission WHEN 'manage' THEN 2 ELSE 1 END)
         FROM document_grants g
         WHERE g.document_id = d.id
           AND (g.grantee_id = u OR EXISTS (
               SELECT 1 FROM memberships m
               WHERE m.user_id = u AND m.organization_id = g.organization_id AND m.role = g.role AND m.status = 'active'))),
        0)
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION document_access(documents, uuid);
DROP TABLE document_grants;
DROP TABLE document_versions;
DROP FUNCTION document_versions_immutable();
DROP TABLE documents;
DROP FUNCTION documents_search_vector(text, text[], text, jsonb);
DROP TABLE document_folders;
DROP TYPE document_permission;
DROP TYPE document_type;
