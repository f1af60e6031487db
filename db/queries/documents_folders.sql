-- Folders of the document archive.

-- name: CreateDocumentFolder :one
INSERT INTO document_folders (owner_id, organization_id, parent_id, name)
VALUES (sqlc.narg(owner_id), sqlc.narg(organization_id), sqlc.narg(parent_id), @name)
RETURNING *;

-- name: GetDocumentFolder :one
SELECT * FROM document_folders WHERE id = @id;

-- name: LockDocumentFolder :one
SELECT * FROM document_folders WHERE id = @id FOR UPDATE;

-- name: ListDocumentFolders :many
-- A space's folders by name; only the children of parent_id when
-- only_children is set (its root when parent_id is NULL).
SELECT sqlc.embed(document_folders), lower(name)::text AS sort_name FROM document_folders
WHERE owner_id IS NOT DISTINCT FROM sqlc.narg(owner_id)::uuid
  AND organization_id IS NOT DISTINCT FROM sqlc.narg(organization_id)::uuid
  AND (NOT @only_children::boolean OR parent_id IS NOT DISTINCT FROM sqlc.narg(parent_id)::uuid)
  AND (sqlc.narg(after_name)::text IS NULL OR (lower(name), id) > (sqlc.narg(after_name)::text, sqlc.narg(after_id)::uuid))
ORDER BY lower(name), id
LIMIT @max_rows;

-- name: FolderIsWithin :one
-- Whether folder candidate is folder ancestor or one of its descendants:
-- moving ancestor under candidate would make a cycle.
WITH RECURSIVE chain (id, parent_id) AS (
    SELECT f.id, f.parent_id FROM document_folders f WHERE f.id = @candidate
    UNION
    SELECT p.id, p.parent_id FROM document_folders p JOIN chain c ON p.id = c.parent_id
)
SELECT count(*) > 0 AS within FROM chain WHERE chain.id = @ancestor::uuid;

-- name: UpdateDocumentFolder :one
UPDATE document_folders SET name = @name, parent_id = sqlc.narg(parent_id), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: FolderIsEmpty :one
-- No subfolders and no documents but deleted ones.
SELECT (NOT EXISTS (SELECT 1 FROM document_folders c WHERE c.parent_id = @id::uuid)
   AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.folder_id = @id::uuid AND d.deleted_at IS NULL))::boolean AS empty;

-- name: DeleteDocumentFolder :exec
DELETE FROM document_folders WHERE id = @id;

-- name: LockFolderSpace :exec
-- Serializes moves of folders within one space, so two moves cannot make a cycle together.
SELECT pg_advisory_xact_lock(hashtextextended(@space::text, 81));
