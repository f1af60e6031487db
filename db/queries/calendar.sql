-- name: CalendarGroups :many
-- The groups of the user's approved applications that are not canceled:
-- their first and last days go into the calendar, and their programs'
-- lessons when the learner has access (learning.Access).
SELECT g.id AS group_id, g.organization_id, g.program_id, p.title AS program_title, g.code, g.starts_on, g.ends_on,
       g.status, g.version, g.updated_at
FROM applications a
JOIN study_groups g ON g.id = a.group_id
JOIN programs p ON p.id = g.program_id
WHERE a.user_id = @user_id AND a.status = 'approved' AND g.status <> 'canceled'
ORDER BY g.starts_on, g.id;

-- name: CalendarLessons :many
-- Webinars starting and deadlines falling in [from, to) of the programs.
SELECT l.id, l.organization_id, l.program_id, l.kind, l.title, l.due_at, l.webinar_starts_at, l.webinar_minutes,
       l.webinar_join_url, l.version, l.updated_at
FROM lessons l
WHERE l.program_id = ANY(@program_ids::uuid[])
  AND ((l.kind = 'webinar' AND l.webinar_starts_at >= @from_at AND l.webinar_starts_at < @to_at)
       OR (l.due_at >= @from_at AND l.due_at < @to_at))
ORDER BY l.id;

-- name: CalendarInstallments :many
-- The user's unpaid installments of live orders due in [from_on, to_on],
-- with the program of the order's first line.
SELECT o.id AS order_id, o.organization_id, o.currency, o.updated_at, i.number, i.amount, i.due_on,
       l.program_id, l.title AS program_title
FROM orders o
JOIN order_installments i ON i.order_id = o.id
JOIN order_lines l ON l.order_id = o.id AND l.line_no = (SELECT min(line_no) FROM order_lines WHERE order_id = o.id)
WHERE o.user_id = @user_id AND o.status IN ('awaiting_payment', 'in_progress') AND i.paid_at IS NULL
  AND i.due_on >= @from_on::date AND i.due_on <= @to_on::date
ORDER BY i.due_on, o.id, i.number;

-- name: CalendarOwner :one
SELECT time_zone, locale FROM users WHERE id = @id;
