-- The learner's side of a program's content and the staff's progress table.

-- name: TouchLearningProgress :exec
-- Records the learner's last activity in a program: one upsert per request.
INSERT INTO learning_progress (user_id, program_id, last_activity_at, last_lesson_id)
VALUES (@user_id, @program_id, @at, @lesson_id)
ON CONFLICT (user_id, program_id) DO UPDATE
SET last_activity_at = greatest(learning_progress.last_activity_at, excluded.last_activity_at),
    last_lesson_id = coalesce(excluded.last_lesson_id, learning_progress.last_lesson_id);

-- name: GetLearningProgress :one
SELECT * FROM learning_progress WHERE user_id = @user_id AND program_id = @program_id;

-- name: GetLessonCompletion :one
SELECT * FROM lesson_completions WHERE user_id = @user_id AND lesson_id = @lesson_id;

-- name: MyLearningPrograms :many
-- The programs userID studies (an approved application to a running or
-- finished group; the latest group when there are several), most recently
-- admitted first, after the cursor (since, program_id).
SELECT t.program_id, t.group_id, t.organization_id, t.program_title, t.organization_name,
       t.group_code, t.group_title, t.starts_on, t.ends_on, t.group_status, t.since::timestamptz AS since
FROM (
    SELECT DISTINCT ON (a.program_id) a.program_id, a.group_id, a.organization_id, p.title AS program_title,
           o.name AS organization_name, g.code AS group_code, g.title AS group_title, g.starts_on, g.ends_on, g.status AS group_status,
           coalesce(a.decided_at, a.updated_at) AS since
    FROM applications a
    JOIN study_groups g ON g.id = a.group_id
    JOIN programs p ON p.id = a.program_id
    JOIN organizations o ON o.id = a.organization_id
    WHERE a.user_id = @user_id AND a.status = 'approved' AND g.status IN ('running', 'finished')
      AND (sqlc.narg(organization_id)::uuid IS NULL OR a.organization_id = sqlc.narg(organization_id))
    ORDER BY a.program_id, g.starts_on DESC, a.id
) t
WHERE sqlc.narg(after_since)::timestamptz IS NULL
   OR (t.since, t.program_id) < (sqlc.narg(after_since)::timestamptz, @after_id::uuid)
ORDER BY t.since DESC, t.program_id DESC
LIMIT @lim;

-- name: LearnerProgramTotals :many
-- userID's counts in each of programIDs: lessons completed of all, and of
-- the mandatory ones; the last activity (opening or completing a lesson).
SELECT l.program_id,
       count(*)::int AS total,
       count(*) FILTER (WHERE l.mandatory)::int AS mandatory_total,
       count(c.lesson_id)::int AS completed,
       count(c.lesson_id) FILTER (WHERE l.mandatory)::int AS mandatory_done,
       coalesce(bool_or(l.final AND c.lesson_id IS NOT NULL), false)::boolean AS final_passed,
       max(c.completed_at) AS last_completed_at
FROM lessons l
LEFT JOIN lesson_completions c ON c.lesson_id = l.id AND c.user_id = @user_id
WHERE l.program_id = ANY(@program_ids::uuid[])
GROUP BY l.program_id;

-- name: LearnerActivities :many
SELECT program_id, last_activity_at, last_lesson_id FROM learning_progress
WHERE user_id = @user_id AND program_id = ANY(@program_ids::uuid[]);

-- name: ProgramModulesBrief :many
SELECT id, title, description FROM learning_modules WHERE program_id = @program_id ORDER BY position, id;

-- name: LearnerGroup :one
-- The group in which userID studies programID: of the approved
-- applications, the latest group that is running or finished (the one
-- access comes from), else the latest.
SELECT g.id, g.code, g.title, g.starts_on, g.ends_on, g.status FROM applications a JOIN study_groups g ON g.id = a.group_id
WHERE a.user_id = @user_id AND a.program_id = @program_id AND a.status = 'approved'
ORDER BY (g.status IN ('running', 'finished')) DESC, g.starts_on DESC LIMIT 1;

