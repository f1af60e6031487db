-- name: CreateInvitedUser :one
-- An account created by accepting an invitation: the link came by e-mail, so
-- the address is confirmed.
INSERT INTO users (email, phone, first_name, last_name, password_hash, locale, email_verified_at)
VALUES (@email, @phone, @first_name, @last_name, @password_hash::text, @locale, now())
RETURNING *;

-- name: CreateImportedUser :one
-- An account created by bulk import with an issued initial password, which
-- must be changed before initial_password_expires_at.
INSERT INTO users (email, phone, first_name, last_name, password_hash, locale,
                   password_must_change, initial_password_expires_at)
VALUES (@email, @phone, @first_name, @last_name, @password_hash::text, @locale,
        true, @initial_password_expires_at)
RETURNING *;

-- name: ReplaceInitialPassword :execrows
-- The user chose their own password in place of the issued one. The issued
-- password travelled only by e-mail, so knowing it confirms the address.
-- Zero rows when a concurrent request replaced it first: it works once.
UPDATE users
SET password_hash = @password_hash::text,
    password_must_change = false,
    initial_password_expires_at = NULL,
    email_verified_at = coalesce(email_verified_at, now()),
    updated_at = now()
WHERE id = @id AND password_must_change;

-- name: ClearInitialPassword :exec
-- Ends the initial-password regime of an account (lifts the expiry block).
-- A password reset calls it in the transaction that sets the new password.
UPDATE users
SET password_must_change = false, initial_password_expires_at = NULL, updated_at = now()
WHERE id = @id;
