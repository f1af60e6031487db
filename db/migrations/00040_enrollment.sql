-- +goose Up
-- Enrollment: the personal data state-format documents need (in the
-- profile), applications to groups with their documents, and every
-- transition of an application with its actor, time and reason.

-- The learner's personal data for state-format documents (ФИС ФРДО):
-- patronymic, date of birth, sex, citizenship (OKSM code) and СНИЛС (11
-- digits, its check number verified by internal/requisites). NULL = not given.
ALTER TABLE users
    ADD COLUMN patronymic   text CHECK (length(patronymic) BETWEEN 1 AND 100),
    ADD COLUMN birth_date   date CHECK (birth_date >= '1900-01-01'),
    ADD COLUMN sex          text CHECK (sex IN ('male', 'female')),
    ADD COLUMN citizenship  text CHECK (citizenship ~ '^[0-9]{3}$'),
    ADD COLUMN snils        text CHECK (snils ~ '^[0-9]{11}$');

-- Programs that need no manager's review (webinars, seminars): submitting
-- an application approves it at once, a seat permitting.
ALTER TABLE programs ADD COLUMN auto_approve boolean NOT NULL DEFAULT false;

-- draft → submitted → (needs_changes → resubmitted)* → approved | rejected;
-- waitlisted: approved in principle, waiting for a seat; withdrawn: by the
-- learner, from any status but rejected and withdrawn.
CREATE TYPE application_status AS ENUM (
    'draft', 'submitted', 'needs_changes', 'resubmitted', 'waitlisted', 'approved', 'rejected', 'withdrawn');

CREATE TABLE applications (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id        uuid NOT NULL,
    program_id             uuid NOT NULL,
    group_id               uuid NOT NULL,
    user_id                uuid NOT NULL REFERENCES users (id),
    status                 application_status NOT NULL DEFAULT 'draft',
    -- The personal data the applicant sends the organization: prefilled
    -- from the profile when the application is made, then the application's
    -- own (the organization sees this copy, never the profile).
    last_name              text NOT NULL CHECK (length(last_name) <= 100),
    first_name             text NOT NULL CHECK (length(first_name) <= 100),
    patronymic             text CHECK (length(patronymic) BETWEEN 1 AND 100),
    birth_date             date CHECK (birth_date >= '1900-01-01'),
    sex                    text CHECK (sex IN ('male', 'female')),
    citizenship            text CHECK (citizenship ~ '^[0-9]{3}$'),
    snils                  text CHECK (snils ~ '^[0-9]{11}$'),
    -- Prior education (ПК and ПП): higher (ВО) or secondary vocational (СПО).
    education_level        text CHECK (education_level IN ('higher', 'secondary_vocational')),
    diploma_series         text CHECK (length(diploma_series) BETWEEN 1 AND 20),
    diploma_number         text CHECK (length(diploma_number) BETWEEN 1 AND 30),
    diploma_surname        text CHECK (length(diploma_surname) BETWEEN 1 AND 100),
    -- The consent to personal-data processing given at the last submission.
    consent_policy_version text,
    consent_at             timestamptz,
    -- When the application last entered the managers' queue (submitted or
    -- resubmitted): the queue is sorted by it, oldest first.
    waiting_since          timestamptz,
    submitted_at           timestamptz,
    decided_at             timestamptz,
    -- The waiting list is ordered by (waitlisted_at, id).
    waitlisted_at          timestamptz,
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, program_id) REFERENCES programs (organization_id, id),
    FOREIGN KEY (organization_id, group_id) REFERENCES study_groups (organization_id, id),
    -- A draft was never sent; a withdrawn application may have been a draft.
    CONSTRAINT applications_sent CHECK (status IN ('draft', 'withdrawn') OR (waiting_since IS NOT NULL AND submitted_at IS NOT NULL)),
    CONSTRAINT applications_waitlist CHECK (status <> 'waitlisted' OR waitlisted_at IS NOT NULL)
);
-- One open application per applicant and group; a rejected or withdrawn one
-- does not stop a new one.
CREATE UNIQUE INDEX applications_one_open ON applications (group_id, user_id)
    WHERE status NOT IN ('rejected', 'withdrawn');
CREATE INDEX applications_user ON applications (user_id, created_at DESC, id DESC);
CREATE INDEX applications_queue ON applications (organization_id, waiting_since, id) WHERE submitted_at IS NOT NULL;
CREATE INDEX applications_waitlist ON applications (group_id, waitlisted_at, id) WHERE status = 'waitlisted';
CREATE INDEX applications_program ON applications (program_id, user_id) WHERE status = 'approved';

-- The documents of an application: one per kind of the program's
-- checklist; uploading a kind again replaces the file.
CREATE TABLE application_documents (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id  uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('passport', 'prior_education_diploma', 'name_change_certificate',
                                                   'snils', 'photo', 'employment_record', 'other')),
    file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    blob_key        text NOT NULL UNIQUE,
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (application_id, kind)
);

-- Every transition and comment: who, when, from and to which status, why.
-- internal comments are staff notes the applicant does not see.
CREATE TABLE application_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    event           text NOT NULL CHECK (event IN ('created', 'submitted', 'resubmitted', 'changes_requested',
                                                    'approved', 'waitlisted', 'promoted', 'rejected', 'withdrawn', 'commented')),
    -- NULL: done by the system (an automatic approval, a promotion).
    actor_id        uuid REFERENCES users (id),
    from_status     application_status,
    to_status       application_status,
    reason          text CHECK (length(reason) <= 5000),
    internal        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_events_application ON application_events (application_id, id);

-- +goose Down
DROP TABLE application_events;
DROP TABLE application_documents;
DROP TABLE applications;
DROP TYPE application_status;
ALTER TABLE programs DROP COLUMN auto_approve;
ALTER TABLE users DROP COLUMN patronymic, DROP COLUMN birth_date, DROP COLUMN sex,
    DROP COLUMN citizenship, DROP COLUMN snils;
