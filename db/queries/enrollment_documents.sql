-- The documents of applications.

-- name: GetApplicationDocumentByKind :one
SELECT * FROM application_documents WHERE application_id = @application_id AND kind = @kind;

-- name: GetApplicationDocument :one
SELECT * FROM application_documents WHERE application_id = @application_id AND id = @id;

-- name: ListApplicationDocuments :many
SELECT * FROM application_documents WHERE application_id = @application_id ORDER BY kind;

-- name: PutApplicationDocument :one
-- One document per kind: a new upload replaces the row (and a new id).
INSERT INTO application_documents (application_id, kind, file_name, blob_key, content_type, size_bytes, sha256)
VALUES (@application_id, @kind, @file_name, @blob_key, @content_type, @size_bytes, @sha256)
ON CONFLICT (application_id, kind) DO UPDATE SET
    id = gen_random_uuid(), file_name = EXCLUDED.file_name, blob_key = EXCLUDED.blob_key,
    content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256,
    created_at = now()
RETURNING *;
