-- +goose Up
-- Certificate sign-in (electronic signature): X.509 certificates bound to
-- accounts, and the one-time challenges their keys sign.

-- A certificate is bound after its holder signed a challenge with its key
-- while signed in. Only public data is kept: the certificate itself and what
-- the list shows. A certificate belongs to at most one account.
CREATE TABLE user_certificates (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the DER encoding: how a presented certificate is found.
    fingerprint    bytea NOT NULL CHECK (length(fingerprint) = 32),
    subject        text NOT NULL,
    issuer         text NOT NULL,
    serial_number  text NOT NULL,
    key_algorithm  text NOT NULL,
    not_before     timestamptz NOT NULL,
    not_after      timestamptz NOT NULL,
    der            bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz
);
CREATE UNIQUE INDEX user_certificates_fingerprint ON user_certificates (fingerprint);
CREATE INDEX user_certificates_user ON user_certificates (user_id, created_at, id);

-- A challenge is random bytes the client signs. It is not a secret (only the
-- private key is), so it is stored as is; it is accepted once (used_at) and
-- only until expires_at. Binding challenges belong to the signed-in user who
-- asked for them; sign-in challenges to nobody.
CREATE TABLE certificate_challenges (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    purpose     text NOT NULL CHECK (purpose IN ('bind', 'sign_in')),
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    challenge   bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((purpose = 'bind') = (user_id IS NOT NULL))
);
CREATE INDEX certificate_challenges_expiry ON certificate_challenges (expires_at);

-- +goose Down
DROP TABLE certificate_challenges;
DROP TABLE user_certificates;
