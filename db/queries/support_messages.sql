-- name: CreateSupportMessage :one
INSERT INTO support_messages (ticket_id, author_id, from_staff, internal, body)
VALUES (@ticket_id, @author_id, @from_staff, @internal, @body)
RETURNING *;

-- name: ListSupportMessages :many
-- A ticket's thread, oldest first; internal notes only for staff.
SELECT sqlc.embed(m), u.first_name AS author_first_name, u.last_name AS author_last_name
FROM support_messages m JOIN users u ON u.id = m.author_id
WHERE m.ticket_id = @ticket_id
  AND (@include_internal::boolean OR NOT m.internal)
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (m.created_at, m.id) > (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY m.created_at, m.id
LIMIT @max_rows;
