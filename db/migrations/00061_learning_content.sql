-- +goose Up
-- The learning domain's shared core: a program's content (modules, then
-- lessons) and the learners' completed lessons. internal/learning owns the
-- authoring and the learner's table of contents; internal/assessment keeps a
-- test lesson's settings and questions in tables of its own keyed by the
-- lesson; completion documents read the completions through learning.Verdict.

CREATE TABLE learning_modules (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL,
    program_id       uuid NOT NULL,
    -- Order within the program: 1, 2, … (reordering rewrites them).
    position         integer NOT NULL CHECK (position >= 1),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    UNIQUE (program_id, id),
    FOREIGN KEY (organization_id, program_id) REFERENCES programs (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX learning_modules_program ON learning_modules (program_id, position);

CREATE TYPE lesson_kind AS ENUM ('text', 'video', 'file', 'webinar', 'test');

CREATE TABLE lessons (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid NOT NULL,
    program_id          uuid NOT NULL,
    module_id           uuid NOT NULL,
    -- Order within the module: 1, 2, …; the program's order is the modules'
    -- order, then this.
    position            integer NOT NULL CHECK (position >= 1),
    kind                lesson_kind NOT NULL,
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    -- Mandatory lessons count towards completion, optional ones only
    -- towards the percentage.
    mandatory           boolean NOT NULL DEFAULT true,
    -- The program's final attestation: a test lesson, at most one per
    -- program; passing it is required for the completion document.
    final               boolean NOT NULL DEFAULT false,
    -- When it opens: at a date, and/or a number of days after the learner's
    -- group starts, and/or (sequential mode) once the lesson before it is
    -- completed. All given conditions must hold.
    opens_at            timestamptz,
    opens_after_days    integer CHECK (opens_after_days BETWEEN 0 AND 3650),
    after_previous      boolean NOT NULL DEFAULT false,
    -- A deadline shown in the calendar (a test's closing, an assignment's).
    due_at              timestamptz,
    -- text: Markdown and its sanitized HTML (internal/markdown).
    body_md             text NOT NULL DEFAULT '' CHECK (length(body_md) <= 200000),
    body_html           text NOT NULL DEFAULT '',
    -- video: a link or an embed URL (https only, checked by the API).
    video_url           text CHECK (length(video_url) <= 2000),
    -- file: a blob in internal/blob.
    file_key            text,
    file_name           text CHECK (length(file_name) <= 255),
    file_content_type   text,
    file_size           bigint CHECK (file_size >= 0),
    file_sha256         text CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    -- webinar
    webinar_starts_at   timestamptz,
    webinar_minutes     integer CHECK (webinar_minutes BETWEEN 1 AND 1440),
    webinar_join_url    text CHECK (length(webinar_join_url) <= 2000),
    webinar_recording_url text CHECK (length(webinar_recording_url) <= 2000),
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    UNIQUE (program_id, id),
    FOREIGN KEY (program_id, module_id) REFERENCES learning_modules (program_id, id) ON DELETE CASCADE,
    CONSTRAINT lessons_final_is_test CHECK (NOT final OR kind = 'test'),
    CONSTRAINT lessons_webinar CHECK (kind <> 'webinar' OR (webinar_starts_at IS NOT NULL AND webinar_minutes IS NOT NULL))
);
CREATE INDEX lessons_module ON lessons (module_id, position);
CREATE INDEX lessons_program ON lessons (program_id);
CREATE UNIQUE INDEX lessons_one_final ON lessons (program_id) WHERE final;
CREATE INDEX lessons_webinars ON lessons (webinar_starts_at) WHERE kind = 'webinar';

-- A learner's completed lesson: explicitly ("manual") or by passing its
-- test ("test"). Kept once; completing again changes nothing.
CREATE TABLE lesson_completions (
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id     uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    program_id    uuid NOT NULL,
    source        text NOT NULL CHECK (source IN ('manual', 'test')),
    completed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_completions_program ON lesson_completions (program_id, user_id);

-- +goose Down
DROP TABLE lesson_completions;
DROP TABLE lessons;
DROP TYPE lesson_kind;
DROP TABLE learning_modules;
