-- +goose Up
-- The profile: time zone, notification preferences, and closed accounts.

-- An IANA time zone name (checked by the application with the tz database).
ALTER TABLE users ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Moscow'
    CHECK (length(time_zone) BETWEEN 1 AND 64);

-- A closed account keeps its row (ids referenced by audit events and
-- organization records stay valid) but loses its personal data; it can
-- never sign in again.
ALTER TYPE user_status ADD VALUE IF NOT EXISTS 'closed';
ALTER TABLE users ADD COLUMN closed_at timestamptz;

-- What a user agrees to receive besides security and service messages,
-- which are always sent. No row means the defaults: informational mailings
-- on, advertising off (advertising needs a prior opt-in).
CREATE TABLE notification_preferences (
    user_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email_news        boolean NOT NULL DEFAULT true,
    email_marketing   boolean NOT NULL DEFAULT false,
    sms_marketing     boolean NOT NULL DEFAULT false,
    -- When advertising was last agreed to (proof of consent); NULL when it
    -- is off on every channel.
    marketing_consent_at  timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE notification_preferences;
ALTER TABLE users DROP COLUMN closed_at;
-- PostgreSQL cannot drop an enum value: rebuild the type without it.
UPDATE users SET status = 'blocked' WHERE status = 'closed';
ALTER TABLE users ALTER COLUMN status DROP DEFAULT;
ALTER TYPE user_status RENAME TO user_status_with_closed;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE (
        SELECT format('CREATE TYPE user_status AS ENUM (%s)', string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder))
        FROM pg_enum
        WHERE enumtypid = 'user_status_with_closed'::regtype AND enumlabel <> 'closed');
END
$$;
-- +goose StatementEnd
ALTER TABLE users ALTER COLUMN status TYPE user_status USING status::text::user_status,
    ALTER COLUMN status SET DEFAULT 'active';
DROP TYPE user_status_with_closed;
ALTER TABLE users DROP COLUMN time_zone;
