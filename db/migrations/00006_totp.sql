-- +goose Up
-- TOTP second factor: the authenticator secret, recovery codes, the
-- second step of a password sign-in, and organizations that require a second
-- factor of their staff.

-- One authenticator per user. Several devices may hold the same secret (the
-- user scans the QR code on each). The secret must be read back to compute
-- the expected codes, so it cannot be hashed: it is sealed with AES-256-GCM
-- (key from KABINET_TOTP_ENCRYPTION_KEY) and bound to the user's id.
CREATE TABLE totp_authenticators (
    user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed   bytea NOT NULL,
    -- NULL while the enrolment waits for its first code.
    enabled_at      timestamptz,
    -- The 30-second time step of the last accepted code: codes of this or an
    -- earlier step are refused, so a code works once.
    last_used_step  bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Ten one-time recovery codes per enabled authenticator, stored as SHA-256
-- (each carries 80 random bits, so a fast hash is enough).
CREATE TABLE recovery_codes (
    id          bigserial PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX recovery_codes_lookup ON recovery_codes (user_id, code_hash);

-- A password sign-in of an account with a second factor gets a challenge
-- instead of tokens; the second step redeems it. Only the token's SHA-256 is
-- stored; it is short-lived, single-use and attempt-limited.
CREATE TABLE second_factor_challenges (
    token_hash   bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    remember_me  boolean NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    expires_at   timestamptz NOT NULL,
    consumed_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX second_factor_challenges_user ON second_factor_challenges (user_id);

-- When true, the organization's staff (every role but learner) must have a
-- second factor to use its staff endpoints.
ALTER TABLE organizations ADD COLUMN require_staff_2fa boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE organizations DROP COLUMN require_staff_2fa;
DROP TABLE second_factor_challenges;
DROP TABLE recovery_codes;
DROP TABLE totp_authenticators;
