-- +goose Up
-- Tests and attempts (internal/assessment). A test is a lesson of kind
-- 'test' (00061): its settings live in assessment_tests keyed by the
-- lesson; its questions come from the program's question bank. An attempt
-- keeps a snapshot of the questions it drew (keys included) and of the
-- settings it started under, so editing or deleting bank questions never
-- changes a graded attempt.

-- The question bank of a program. body is an internal/quiz Question without
-- its id (the row's id is the question's id): prompt, options, targets,
-- key, scoring, points, explanation.
CREATE TABLE assessment_questions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL,
    program_id       uuid NOT NULL,
    type             text NOT NULL CHECK (type IN ('single_choice', 'multiple_choice', 'short_text', 'numeric', 'ordering', 'matching')),
    -- The section, for pools drawn per tag; '' is none.
    tag              text NOT NULL DEFAULT '' CHECK (length(tag) <= 100),
    body             jsonb NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, program_id) REFERENCES programs (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX assessment_questions_program ON assessment_questions (program_id, created_at, id);

-- A test lesson's settings: an internal/quiz Settings (without the close
-- date, which is the lesson's due_at) plus which bank questions it draws
-- from (questionIds, or tags, or the whole bank).
CREATE TABLE assessment_tests (
    lesson_id        uuid PRIMARY KEY,
    organization_id  uuid NOT NULL,
    program_id       uuid NOT NULL,
    settings         jsonb NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (program_id, lesson_id) REFERENCES lessons (program_id, id) ON DELETE CASCADE
);

-- One learner's attempt at a test. status moves once, from 'started' to
-- 'submitted' (the learner) or 'expired' (the server, after the deadline
-- and its grace), by a conditional UPDATE … WHERE status = 'started', so a
-- submission, the expiry job and a second submission cannot both close it.
CREATE TABLE assessment_attempts (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL,
    program_id       uuid NOT NULL,
    lesson_id        uuid NOT NULL REFERENCES assessment_tests (lesson_id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    number           integer NOT NULL CHECK (number >= 1),
    seed             bigint NOT NULL,
    question_ids     text[] NOT NULL,
    -- The drawn questions as they were at the start ([]quiz.Question).
    questions        jsonb NOT NULL,
    -- The settings the attempt started under (quiz.Settings).
    settings         jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'started' CHECK (status IN ('started', 'submitted', 'expired')),
    started_at       timestamptz NOT NULL,
    deadline         timestamptz,
    grace_ms         bigint NOT NULL DEFAULT 0 CHECK (grace_ms >= 0),
    -- Saved answers by question id (map[string]quiz.Answer); every save
    -- bumps answers_version.
    answers          jsonb NOT NULL DEFAULT '{}',
    answers_version  integer NOT NULL DEFAULT 0,
    closed_at        timestamptz,
    -- quiz.Result, and its figures for lists.
    result           jsonb,
    score            double precision,
    max_score        double precision,
    percent          double precision,
    passed           boolean,
    UNIQUE (lesson_id, user_id, number),
    CONSTRAINT assessment_attempts_closed CHECK ((status = 'started') = (closed_at IS NULL))
);
-- At most one open attempt per learner and test.
CREATE UNIQUE INDEX assessment_attempts_open ON assessment_attempts (lesson_id, user_id) WHERE status = 'started';
CREATE INDEX assessment_attempts_lesson ON assessment_attempts (lesson_id, started_at, id);
CREATE INDEX assessment_attempts_user ON assessment_attempts (user_id, lesson_id, number);
-- The sweep's look-up of open attempts past their deadline.
CREATE INDEX assessment_attempts_overdue ON assessment_attempts (deadline) WHERE status = 'started' AND deadline IS NOT NULL;

-- +goose Down
DROP TABLE assessment_attempts;
DROP TABLE assessment_tests;
DROP TABLE assessment_questions;