-- name: ProgramGroup :one
SELECT * FROM study_groups WHERE program_id = @program_id AND id = @id;

-- name: GroupProgress :many
-- A group's learners (approved applications, named as in the application)
-- with their counts against the program's current content, the last
-- activity, and whether the completion requirements are met: every
-- mandatory lesson and the final test completed, and the program paid in
-- full (the rule of commerce.PaidInFull). Filtered by met, ordered by
-- name, after the cursor (the last learner of the previous page).
WITH content AS (
    SELECT cl.id, cl.mandatory, cl.final FROM lessons cl WHERE cl.program_id = @program_id
), req AS (
    SELECT count(*) FILTER (WHERE mandatory OR final)::int AS required FROM content
), rows AS (
    SELECT a.user_id, a.last_name, a.first_name, a.patronymic, u.email::text AS email,
           count(ct.id)::int AS completed,
           count(ct.id) FILTER (WHERE ct.mandatory)::int AS mandatory_done,
           count(ct.id) FILTER (WHERE ct.mandatory OR ct.final)::int AS required_done,
           coalesce(bool_or(ct.final), false)::boolean AS final_passed,
           coalesce(array_agg(ct.id ORDER BY c.completed_at, ct.id) FILTER (WHERE ct.id IS NOT NULL), '{}')::uuid[] AS completed_ids,
           greatest(max(c.completed_at), max(lp.last_activity_at)) AS last_activity_at,
           (EXISTS (SELECT 1 FROM programs p WHERE p.id = @program_id AND p.price_minor = 0)
            OR EXISTS (SELECT 1 FROM orders o JOIN order_lines ol ON ol.order_id = o.id
                       WHERE o.user_id = a.user_id AND ol.program_id = @program_id
                         AND o.status IN ('paid', 'partially_refunded') AND o.paid >= o.total))::boolean AS paid
    FROM applications a
    JOIN users u ON u.id = a.user_id
    LEFT JOIN lesson_completions c ON c.user_id = a.user_id AND c.program_id = @program_id
    LEFT JOIN content ct ON ct.id = c.lesson_id
    LEFT JOIN learning_progress lp ON lp.user_id = a.user_id AND lp.program_id = @program_id
    WHERE a.group_id = @group_id AND a.status = 'approved'
    GROUP BY a.user_id, a.last_name, a.first_name, a.patronymic, u.email
)
SELECT r.user_id, r.last_name, r.first_name, r.patronymic, r.email, r.completed, r.mandatory_done,
       r.final_passed, r.completed_ids, r.last_activity_at, r.paid,
       (r.required_done = req.required AND r.paid)::boolean AS met
FROM rows r CROSS JOIN req
WHERE (sqlc.narg(met)::boolean IS NULL OR (r.required_done = req.required AND r.paid) = sqlc.narg(met)::boolean)
  AND (sqlc.narg(after_user)::uuid IS NULL
       OR (r.last_name, r.first_name, r.user_id) > (SELECT k.last_name, k.first_name, k.user_id FROM applications k
                                                    WHERE k.group_id = @group_id AND k.status = 'approved'
                                                      AND k.user_id = sqlc.narg(after_user)::uuid LIMIT 1))
ORDER BY r.last_name, r.first_name, r.user_id
LIMIT @lim;

-- name: GroupCompletions :many
-- Every completion of the group's learners in the program (the CSV export).
SELECT c.user_id, c.lesson_id, c.completed_at FROM lesson_completions c
JOIN applications a ON a.user_id = c.user_id AND a.group_id = @group_id AND a.status = 'approved'
WHERE c.program_id = @program_id;

-- name: ProgramHead :one
SELECT id, organization_id, title FROM programs WHERE id = @id;

-- name: TakeRunningGroupSeat :exec
-- Counts a learner the demo data admits to a running group (approvals by
-- staff take seats while the group is enrolling, see TakeGroupSeat).
UPDATE study_groups SET seats_taken = seats_taken + 1
WHERE id = @id AND (capacity = 0 OR seats_taken < capacity);
