-- name: CompleteLesson :one
-- Records userID's completion of a lesson of programID once; the second
-- time it returns no row (already completed).
INSERT INTO lesson_completions (user_id, lesson_id, program_id, source, completed_at)
SELECT @user_id, l.id, l.program_id, @source, @completed_at
FROM lessons l WHERE l.id = @lesson_id AND l.program_id = @program_id
ON CONFLICT (user_id, lesson_id) DO NOTHING
RETURNING completed_at;

-- name: ProgramLessonsInOrder :many
-- A program's lessons in the program's order (modules, then lessons).
SELECT l.id, l.module_id, l.kind, l.title, l.mandatory, l.final, l.opens_at, l.opens_after_days,
       l.after_previous, l.due_at
FROM lessons l JOIN learning_modules m ON m.id = l.module_id
WHERE l.program_id = @program_id
ORDER BY m.position, l.position;

-- name: LearnerCompletions :many
SELECT lesson_id, completed_at FROM lesson_completions
WHERE user_id = @user_id AND program_id = @program_id;

-- name: LearnerGroupStart :one
-- The start date of the group in which userID studies programID (the
-- approved application's group), for lessons that open days after it.
SELECT g.starts_on FROM applications a JOIN study_groups g ON g.id = a.group_id
WHERE a.user_id = @user_id AND a.program_id = @program_id AND a.status = 'approved'
ORDER BY g.starts_on DESC LIMIT 1;
