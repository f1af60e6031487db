-- name: LockUserSignInMethods :exec
-- Locks the user row so that changes to one account's ways to sign in
-- (binding, unbinding, linking, unlinking) are serialized: two concurrent
-- removals cannot each leave the other as the last way in.
SELECT 1 FROM users WHERE id = @id FOR UPDATE;

-- name: CountOtherSignInMethods :one
-- The ways the user could still sign in without the certificate or SSO
-- identity about to be removed: a password, a currently valid certificate,
-- a linked identity. Call it after locking the user row, so two concurrent
-- removals cannot each leave the other as the last way in.
SELECT ((SELECT count(*) FROM users u WHERE u.id = @user_id AND u.password_hash IS NOT NULL)
      + (SELECT count(*) FROM user_certificates c
         WHERE c.user_id = @user_id AND c.id <> @except_certificate_id AND c.not_before <= now() AND c.not_after > now())
      + (SELECT count(*) FROM sso_identities i WHERE i.user_id = @user_id AND i.id <> @except_identity_id))::bigint AS methods;

-- The ways other than the password to sign in to an account; removed when
-- the account is closed.

-- name: DeleteUserCertificates :exec
DELETE FROM user_certificates WHERE user_id = @user_id;

-- name: DeleteUserSSOIdentities :exec
DELETE FROM sso_identities WHERE user_id = @user_id;

-- name: DeleteUserAuthenticator :exec
DELETE FROM totp_authenticators WHERE user_id = @user_id;

-- name: DeleteUserRecoveryCodes :exec
DELETE FROM recovery_codes WHERE user_id = @user_id;
