-- Documents of the archive.

-- name: CreateDocument :one
INSERT INTO documents (owner_id, organization_id, issuer_organization_id, folder_id, title, type, tags, issued_by,
                       document_date, metadata, source, source_id, created_by)
VALUES (sqlc.narg(owner_id), sqlc.narg(organization_id), sqlc.narg(issuer_organization_id), sqlc.narg(folder_id),
        @title, @type, @tags, @issued_by, sqlc.narg(document_date), @metadata, sqlc.narg(source), sqlc.narg(source_id),
        sqlc.narg(created_by))
RETURNING *;

-- name: GetDocumentAccess :one
-- A document with what viewer may do with it (see document_access); no row
-- when nothing.
SELECT sqlc.embed(d), document_access(d, @viewer)::integer AS access
FROM documents d
WHERE d.id = @id AND document_access(d, @viewer) > 0;

-- name: LockDocument :one
SELECT * FROM documents WHERE id = @id FOR UPDATE;

-- name: GetDocumentBySource :one
SELECT * FROM documents WHERE source = @source AND source_id = @source_id FOR UPDATE;

-- name: UpdateDocument :one
UPDATE documents SET title = @title, type = @type, tags = @tags, issued_by = @issued_by,
    document_date = sqlc.narg(document_date), metadata = @metadata, folder_id = sqlc.narg(folder_id),
    revision = revision + 1, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: SetDocumentCurrentVersion :one
UPDATE documents SET current_version = @current_version, revision = revision + 1, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: SoftDeleteDocument :one
UPDATE documents SET deleted_at = now(), deleted_by = @deleted_by, revision = revision + 1, updated_at = now()
WHERE id = @id AND deleted_at IS NULL
RETURNING *;

-- name: RestoreDocument :one
UPDATE documents SET deleted_at = NULL, deleted_by = NULL, revision = revision + 1, updated_at = now()
WHERE id = @id AND deleted_at IS NOT NULL
RETURNING *;

-- name: ListDocuments :many
-- One page of the documents viewer may see in one space, filtered and
-- sorted by sort_by: 'date' (document date, newest first), 'created'
-- (newest first), 'title' (A–Z) or 'relevance' (with q: best first). The
-- keyset is (sort key, id); the key of the last row goes in the cursor.
WITH found AS (
    SELECT d.*,
           (CASE WHEN sqlc.narg(q)::text IS NULL THEN 0::real
                ELSE ts_rank(d.search, websearch_to_tsquery('russian', sqlc.narg(q)::text) || websearch_to_tsquery('simple', sqlc.narg(q)::text)) END)::real AS rank,
           coalesce(d.document_date, (d.created_at AT TIME ZONE 'UTC')::date) AS sort_date
    FROM documents d
    WHERE (sqlc.narg(owner_id)::uuid IS NULL OR d.owner_id = sqlc.narg(owner_id)::uuid)
      AND (sqlc.narg(organization_id)::uuid IS NULL OR d.organization_id = sqlc.narg(organization_id)::uuid)
      AND (sqlc.narg(issuer_id)::uuid IS NULL OR d.issuer_organization_id = sqlc.narg(issuer_id)::uuid)
      AND (NOT @shared::boolean OR (d.owner_id IS DISTINCT FROM @viewer AND EXISTS (
              SELECT 1 FROM document_grants g
              WHERE g.document_id = d.id
                AND (g.grantee_id = @viewer OR EXISTS (
                    SELECT 1 FROM memberships m
                    WHERE m.user_id = @viewer AND m.organization_id = g.organization_id AND m.role = g.role AND m.status = 'active')))))
      AND (d.deleted_at IS NOT NULL) = @deleted::boolean
      AND (sqlc.narg(type)::document_type IS NULL OR d.type = sqlc.narg(type)::document_type)
      AND (sqlc.narg(folder_id)::uuid IS NULL OR d.folder_id = sqlc.narg(folder_id)::uuid)
      AND (sqlc.narg(tag)::text IS NULL OR d.tags @> ARRAY[sqlc.narg(tag)::text])
      AND (sqlc.narg(date_from)::date IS NULL OR d.document_date >= sqlc.narg(date_from)::date)
      AND (sqlc.narg(date_to)::date IS NULL OR d.document_date <= sqlc.narg(date_to)::date)
      AND (sqlc.narg(q)::text IS NULL OR d.search @@ (websearch_to_tsquery('russian', sqlc.narg(q)::text) || websearch_to_tsquery('simple', sqlc.narg(q)::text)))
      AND document_access(d, @viewer) > 0
)
SELECT sqlc.embed(doc), f.rank::real AS rank, f.sort_date, lower(f.title)::text AS sort_title, document_access(doc, @viewer)::integer AS access
FROM found f JOIN documents doc ON doc.id = f.id
WHERE sqlc.narg(after_id)::uuid IS NULL
   OR (@sort_by::text = 'title' AND (lower(f.title), f.id) > (sqlc.narg(after_text)::text, sqlc.narg(after_id)::uuid))
   OR (@sort_by::text = 'date' AND (f.sort_date, f.id) < (sqlc.narg(after_date)::date, sqlc.narg(after_id)::uuid))
   OR (@sort_by::text = 'created' AND (f.created_at, f.id) < (sqlc.narg(after_time)::timestamptz, sqlc.narg(after_id)::uuid))
   OR (@sort_by::text = 'relevance' AND (f.rank, f.id) < (sqlc.narg(after_rank)::real, sqlc.narg(after_id)::uuid))
ORDER BY
    CASE WHEN @sort_by::text = 'title' THEN lower(f.title) END,
    CASE WHEN @sort_by::text = 'date' THEN f.sort_date END DESC,
    CASE WHEN @sort_by::text = 'created' THEN f.created_at END DESC,
    CASE WHEN @sort_by::text = 'relevance' THEN f.rank END DESC,
    CASE WHEN @sort_by::text = 'title' THEN f.id END,
    CASE WHEN @sort_by::text <> 'title' THEN f.id END DESC
LIMIT @max_rows;

-- name: ListPurgeableDocuments :many
SELECT id FROM documents WHERE deleted_at < @before ORDER BY deleted_at LIMIT @max_rows;

-- name: PurgeDocument :execrows
DELETE FROM documents WHERE id = @id AND deleted_at < @before;

-- name: LockDocumentSource :exec
-- Serializes publications of one source document (see documents.Publish).
SELECT pg_advisory_xact_lock(hashtextextended(@source::text || '/' || @source_id::text, 80));

-- name: TrashDocumentsOfClosedUser :exec
-- Closing an account puts the user's own documents in the trash (the purge
-- removes them and their files after the retention) and drops the grants
-- made to the user; documents organizations issued to them stay with the
-- issuer as its record.
WITH trashed AS (
    UPDATE documents SET deleted_at = now(), deleted_by = @user_id::uuid, revision = revision + 1, updated_at = now()
    WHERE owner_id = @user_id::uuid AND issuer_organization_id IS NULL AND deleted_at IS NULL
    RETURNING id
)
DELETE FROM document_grants WHERE grantee_id = @user_id::uuid;

-- name: MergeDocumentMetadataBySource :execrows
-- Merges patch into the metadata of the document published for a source
-- (documents.SetSourceMetadata); no row when it already says so.
UPDATE documents SET metadata = metadata || @patch::jsonb, revision = revision + 1, updated_at = now()
WHERE source = @source AND source_id = @source_id AND NOT metadata @> @patch::jsonb;
