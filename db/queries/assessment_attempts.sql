-- name: CountTestAttempts :one
SELECT count(*)::int FROM assessment_attempts WHERE lesson_id = @lesson_id AND user_id = @user_id;

-- name: GetOpenAttempt :one
SELECT * FROM assessment_attempts WHERE lesson_id = @lesson_id AND user_id = @user_id AND status = 'started';

-- name: CreateAttempt :one
INSERT INTO assessment_attempts (organization_id, program_id, lesson_id, user_id, number, seed, question_ids, questions, settings,
    started_at, deadline, grace_ms)
VALUES (@organization_id, @program_id, @lesson_id, @user_id, @number, @seed, @question_ids, @questions, @settings,
    @started_at, @deadline, @grace_ms)
RETURNING *;

-- name: GetAttempt :one
SELECT * FROM assessment_attempts WHERE id = @id;

-- name: LockAttempt :one
SELECT * FROM assessment_attempts WHERE id = @id FOR UPDATE;

-- name: SaveAttemptAnswer :one
-- Saves one answer (NULL clears it) while the attempt is open at @now: the
-- status and the deadline are decided here, not by what the caller read.
UPDATE assessment_attempts SET
    answers = CASE WHEN sqlc.narg(answer)::jsonb IS NULL THEN answers - @question_id::text
                   ELSE jsonb_set(answers, ARRAY[@question_id::text], sqlc.narg(answer)::jsonb) END,
    answers_version = answers_version + 1
WHERE id = @id AND user_id = @user_id AND status = 'started'
  AND (deadline IS NULL OR deadline + grace_ms * interval '1 millisecond' >= @now::timestamptz)
RETURNING answers_version;

-- name: CloseAttempt :one
-- The one transition out of started; a second closer finds no row.
UPDATE assessment_attempts SET status = @status, closed_at = @closed_at, result = @result,
    score = @score, max_score = @max_score, percent = @percent, passed = @passed
WHERE id = @id AND status = 'started'
RETURNING *;

-- name: ListMyAttempts :many
SELECT a.*, (u.first_name || ' ' || u.last_name)::text AS learner_name
FROM assessment_attempts a JOIN users u ON u.id = a.user_id
WHERE a.lesson_id = @lesson_id AND a.user_id = @user_id
ORDER BY a.number;

-- name: ListLessonAttempts :many
SELECT a.*, (u.first_name || ' ' || u.last_name)::text AS learner_name
FROM assessment_attempts a JOIN users u ON u.id = a.user_id
WHERE a.lesson_id = @lesson_id
  AND (sqlc.narg(user_id)::uuid IS NULL OR a.user_id = sqlc.narg(user_id))
  AND (sqlc.narg(status)::text IS NULL OR a.status = sqlc.narg(status))
  AND (sqlc.narg(after_at)::timestamptz IS NULL OR (a.started_at, a.id) > (sqlc.narg(after_at), @after_id::uuid))
ORDER BY a.started_at, a.id
LIMIT @max;

-- name: LearnerName :one
SELECT (first_name || ' ' || last_name)::text FROM users WHERE id = @id;

-- name: OverdueAttempts :many
-- Open attempts whose deadline and grace are over at @now: the sweep's work.
SELECT id FROM assessment_attempts
WHERE status = 'started' AND deadline IS NOT NULL AND deadline < @now::timestamptz
  AND deadline + grace_ms * interval '1 millisecond' < @now::timestamptz
ORDER BY deadline
LIMIT @max;
