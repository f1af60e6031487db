-- +goose Up
-- Shared machinery of the account lifecycle: the message outbox, rate limits,
-- one-time codes and links, the audit log, and recent-authentication times.

-- Messages are written here in the same transaction as the change that causes
-- them; a worker delivers them (FOR UPDATE SKIP LOCKED, so any number of
-- instances can run it). Bodies are rendered when enqueued.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient        text NOT NULL,
    template         text NOT NULL,
    locale           text NOT NULL DEFAULT 'ru',
    subject          text NOT NULL DEFAULT '',
    body_text        text NOT NULL,
    body_html        text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_recent ON outbox (created_at DESC);

-- Fixed-window counters keyed by what is limited ("login:ip:1.2.3.4",
-- "login:account:<id>"). Shared by every instance.
CREATE TABLE rate_limits (
    key           text PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL,
    locked_until  timestamptz
);

-- One-time codes and links (e-mail/phone confirmation, recovery, invitations).
-- Only a hash is stored; attempts are counted so short codes cannot be guessed.
CREATE TABLE one_time_codes (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid REFERENCES users (id) ON DELETE CASCADE,
    purpose       text NOT NULL,
    target        text NOT NULL DEFAULT '',
    code_hash     bytea NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL,
    expires_at    timestamptz NOT NULL,
    consumed_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX one_time_codes_lookup ON one_time_codes (purpose, user_id) WHERE consumed_at IS NULL;
CREATE INDEX one_time_codes_hash ON one_time_codes (code_hash);

-- Security-relevant events, readable by the user and by organization admins.
CREATE TABLE audit_events (
    id               bigserial PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    event            text NOT NULL,
    user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_id         uuid REFERENCES users (id) ON DELETE SET NULL,
    organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
    ip               inet,
    user_agent       text NOT NULL DEFAULT '',
    details          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_user ON audit_events (user_id, id DESC);
CREATE INDEX audit_events_org ON audit_events (organization_id, id DESC);

-- When the session's owner last proved who they are (password, second
-- factor): sensitive changes need it to be recent.
ALTER TABLE sessions ADD COLUMN authenticated_at timestamptz NOT NULL DEFAULT now();

-- An account may have no password (it signs in by certificate or through an
-- identity provider) and no phone (an invited member may add it later).
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL, ALTER COLUMN phone DROP NOT NULL;

-- +goose Down
ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL, ALTER COLUMN phone SET NOT NULL;
ALTER TABLE sessions DROP COLUMN authenticated_at;
DROP TABLE audit_events;
DROP TABLE one_time_codes;
DROP TABLE rate_limits;
DROP TABLE outbox;
