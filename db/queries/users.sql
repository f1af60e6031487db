-- name: CreateUser :one
INSERT INTO users (email, phone, first_name, last_name, password_hash, locale)
VALUES (@email, @phone, @first_name, @last_name, @password_hash, @locale)
RETURNING *;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = @id;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE email = @email;

-- name: GetUserByPhone :one
SELECT * FROM users WHERE phone = @phone::text;

-- name: UpdateUserPasswordHash :exec
-- Sets a new password (change, reset).
UPDATE users SET password_hash = @password_hash::text, updated_at = now() WHERE id = @id;

-- name: UpgradeUserPasswordHash :exec
-- Replaces a hash made with older argon2id parameters after a successful
-- sign-in, only if it is still the one checked: a password changed or reset
-- meanwhile must not be overwritten with the old one.
UPDATE users SET password_hash = @new_hash::text, updated_at = now()
WHERE id = @id AND password_hash = @old_hash::text;
