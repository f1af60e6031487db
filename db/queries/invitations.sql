-- name: CreateInvitation :one
INSERT INTO invitations (organization_id, email, role, first_name, last_name, locale, token_hash, invited_by, expires_at)
VALUES (@organization_id, @email, @role, @first_name, @last_name, @locale, @token_hash, @invited_by, @expires_at)
RETURNING *;

-- name: CreateAcceptedInvitation :one
-- The address already has an account: the membership is granted at once, so
-- the invitation is born accepted and carries no link.
INSERT INTO invitations (organization_id, email, role, first_name, last_name, locale, invited_by, expires_at, accepted_at, accepted_user_id)
VALUES (@organization_id, @email, @role, @first_name, @last_name, @locale, @invited_by, now(), now(), @accepted_user_id)
RETURNING *;

-- name: GetOpenInvitationByEmailForUpdate :one
SELECT * FROM invitations
WHERE organization_id = @organization_id AND email = @email
  AND accepted_at IS NULL AND revoked_at IS NULL
FOR UPDATE;

-- name: GetOpenInvitationForUpdate :one
-- An invitation of the organization that was neither accepted nor revoked
-- (it may have expired: resending revives it).
SELECT * FROM invitations
WHERE organization_id = @organization_id AND id = @id
  AND accepted_at IS NULL AND revoked_at IS NULL
FOR UPDATE;

-- name: GetInvitationByTokenForUpdate :one
-- Locks the invitation so two concurrent acceptances of one link are
-- serialized: the second sees accepted_at set.
SELECT sqlc.embed(i), o.slug AS organization_slug, o.name AS organization_name, o.is_default AS organization_is_default
FROM invitations i
JOIN organizations o ON o.id = i.organization_id
WHERE i.token_hash = @token_hash
FOR UPDATE OF i;

-- name: ListOpenInvitations :many
-- A page of the organization's open invitations (expired ones included), in
-- the order they were created; the cursor is the last row's (created_at, id).
SELECT * FROM invitations
WHERE organization_id = @organization_id
  AND accepted_at IS NULL AND revoked_at IS NULL
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) > (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at, id
LIMIT @max_rows;

-- name: RenewInvitationToken :one
-- A new link replaces the old one, which stops working.
UPDATE invitations SET token_hash = @token_hash, expires_at = @expires_at
WHERE id = @id
RETURNING *;

-- name: RevokeInvitation :exec
UPDATE invitations SET revoked_at = now(), token_hash = NULL WHERE id = @id;

-- name: MarkInvitationAccepted :exec
UPDATE invitations SET accepted_at = now(), accepted_user_id = @user_id, token_hash = NULL WHERE id = @id;
