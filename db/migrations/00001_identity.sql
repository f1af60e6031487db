-- +goose Up
-- Global identities, organizations with memberships, and sign-in sessions.

CREATE TYPE member_role AS ENUM ('learner', 'teacher', 'manager', 'director', 'admin');
CREATE TYPE user_status AS ENUM ('active', 'blocked');

-- An organization is one education center; all later data is scoped to one.
CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- At most one default organization: the one self-registered learners join.
CREATE UNIQUE INDEX organizations_one_default ON organizations (is_default) WHERE is_default;

-- A fixed id lets a single-center deployment never notice organizations.
INSERT INTO organizations (id, slug, name, is_default)
VALUES ('00000000-0000-0000-0000-000000000001', 'default', 'Kabinet', true);

-- A user is a global identity: one e-mail, password and phone across every
-- organization where it has a membership.
CREATE TABLE users (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Stored normalized (trimmed, lower case), so the unique index is case-insensitive.
    email              text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    -- E.164.
    phone              text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    first_name         text NOT NULL,
    last_name          text NOT NULL,
    password_hash      text NOT NULL,
    locale             text NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
    status             user_status NOT NULL DEFAULT 'active',
    email_verified_at  timestamptz,
    phone_verified_at  timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_phone_key ON users (phone);

-- A membership grants a user a role in one organization.
CREATE TABLE memberships (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             member_role NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id, created_at, organization_id);

-- A session is one sign-in on one device; its refresh tokens form a family.
CREATE TABLE sessions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    remember_me   boolean NOT NULL,
    user_agent    text NOT NULL DEFAULT '',
    ip            inet,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoke_reason text
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored only as SHA-256 hashes; each is single-use.
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organizations;
DROP TYPE user_status;
DROP TYPE member_role;
