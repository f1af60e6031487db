-- The history of applications.

-- name: AddApplicationEvent :one
INSERT INTO application_events (application_id, event, actor_id, from_status, to_status, reason, internal)
VALUES (@application_id, @event, sqlc.narg(actor_id), sqlc.narg(from_status), sqlc.narg(to_status), sqlc.narg(reason), @internal)
RETURNING *;

-- name: ListApplicationEvents :many
-- Oldest first; the applicant's view leaves out staff's internal notes.
SELECT e.*, u.first_name AS actor_first_name, u.last_name AS actor_last_name
FROM application_events e
LEFT JOIN users u ON u.id = e.actor_id
WHERE e.application_id = @application_id AND (@with_internal::boolean OR NOT e.internal)
ORDER BY e.id;
