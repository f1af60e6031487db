-- Grants of access to one document.

-- name: PutDocumentUserGrant :one
INSERT INTO document_grants (document_id, grantee_id, permission, granted_by)
VALUES (@document_id, @grantee_id, @permission, @granted_by)
ON CONFLICT (document_id, grantee_id) WHERE grantee_id IS NOT NULL
DO UPDATE SET permission = EXCLUDED.permission, granted_by = EXCLUDED.granted_by, granted_at = now()
RETURNING *;

-- name: PutDocumentRoleGrant :one
INSERT INTO document_grants (document_id, organization_id, role, permission, granted_by)
VALUES (@document_id, @organization_id, @role, @permission, @granted_by)
ON CONFLICT (document_id, organization_id, role) WHERE grantee_id IS NULL
DO UPDATE SET permission = EXCLUDED.permission, granted_by = EXCLUDED.granted_by, granted_at = now()
RETURNING *;

-- name: ListDocumentGrants :many
SELECT sqlc.embed(g), u.first_name AS grantee_first_name, u.last_name AS grantee_last_name
FROM document_grants g LEFT JOIN users u ON u.id = g.grantee_id
WHERE g.document_id = @document_id
  AND (sqlc.narg(after_time)::timestamptz IS NULL OR (g.granted_at, g.id) > (sqlc.narg(after_time)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY g.granted_at, g.id
LIMIT @max_rows;

-- name: DeleteDocumentGrant :execrows
DELETE FROM document_grants WHERE document_id = @document_id AND id = @id;

-- name: GetGrantee :one
-- An account a grant may name: one that exists and is not closed.
SELECT id, first_name, last_name FROM users WHERE id = @id AND status <> 'closed';
