-- +goose Up
-- Building blocks of the learning domain that own state of their own:
-- registration-number counters (internal/docnumber) and the secret tokens of
-- calendar feeds (internal/ical).

-- The last registration number issued per organization, document kind and
-- period (the year for patterns that restart yearly, else 0). Issuing a
-- number increments the row inside the transaction that stores the document,
-- so concurrent issuers queue on the row lock and a rollback gives the
-- number back: no gaps, no duplicates.
CREATE TABLE document_counters (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    period           integer NOT NULL CHECK (period = 0 OR period BETWEEN 1900 AND 9999),
    last_value       bigint NOT NULL CHECK (last_value >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, kind, period)
);

-- A user's calendar feed token: the secret in the subscription URL that
-- calendar apps fetch without a bearer header. Only its SHA-256 hash is
-- stored; one token per user, replaced to rotate and deleted to revoke.
CREATE TABLE calendar_feed_tokens (
    user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);

-- +goose Down
DROP TABLE calendar_feed_tokens;
DROP TABLE document_counters;
