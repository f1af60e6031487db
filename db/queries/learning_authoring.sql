-- Staff authoring of a program's content: modules and lessons.

-- name: AuthoringProgram :one
-- The program, for a staff member of its organization; teaching says
-- whether userID is one of its teachers.
SELECT p.id, p.organization_id, p.title,
       EXISTS (SELECT 1 FROM program_teachers t WHERE t.program_id = p.id AND t.user_id = @user_id)::boolean AS teaching
FROM programs p WHERE p.organization_id = @organization_id AND p.id = @program_id;

-- name: ListModules :many
-- Every module of a program in order, for reorderContent and its outline;
-- the API pages them with ListModulesPage.
SELECT sqlc.embed(m), (SELECT count(*) FROM lessons l WHERE l.module_id = m.id)::int AS lesson_count
FROM learning_modules m WHERE m.program_id = @program_id ORDER BY m.position, m.id;

-- name: ListModulesPage :many
-- A page of a program's modules in order. The cursor is the (position, id)
-- of the last row of the previous page.
SELECT sqlc.embed(m), (SELECT count(*) FROM lessons l WHERE l.module_id = m.id)::int AS lesson_count
FROM learning_modules m
WHERE m.program_id = @program_id
  AND (sqlc.narg(after_position)::int IS NULL
       OR (m.position, m.id) > (sqlc.narg(after_position)::int, sqlc.narg(after_id)::uuid))
ORDER BY m.position, m.id
LIMIT @max_rows;

-- name: GetModule :one
SELECT sqlc.embed(m), (SELECT count(*) FROM lessons l WHERE l.module_id = m.id)::int AS lesson_count
FROM learning_modules m WHERE m.program_id = @program_id AND m.id = @id;

-- name: CountModules :one
SELECT count(*)::int FROM learning_modules WHERE program_id = @program_id;

-- name: CreateModule :one
INSERT INTO learning_modules (organization_id, program_id, position, title, description)
VALUES (@organization_id, @program_id,
        (SELECT coalesce(max(position), 0) + 1 FROM learning_modules WHERE program_id = @program_id),
        @title, @description)
RETURNING *;

-- name: UpdateModule :one
-- Applies an edit made on version; no row when the version is stale.
UPDATE learning_modules SET title = @title, description = @description,
       version = version + 1, updated_at = now()
WHERE program_id = @program_id AND id = @id AND version = @version
RETURNING *;

-- name: DeleteModule :execrows
DELETE FROM learning_modules WHERE program_id = @program_id AND id = @id AND version = @version;

-- name: CloseModuleGap :exec
-- Renumbers the modules after a deleted one.
UPDATE learning_modules SET position = position - 1 WHERE program_id = @program_id AND position > @position;

-- name: CountModuleCompletions :one
SELECT count(*)::int FROM lesson_completions c JOIN lessons l ON l.id = c.lesson_id WHERE l.module_id = @module_id;

-- name: ListLessons :many
-- A program's lessons in the program's order (modules, then lessons), for
-- reorderContent and its outline; the API pages them with ListLessonsPage.
SELECT l.* FROM lessons l JOIN learning_modules m ON m.id = l.module_id
WHERE l.program_id = @program_id
  AND (sqlc.narg(module_id)::uuid IS NULL OR l.module_id = sqlc.narg(module_id))
  AND (sqlc.narg(kind)::lesson_kind IS NULL OR l.kind = sqlc.narg(kind))
ORDER BY m.position, l.position, l.id;

-- name: ListLessonsPage :many
-- A page of a program's lessons in the program's order, optionally of one
-- module or kind. The cursor is the (module position, position, id) of the
-- last row of the previous page; module_position is returned to make it.
SELECT sqlc.embed(l), m.position AS module_position
FROM lessons l JOIN learning_modules m ON m.id = l.module_id
WHERE l.program_id = @program_id
  AND (sqlc.narg(module_id)::uuid IS NULL OR l.module_id = sqlc.narg(module_id))
  AND (sqlc.narg(kind)::lesson_kind IS NULL OR l.kind = sqlc.narg(kind))
  AND (sqlc.narg(after_module_position)::int IS NULL
       OR (m.position, l.position, l.id)
          > (sqlc.narg(after_module_position)::int, sqlc.narg(after_position)::int, sqlc.narg(after_id)::uuid))
