-- name: CreateCertificateChallenge :one
INSERT INTO certificate_challenges (purpose, user_id, challenge, expires_at)
VALUES (@purpose, sqlc.narg(user_id), @challenge, @expires_at)
RETURNING *;

-- name: PruneCertificateChallenges :exec
-- Challenges are useless an hour after they expire; each new one clears a
-- bounded batch of old ones, so the table stays small without a cron job.
DELETE FROM certificate_challenges
WHERE id IN (
    SELECT id FROM certificate_challenges
    WHERE expires_at < now() - interval '1 hour'
    LIMIT 100
);

-- name: UseCertificateChallenge :one
-- Marks a challenge used and returns it, atomically: of two requests with
-- the same challenge exactly one gets the row. Expiry is checked by the caller
-- (so it can say "expired" rather than "unknown").
UPDATE certificate_challenges SET used_at = now()
WHERE id = @id
  AND purpose = @purpose
  AND user_id IS NOT DISTINCT FROM sqlc.narg(user_id)
  AND used_at IS NULL
RETURNING *;

-- name: CreateUserCertificate :one
INSERT INTO user_certificates (user_id, fingerprint, subject, issuer, serial_number, key_algorithm, not_before, not_after, der)
VALUES (@user_id, @fingerprint, @subject, @issuer, @serial_number, @key_algorithm, @not_before, @not_after, @der)
RETURNING *;

-- name: GetCertificateByFingerprint :one
SELECT * FROM user_certificates WHERE fingerprint = @fingerprint;

-- name: GetUserCertificate :one
SELECT * FROM user_certificates WHERE id = @id AND user_id = @user_id;

-- name: ListUserCertificates :many
SELECT * FROM user_certificates WHERE user_id = @user_id ORDER BY created_at, id;

-- name: CountUserCertificates :one
SELECT count(*) FROM user_certificates WHERE user_id = @user_id;

-- name: CountOtherValidCertificates :one
-- Certificates of the user, other than @except_id, that can sign in at @at.
SELECT count(*) FROM user_certificates
WHERE user_id = @user_id AND id <> @except_id AND not_before <= @at AND not_after > @at;

-- name: DeleteUserCertificate :execrows
DELETE FROM user_certificates WHERE id = @id AND user_id = @user_id;

-- name: TouchUserCertificate :exec
UPDATE user_certificates SET last_used_at = now() WHERE id = @id;
