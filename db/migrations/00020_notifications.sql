-- +goose Up
-- Notifications: the in-app inbox, preferences per category and channel,
-- live-update stream tickets, mobile devices for push, and the
-- organizations' opt-in mailings with one-click unsubscribe.

-- What a notification is about. Other domains feed these (see
-- internal/notifications); add values, never rename one.
CREATE TYPE notification_category AS ENUM
    ('application', 'payment', 'message', 'support', 'document', 'news', 'account');

-- Each user's notifications are numbered 1, 2, 3 … in commit order: the
-- counter row is locked by the publishing transaction until it commits, so a
-- stream that has seen number n never misses a later commit with a smaller
-- one (a global sequence could commit out of order).
CREATE TABLE notification_sequences (
    user_id   uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_seq  bigint NOT NULL
);

CREATE TABLE notifications (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq              bigint NOT NULL,
    organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
    category         notification_category NOT NULL,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body             text NOT NULL DEFAULT '' CHECK (length(body) <= 4000),
    -- What the notification opens: a resource (kind and id) and the SPA's
    -- relative path to it. All NULL when it opens nothing.
    link_kind        text CHECK (length(link_kind) BETWEEN 1 AND 64),
    link_id          text CHECK (length(link_id) BETWEEN 1 AND 128),
    link_path        text CHECK (link_path LIKE '/%' AND link_path NOT LIKE '//%' AND length(link_path) <= 512),
    created_at       timestamptz NOT NULL DEFAULT now(),
    read_at          timestamptz,
    UNIQUE (user_id, seq)
);
CREATE INDEX notifications_unread ON notifications (user_id, category) WHERE read_at IS NULL;

-- A user's choices per category; no row means the defaults (in-app on;
-- e-mail on for application, payment, support and document; SMS off).
CREATE TABLE notification_settings (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category    notification_category NOT NULL,
    in_app      boolean NOT NULL,
    email       boolean NOT NULL,
    sms         boolean NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, category)
);

-- A browser's EventSource cannot send an Authorization header: it opens the
-- stream with a ticket, valid for a minute and once, bound to the session
-- that asked for it. Only the SHA-256 of the ticket is kept.
CREATE TABLE stream_tickets (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- Mobile devices that receive pushes (FCM registration tokens), one per
-- token, each bound to the session that registered it.
CREATE TABLE devices (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token       text NOT NULL UNIQUE CHECK (length(token) BETWEEN 1 AND 4096),
    platform    text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_session ON devices (session_id);

-- A device stops receiving pushes when its session ends (sign-out,
-- revocation, password reset, closure): whatever code ends it.
-- +goose StatementBegin
CREATE FUNCTION devices_of_ended_session() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM devices WHERE session_id = NEW.id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER devices_of_ended_session AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION devices_of_ended_session();

-- An organization's mailings: information (news of the center) and
-- advertising (offers).
CREATE TYPE mailing_list AS ENUM ('information', 'advertising');

-- Opt-in subscriptions, with the time of consent and the version of the
-- mailing policy the user agreed to. Unsubscribing keeps the row (proof of
-- what was agreed and when it was withdrawn).
CREATE TABLE mailing_subscriptions (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    list             mailing_list NOT NULL,
    consented_at     timestamptz NOT NULL,
    policy_version   text NOT NULL CHECK (length(policy_version) BETWEEN 1 AND 64),
    unsubscribed_at  timestamptz,
    unsubscribed_via text CHECK (unsubscribed_via IN ('account', 'link')),
    PRIMARY KEY (user_id, organization_id, list)
);
CREATE INDEX mailing_subscriptions_recipients ON mailing_subscriptions (organization_id, list, user_id)
    WHERE unsubscribed_at IS NULL;

CREATE TYPE mailing_status AS ENUM ('queued', 'sending', 'sent');

CREATE TABLE mailings (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    list             mailing_list NOT NULL,
    subject          text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body             text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    status           mailing_status NOT NULL DEFAULT 'queued',
    -- The fan-out's progress: recipients are taken in user id order, so a
    -- retried batch starts after the last one written.
    last_user_id     uuid,
    recipient_count  integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX mailings_organization ON mailings (organization_id, created_at DESC, id DESC);

-- One-click unsubscribe links (RFC 8058): each mailing e-mail carries a
-- fresh random token naming its recipient and list; only its SHA-256 is
-- kept. Links keep working after later mailings.
CREATE TABLE mailing_unsubscribe_tokens (
    token_hash       bytea PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    list             mailing_list NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Extra e-mail headers of an outbox message (List-Unsubscribe and
-- List-Unsubscribe-Post for mailings).
ALTER TABLE outbox ADD COLUMN headers jsonb NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE outbox DROP COLUMN headers;
DROP TABLE mailing_unsubscribe_tokens;
DROP TABLE mailings;
DROP TYPE mailing_status;
DROP TABLE mailing_subscriptions;
DROP TYPE mailing_list;
DROP TRIGGER devices_of_ended_session ON sessions;
DROP FUNCTION devices_of_ended_session();
DROP TABLE devices;
DROP TABLE stream_tickets;
DROP TABLE notification_settings;
DROP TABLE notifications;
DROP TABLE notification_sequences;
DROP TYPE notification_category;
