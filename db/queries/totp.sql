-- name: GetTOTPForUpdate :one
-- Locks the authenticator, so two requests with the same code are serialized
-- and only the first one passes the replay check.
SELECT * FROM totp_authenticators WHERE user_id = @user_id FOR UPDATE;

-- name: GetTOTP :one
SELECT * FROM totp_authenticators WHERE user_id = @user_id;

-- name: StartTOTPEnrolment :execrows
-- Stores a new pending secret, replacing an older pending one; no row is
-- touched when an enabled authenticator exists.
INSERT INTO totp_authenticators AS t (user_id, secret_sealed)
VALUES (@user_id, @secret_sealed)
ON CONFLICT (user_id) DO UPDATE SET
    secret_sealed = EXCLUDED.secret_sealed, last_used_step = 0, created_at = now()
WHERE t.enabled_at IS NULL;

-- name: EnableTOTP :exec
UPDATE totp_authenticators SET enabled_at = now(), last_used_step = @step WHERE user_id = @user_id;

-- name: SetTOTPLastUsedStep :exec
UPDATE totp_authenticators SET last_used_step = @step WHERE user_id = @user_id AND last_used_step < @step;

-- name: DeleteTOTP :execrows
DELETE FROM totp_authenticators WHERE user_id = @user_id;

-- name: DeleteRecoveryCodes :exec
DELETE FROM recovery_codes WHERE user_id = @user_id;

-- name: InsertRecoveryCodes :exec
INSERT INTO recovery_codes (user_id, code_hash)
SELECT @user_id, h FROM unnest(@code_hashes::bytea[]) AS h;

-- name: UseRecoveryCode :execrows
UPDATE recovery_codes SET used_at = now()
WHERE user_id = @user_id AND code_hash = @code_hash AND used_at IS NULL;

-- name: CountUnusedRecoveryCodes :one
SELECT count(*) FROM recovery_codes WHERE user_id = @user_id AND used_at IS NULL;

-- name: CreateSecondFactorChallenge :exec
INSERT INTO second_factor_challenges (token_hash, user_id, remember_me, expires_at)
VALUES (@token_hash, @user_id, @remember_me, @expires_at);

-- name: DeleteStaleSecondFactorChallenges :exec
-- Keeps the table small: a user's used and expired challenges go when a new one is made.
DELETE FROM second_factor_challenges
WHERE user_id = @user_id AND (consumed_at IS NOT NULL OR expires_at <= now());

-- name: GetSecondFactorChallengeForUpdate :one
SELECT * FROM second_factor_challenges WHERE token_hash = @token_hash FOR UPDATE;

-- name: CountSecondFactorChallengeAttempt :one
UPDATE second_factor_challenges SET attempts = attempts + 1 WHERE token_hash = @token_hash RETURNING attempts;

-- name: ConsumeSecondFactorChallenge :exec
UPDATE second_factor_challenges SET consumed_at = now() WHERE token_hash = @token_hash;

-- name: DeleteSecondFactorChallenges :exec
-- A challenge issued before the second factor was removed, or before the
-- password was changed or reset, must not be redeemed.
DELETE FROM second_factor_challenges WHERE user_id = @user_id;

-- name: GetOrganizationRequireStaff2FA :one
SELECT require_staff_2fa FROM organizations WHERE id = @id;

-- name: SetOrganizationRequireStaff2FA :one
UPDATE organizations SET require_staff_2fa = @require_staff_2fa WHERE id = @id
RETURNING require_staff_2fa;

-- name: StaffSecondFactorMissing :one
-- True when organization_id requires a second factor of its staff and the
-- user has not enabled one.
SELECT (o.require_staff_2fa AND NOT EXISTS (
    SELECT 1 FROM totp_authenticators t WHERE t.user_id = @user_id AND t.enabled_at IS NOT NULL
))::boolean AS missing
FROM organizations o WHERE o.id = @organization_id;

-- name: ListOrganizationsAwaitingSecondFactor :many
-- The organizations where the user is staff, a second factor is required,
-- and the user has not enabled one (so its staff endpoints refuse the user).
SELECT m.organization_id
FROM memberships m
JOIN organizations o ON o.id = m.organization_id
WHERE m.user_id = @user_id
  AND m.role <> 'learner'
  AND o.require_staff_2fa
  AND NOT EXISTS (SELECT 1 FROM totp_authenticators t WHERE t.user_id = m.user_id AND t.enabled_at IS NOT NULL);

-- name: GetOrganizationName :one
SELECT name FROM organizations WHERE id = @id;

-- name: CountStaffMembershipsElsewhere :one
-- Organizations other than @organization_id where the user is staff: an
-- admin of one organization must not weaken another's staff account.
SELECT count(*) FROM memberships
WHERE user_id = @user_id AND organization_id <> @organization_id AND role <> 'learner';
