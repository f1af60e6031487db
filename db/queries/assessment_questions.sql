-- name: AssessmentProgramInOrg :one
-- Whether programID belongs to organizationID.
SELECT EXISTS (SELECT 1 FROM programs WHERE organization_id = @organization_id AND id = @program_id);

-- name: CreateBankQuestion :one
INSERT INTO assessment_questions (organization_id, program_id, type, tag, body)
VALUES (@organization_id, @program_id, @type, @tag, @body)
RETURNING *;

-- name: GetBankQuestion :one
SELECT * FROM assessment_questions WHERE program_id = @program_id AND id = @id;

-- name: ListBankQuestions :many
-- A page of the program's bank, oldest first, after the cursor (created_at, id).
SELECT * FROM assessment_questions
WHERE program_id = @program_id
  AND (sqlc.narg(type)::text IS NULL OR type = sqlc.narg(type))
  AND (sqlc.narg(tag)::text IS NULL OR tag = sqlc.narg(tag))
  AND (sqlc.narg(after_at)::timestamptz IS NULL OR (created_at, id) > (sqlc.narg(after_at), @after_id::uuid))
ORDER BY created_at, id
LIMIT @max;

-- name: UpdateBankQuestion :one
UPDATE assessment_questions SET type = @type, tag = @tag, body = @body, version = version + 1, updated_at = now()
WHERE program_id = @program_id AND id = @id AND version = @version
RETURNING *;

-- name: DeleteBankQuestion :execrows
DELETE FROM assessment_questions WHERE program_id = @program_id AND id = @id;

-- name: ProgramBank :many
-- The whole bank of a program, in authored order: what a test draws from.
SELECT * FROM assessment_questions WHERE program_id = @program_id ORDER BY created_at, id;
