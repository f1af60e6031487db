-- name: AddMembership :exec
INSERT INTO memberships (organization_id, user_id, role)
VALUES (@organization_id, @user_id, @role)
ON CONFLICT (organization_id, user_id) DO NOTHING;

-- name: ListUserMemberships :many
-- A page of a user's memberships in the order they were granted; the cursor
-- is the (created_at, organization_id) of the last row of the previous page.
SELECT m.role, m.status, m.created_at AS joined_at,
       o.id AS organization_id, o.slug, o.name, o.is_default
FROM memberships m
JOIN organizations o ON o.id = m.organization_id
WHERE m.user_id = @user_id
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (m.created_at, m.organization_id) > (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_organization_id)::uuid))
ORDER BY m.created_at, m.organization_id
LIMIT @max_rows;

-- name: GetMembership :one
SELECT * FROM memberships WHERE organization_id = @organization_id AND user_id = @user_id;