ORDER BY m.position, l.position, l.id
LIMIT @max_rows;

-- name: GetLesson :one
SELECT * FROM lessons WHERE program_id = @program_id AND id = @id;

-- name: CountLessons :one
SELECT count(*)::int FROM lessons WHERE program_id = @program_id;

-- name: OtherFinalLesson :one
-- Whether another lesson of the program is its final test.
SELECT EXISTS (SELECT 1 FROM lessons WHERE program_id = @program_id AND final AND id <> @id)::boolean;

-- name: CreateLesson :one
INSERT INTO lessons (organization_id, program_id, module_id, position, kind, title, mandatory, final,
                     opens_at, opens_after_days, after_previous, due_at, body_md, body_html, video_url,
                     webinar_starts_at, webinar_minutes, webinar_join_url, webinar_recording_url)
VALUES (@organization_id, @program_id, @module_id,
        (SELECT coalesce(max(position), 0) + 1 FROM lessons WHERE module_id = @module_id),
        @kind, @title, @mandatory, @final, @opens_at, @opens_after_days, @after_previous, @due_at,
        @body_md, @body_html, @video_url, @webinar_starts_at, @webinar_minutes, @webinar_join_url, @webinar_recording_url)
RETURNING *;

-- name: UpdateLesson :one
-- Applies an edit made on version; no row when the version is stale.
UPDATE lessons SET title = @title, mandatory = @mandatory, final = @final, opens_at = @opens_at,
       opens_after_days = @opens_after_days, after_previous = @after_previous, due_at = @due_at,
       body_md = @body_md, body_html = @body_html, video_url = @video_url,
       webinar_starts_at = @webinar_starts_at, webinar_minutes = @webinar_minutes,
       webinar_join_url = @webinar_join_url, webinar_recording_url = @webinar_recording_url,
       version = version + 1, updated_at = now()
WHERE program_id = @program_id AND id = @id AND version = @version
RETURNING *;

-- name: SetLessonFile :one
UPDATE lessons SET file_key = @file_key, file_name = @file_name, file_content_type = @file_content_type,
       file_size = @file_size, file_sha256 = @file_sha256, version = version + 1, updated_at = now()
WHERE program_id = @program_id AND id = @id AND version = @version
RETURNING *;

-- name: DeleteLesson :execrows
DELETE FROM lessons WHERE program_id = @program_id AND id = @id AND version = @version;

-- name: CloseLessonGap :exec
-- Renumbers the lessons of a module after a deleted one.
UPDATE lessons SET position = position - 1 WHERE module_id = @module_id AND position > @position;

-- name: CountLessonCompletions :one
SELECT count(*)::int FROM lesson_completions WHERE lesson_id = @lesson_id;

-- name: ModuleFileKeys :many
-- The files of a module's lessons, deleted from storage with the module.
SELECT file_key::text FROM lessons WHERE module_id = @module_id AND file_key IS NOT NULL;

-- name: LockProgramContent :exec
-- Serializes changes to a program's order (reorder, create, delete) on the
-- program's row.
SELECT 1 FROM programs WHERE id = @program_id FOR NO KEY UPDATE;

-- name: ReorderModules :exec
-- Sets the modules' positions to their index in ids (1-based); the
-- version of a moved module changes.
UPDATE learning_modules m SET position = u.position::int,
       version = m.version + 1, updated_at = now()
FROM unnest(@ids::uuid[]) WITH ORDINALITY AS u(id, position)
WHERE m.program_id = @program_id AND m.id = u.id AND m.position <> u.position::int;

-- name: ReorderLessons :exec
-- Moves every lesson to its module and position; the version of a moved
-- lesson changes.
UPDATE lessons l SET module_id = u.module_id, position = u.position,
       version = l.version + 1, updated_at = now()
FROM (SELECT unnest(@ids::uuid[]) AS id, unnest(@module_ids::uuid[]) AS module_id,
             unnest(@positions::int[]) AS position) u
WHERE l.program_id = @program_id AND l.id = u.id
  AND (l.module_id <> u.module_id OR l.position <> u.position);
