-- name: LockOrganization :one
-- Returns the organization and serializes changes to its people (roles,
-- blocks, invitations, imports), so two admins demoting each other at the
-- same moment cannot leave it without an admin. NO KEY UPDATE does not block
-- sign-ups that add memberships (their foreign-key check takes KEY SHARE).
SELECT * FROM organizations WHERE id = @id FOR NO KEY UPDATE;

-- name: CountActiveAdmins :one
SELECT count(*) FROM memberships
WHERE organization_id = @organization_id AND role = 'admin' AND status = 'active';

-- name: GrantMembership :execrows
-- Zero rows when the user is already a member (in any role or status).
INSERT INTO memberships (organization_id, user_id, role)
VALUES (@organization_id, @user_id, @role)
ON CONFLICT (organization_id, user_id) DO NOTHING;

-- name: GetMember :one
SELECT m.user_id, m.role, m.status, m.created_at AS joined_at, m.blocked_at,
       u.first_name, u.last_name, u.email, u.phone, u.locale
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.organization_id = @organization_id AND m.user_id = @user_id;

-- name: ListMembers :many
-- A page of the organization's members in the order they joined, filtered by
-- role, status and a search: pattern is a lower-case LIKE pattern matched
-- against the e-mail and both orders of the name; phone_pattern (digits only)
-- against the phone.
SELECT m.user_id, m.role, m.status, m.created_at AS joined_at, m.blocked_at,
       u.first_name, u.last_name, u.email, u.phone, u.locale
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.organization_id = @organization_id
  AND (sqlc.narg(role)::member_role IS NULL OR m.role = sqlc.narg(role)::member_role)
  AND (sqlc.narg(status)::membership_status IS NULL OR m.status = sqlc.narg(status)::membership_status)
  AND (sqlc.narg(pattern)::text IS NULL
       OR u.email LIKE sqlc.narg(pattern)::text
       OR lower(u.first_name || ' ' || u.last_name) LIKE sqlc.narg(pattern)::text
       OR lower(u.last_name || ' ' || u.first_name) LIKE sqlc.narg(pattern)::text
       OR (sqlc.narg(phone_pattern)::text IS NOT NULL AND u.phone LIKE sqlc.narg(phone_pattern)::text))
  AND (sqlc.narg(after_joined_at)::timestamptz IS NULL
       OR (m.created_at, m.user_id) > (sqlc.narg(after_joined_at)::timestamptz, sqlc.narg(after_user_id)::uuid))
ORDER BY m.created_at, m.user_id
LIMIT @max_rows;

-- name: SetMemberRole :exec
UPDATE memberships SET role = @role WHERE organization_id = @organization_id AND user_id = @user_id;

-- name: SetMemberStatus :exec
UPDATE memberships
SET status = @status,
    blocked_at = CASE WHEN @status::membership_status = 'blocked' THEN now() END
WHERE organization_id = @organization_id AND user_id = @user_id;

-- name: ListOrganizationsAdministeredBy :many
-- The organizations where the user is an active admin, in the order their
-- rows are locked (by id), so concurrent closures cannot deadlock.
SELECT organization_id FROM memberships
WHERE user_id = @user_id AND role = 'admin' AND status = 'active'
ORDER BY organization_id;
