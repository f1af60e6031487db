-- +goose Up
-- Organization administration: staff invitations, per-organization blocking
-- of members, and initial passwords issued by bulk import.

-- A member blocked in one organization keeps the global account and every
-- other membership; only this organization's data is closed to them.
CREATE TYPE membership_status AS ENUM ('active', 'blocked');
ALTER TABLE memberships
    ADD COLUMN status      membership_status NOT NULL DEFAULT 'active',
    ADD COLUMN blocked_at  timestamptz;
CREATE INDEX memberships_org ON memberships (organization_id, created_at, user_id);

-- An invitation asks somebody, by e-mail, to join an organization with a
-- role. The link token is stored only as a SHA-256 hash; resending replaces
-- the hash, so the old link dies. An address that already has an account is
-- granted the membership at once: its invitation is accepted when created
-- and has no token.
CREATE TABLE invitations (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email             text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    role              member_role NOT NULL,
    first_name        text NOT NULL DEFAULT '',
    last_name         text NOT NULL DEFAULT '',
    locale            text NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
    token_hash        bytea UNIQUE,
    invited_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    accepted_at       timestamptz,
    accepted_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    revoked_at        timestamptz
);
-- At most one open invitation per address and organization.
CREATE UNIQUE INDEX invitations_open ON invitations (organization_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_org ON invitations (organization_id, created_at, id);

-- An account created with an issued initial password must change it at the
-- first sign-in, before initial_password_expires_at; after that it cannot
-- sign in until a password reset clears both columns.
ALTER TABLE users
    ADD COLUMN password_must_change         boolean NOT NULL DEFAULT false,
    ADD COLUMN initial_password_expires_at  timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN initial_password_expires_at, DROP COLUMN password_must_change;
DROP TABLE invitations;
DROP INDEX memberships_org;
ALTER TABLE memberships DROP COLUMN blocked_at, DROP COLUMN status;
DROP TYPE membership_status;
