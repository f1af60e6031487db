-- name: GetTestLesson :one
-- A lesson of kind test of the program.
SELECT id, organization_id, program_id, title, final, due_at, opens_at FROM lessons
WHERE program_id = @program_id AND id = @id AND kind = 'test';

-- name: GetAssessmentTest :one
SELECT * FROM assessment_tests WHERE lesson_id = @lesson_id;

-- name: CreateAssessmentTest :one
INSERT INTO assessment_tests (lesson_id, organization_id, program_id, settings)
VALUES (@lesson_id, @organization_id, @program_id, @settings)
ON CONFLICT (lesson_id) DO NOTHING
RETURNING *;

-- name: UpdateAssessmentTest :one
UPDATE assessment_tests SET settings = @settings, version = version + 1, updated_at = now()
WHERE lesson_id = @lesson_id AND version = @version
RETURNING *;
