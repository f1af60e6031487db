-- Versions of archived documents: inserted, never updated.

-- name: CreateDocumentVersion :one
INSERT INTO document_versions (document_id, number, blob_key, file_name, content_type, size_bytes, sha256, uploaded_by)
VALUES (@document_id, @number, @blob_key, @file_name, @content_type, @size_bytes, @sha256, sqlc.narg(uploaded_by))
RETURNING *;

-- name: GetDocumentVersion :one
SELECT * FROM document_versions WHERE document_id = @document_id AND number = @number;

-- name: ListDocumentVersions :many
-- Newest first.
SELECT * FROM document_versions
WHERE document_id = @document_id AND (sqlc.narg(before_number)::integer IS NULL OR number < sqlc.narg(before_number)::integer)
ORDER BY number DESC
LIMIT @max_rows;

-- name: ListDocumentBlobKeys :many
SELECT blob_key FROM document_versions WHERE document_id = @document_id;

-- name: GetCurrentVersions :many
-- The current version of each of ids.
SELECT v.* FROM document_versions v JOIN documents d ON d.id = v.document_id AND d.current_version = v.number
WHERE d.id = ANY(@ids::uuid[]);
