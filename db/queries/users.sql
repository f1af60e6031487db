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
-- Used to upgrade a hash made with older argon2id parameters after a successful sign-in.
UPDATE users SET password_hash = @password_hash::text, updated_at = now() WHERE id = @id;
