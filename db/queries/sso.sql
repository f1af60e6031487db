-- name: CreateSSOState :exec
INSERT INTO sso_states (state_hash, provider, purpose, user_id, session_id, nonce, code_verifier, redirect_uri, remember_me, expires_at)
VALUES (@state_hash, @provider, @purpose, @user_id, @session_id, @nonce, @code_verifier, @redirect_uri, @remember_me, @expires_at);

-- name: ConsumeSSOState :one
-- Single use: the first callback with the state takes it, whatever happens next.
DELETE FROM sso_states WHERE state_hash = @state_hash RETURNING *;

-- name: DeleteExpiredSSOStates :exec
DELETE FROM sso_states WHERE expires_at < now();

-- name: GetSSOIdentityBySubject :one
SELECT * FROM sso_identities WHERE issuer = @issuer AND subject = @subject;

-- name: CreateSSOIdentity :one
INSERT INTO sso_identities (user_id, provider, issuer, subject, email, last_used_at)
VALUES (@user_id, @provider, @issuer, @subject, @email, @last_used_at)
RETURNING *;

-- name: TouchSSOIdentity :exec
UPDATE sso_identities SET last_used_at = now(), email = coalesce(sqlc.narg(email)::text, email) WHERE id = @id;

-- name: ListUserSSOIdentities :many
SELECT * FROM sso_identities WHERE user_id = @user_id ORDER BY created_at, id;

-- name: DeleteSSOIdentity :execrows
DELETE FROM sso_identities WHERE id = @id AND user_id = @user_id;

-- name: CountUserSSOIdentities :one
SELECT count(*) FROM sso_identities WHERE user_id = @user_id;

-- name: CreateSSOUser :one
-- An account made at the first SSO sign-in: no password; the e-mail and
-- phone count as confirmed when the provider says so.
INSERT INTO users (email, phone, first_name, last_name, password_hash, locale, email_verified_at, phone_verified_at)
VALUES (@email, @phone, @first_name, @last_name, NULL, @locale, @email_verified_at, @phone_verified_at)
RETURNING *;
