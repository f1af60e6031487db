-- name: MarkEmailVerifiedByRecovery :exec
-- Following an e-mailed reset link proves the address, as a confirmation
-- link would: mark it confirmed if it is still the account's e-mail.
UPDATE users SET email_verified_at = now(), updated_at = now()
WHERE id = @id AND email = @email AND email_verified_at IS NULL;
