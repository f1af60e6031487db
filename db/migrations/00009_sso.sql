-- +goose Up
-- Sign-in through external OpenID Connect providers (ЕСИА/Госуслуги or any
-- standards-compliant one).

-- An identity at a provider (issuer + subject) linked to one account. The
-- provider name is the configured one (for display and lookups by name); the
-- issuer is what identifies the provider in its tokens, so renaming a
-- provider in the configuration keeps its links.
CREATE TABLE sso_identities (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider      text NOT NULL,
    issuer        text NOT NULL,
    subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    -- The e-mail the provider gave when the identity was linked (display only).
    email         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    CONSTRAINT sso_identities_subject_key UNIQUE (issuer, subject),
    -- One identity per provider and account: a second one would be ambiguous.
    CONSTRAINT sso_identities_user_provider_key UNIQUE (user_id, provider)
);

-- An authorization request in flight: created by "start", consumed (deleted)
-- by the first callback that presents its state. Kept in PostgreSQL so any
-- instance can finish what another one started. The state is stored only as
-- a SHA-256 hash; the PKCE verifier must be sent to the provider, so it is
-- kept as is, but only for minutes and never leaves the server.
CREATE TABLE sso_states (
    state_hash     bytea PRIMARY KEY,
    provider       text NOT NULL,
    purpose        text NOT NULL CHECK (purpose IN ('sign_in', 'link')),
    -- For linking: the account and session that asked for it.
    user_id        uuid REFERENCES users (id) ON DELETE CASCADE,
    session_id     uuid REFERENCES sessions (id) ON DELETE CASCADE,
    nonce          text NOT NULL,
    code_verifier  text NOT NULL,
    redirect_uri   text NOT NULL,
    remember_me    boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    CHECK ((purpose = 'link') = (user_id IS NOT NULL AND session_id IS NOT NULL))
);
CREATE INDEX sso_states_expiry ON sso_states (expires_at);

-- +goose Down
DROP TABLE sso_states;
DROP TABLE sso_identities;
