-- +goose Up
-- A learner's last activity in a program (opening a lesson, completing
-- one): one row per learner and program, upserted at most once per request.
-- The percentage and the mandatory parts are not stored: they are counted
-- from lesson_completions against the program's current content, so a
-- lesson added or removed by staff is reflected at once.
CREATE TABLE learning_progress (
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    program_id        uuid NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    last_activity_at  timestamptz NOT NULL,
    -- The lesson last opened or completed (the SPA's "continue" button).
    last_lesson_id    uuid REFERENCES lessons (id) ON DELETE SET NULL,
    PRIMARY KEY (user_id, program_id)
);
CREATE INDEX learning_progress_program ON learning_progress (program_id);

-- +goose Down
DROP TABLE learning_progress;
