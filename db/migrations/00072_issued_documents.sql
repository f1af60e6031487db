-- +goose Up
-- Completion documents (удостоверение о повышении квалификации, диплом о
-- профессиональной переподготовке, сертификат): issued when a learner meets
-- a program's requirements, numbered from the organization's sequence
-- (internal/docnumber), rendered once as a PDF kept in blob storage and
-- signed as an Open Badges 3.0 credential (internal/credential).

-- An organization's numbering and the signature block of its documents.
-- Without a row the defaults of internal/completion apply. Each document
-- kind has its own sequence (document_counters kind = the kind), pattern,
-- reset and optional series.
CREATE TABLE completion_settings (
    organization_id        uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    prefix                 text NOT NULL DEFAULT '' CHECK (length(prefix) <= 20),
    city                   text NOT NULL DEFAULT '' CHECK (length(city) <= 100),
    signatory_title        text NOT NULL DEFAULT '' CHECK (length(signatory_title) <= 100),
    signatory_name         text NOT NULL DEFAULT '' CHECK (length(signatory_name) <= 100),
    qualification_pattern  text NOT NULL CHECK (length(qualification_pattern) BETWEEN 1 AND 100),
    qualification_reset    text NOT NULL CHECK (qualification_reset IN ('never', 'yearly')),
    qualification_series   text NOT NULL DEFAULT '' CHECK (length(qualification_series) <= 20),
    diploma_pattern        text NOT NULL CHECK (length(diploma_pattern) BETWEEN 1 AND 100),
    diploma_reset          text NOT NULL CHECK (diploma_reset IN ('never', 'yearly')),
    diploma_series         text NOT NULL DEFAULT '' CHECK (length(diploma_series) <= 20),
    certificate_pattern    text NOT NULL CHECK (length(certificate_pattern) BETWEEN 1 AND 100),
    certificate_reset      text NOT NULL CHECK (certificate_reset IN ('never', 'yearly')),
    certificate_series     text NOT NULL DEFAULT '' CHECK (length(certificate_series) <= 20),
    updated_by             uuid REFERENCES users (id),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE issued_document_status AS ENUM ('valid', 'revoked');

CREATE TABLE issued_documents (
    id                   uuid PRIMARY KEY,
    organization_id      uuid NOT NULL REFERENCES organizations (id),
    program_id           uuid NOT NULL,
    group_id             uuid NOT NULL,
    application_id       uuid NOT NULL REFERENCES applications (id),
    user_id              uuid NOT NULL REFERENCES users (id),
    kind                 completion_document NOT NULL CHECK (kind <> 'none'),
    -- The registration number as printed, its place in the sequence and the
    -- sequence's period (the year for yearly patterns, else 0).
    registration_number  text NOT NULL CHECK (length(registration_number) BETWEEN 1 AND 200),
    seq                  bigint NOT NULL CHECK (seq > 0),
    period               integer NOT NULL,
    -- The series and number of the form (ФИС ФРДО's «серия» and «номер»):
    -- the configured series and the sequence number, six digits.
    series               text NOT NULL DEFAULT '',
    number               text NOT NULL,
    issued_at            timestamptz NOT NULL,
    issued_on            date NOT NULL,
    -- A snapshot of what the document says, as it said it.
    program_title        text NOT NULL,
    program_kind         program_kind NOT NULL,
    hours                integer NOT NULL CHECK (hours > 0),
    studied_from         date,
    studied_to           date,
    last_name            text NOT NULL,
    first_name           text NOT NULL,
    patronymic           text,
    birth_date           date,
    sex                  text,
    citizenship          text,
    snils                text,
    education_level      text,
    diploma_series       text,
    diploma_number       text,
    diploma_surname      text,
    status               issued_document_status NOT NULL DEFAULT 'valid',
    revoked_at           timestamptz,
    revoked_by           uuid REFERENCES users (id),
    revoke_reason        text CHECK (length(revoke_reason) <= 2000),
    -- The document this one replaces (a reissue); that one is revoked.
    reissue_of           uuid REFERENCES issued_documents (id),
    -- NULL: issued by the completion check when the requirements were met.
    issued_by            uuid REFERENCES users (id),
    -- Set when staff issued it although the requirements were not met.
    override_reason      text CHECK (length(override_reason) <= 2000),
    -- The credential's place in the organization's revocation status lists
    -- (list = index / 131072, bit = index % 131072), from 0.
    status_index         bigint NOT NULL CHECK (status_index >= 0),
    pdf_key              text NOT NULL,
    pdf_sha256           text NOT NULL CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
    pdf_size             bigint NOT NULL CHECK (pdf_size > 0),
    credential_jwt       text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, registration_number),
    UNIQUE (organization_id, status_index),
    FOREIGN KEY (organization_id, program_id) REFERENCES programs (organization_id, id),
    FOREIGN KEY (organization_id, group_id) REFERENCES study_groups (organization_id, id),
    CONSTRAINT issued_documents_revoked CHECK (
        (status = 'valid' AND revoked_at IS NULL) OR
        (status = 'revoked' AND revoked_at IS NOT NULL AND revoke_reason IS NOT NULL))
);
-- One valid document per learner and program: concurrent checks cannot
-- issue twice (the issuer also serializes them with an advisory lock).
CREATE UNIQUE INDEX issued_documents_one_valid ON issued_documents (user_id, program_id) WHERE status = 'valid';
CREATE INDEX issued_documents_org ON issued_documents (organization_id, issued_at DESC, id DESC);
CREATE INDEX issued_documents_user ON issued_documents (user_id, issued_at DESC, id DESC);
CREATE INDEX issued_documents_revoked ON issued_documents (organization_id, status_index) WHERE status = 'revoked';

-- +goose Down
DROP TABLE issued_documents;
DROP TYPE issued_document_status;
DROP TABLE completion_settings;
