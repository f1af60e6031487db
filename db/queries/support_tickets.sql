-- Support tickets. Every change sets updated_at; the unread marks and the
-- waiting time move with the message or status change that causes them.

-- name: CreateSupportTicket :one
INSERT INTO support_tickets (organization_id, author_id, subject, category)
VALUES (@organization_id, @author_id, @subject, @category)
RETURNING *;

-- name: GetAuthorSupportTicket :one
SELECT * FROM support_tickets WHERE id = @id AND author_id = @author_id;

-- name: LockAuthorSupportTicket :one
SELECT * FROM support_tickets WHERE id = @id AND author_id = @author_id FOR UPDATE;

-- name: GetOrgSupportTicket :one
SELECT sqlc.embed(t), u.first_name AS author_first_name, u.last_name AS author_last_name, u.email AS author_email
FROM support_tickets t JOIN users u ON u.id = t.author_id
WHERE t.id = @id AND t.organization_id = @organization_id;

-- name: LockOrgSupportTicket :one
SELECT * FROM support_tickets WHERE id = @id AND organization_id = @organization_id FOR UPDATE;

-- name: RecordUserReply :one
-- The author wrote: the ticket waits for staff again (reopened when it was
-- answered, waiting for the user or closed).
UPDATE support_tickets SET
    status = 'open', closed_at = NULL,
    waiting_since = CASE WHEN status = 'open' THEN waiting_since ELSE now() END,
    last_user_message_at = now(), user_read_at = now(), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: RecordStaffReply :one
-- A public staff reply: answered; the first one is the first response.
UPDATE support_tickets SET
    status = 'answered',
    waiting_since = CASE WHEN status = 'answered' THEN waiting_since ELSE now() END,
    first_response_at = COALESCE(first_response_at, now()),
    last_staff_reply_at = now(), staff_read_at = now(), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: RecordInternalNote :one
UPDATE support_tickets SET staff_read_at = now(), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: SetSupportTicketStatus :one
UPDATE support_tickets SET
    status = @status,
    closed_at = CASE WHEN @status::support_ticket_status = 'closed' THEN now() END,
    waiting_since = now(), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: AssignSupportTicket :one
UPDATE support_tickets SET assignee_id = sqlc.narg(assignee_id), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: MarkSupportTicketReadByUser :exec
UPDATE support_tickets SET user_read_at = now() WHERE id = @id AND user_read_at < now();

-- name: MarkSupportTicketReadByStaff :exec
UPDATE support_tickets SET staff_read_at = now() WHERE id = @id;

-- name: ListAuthorSupportTickets :many
-- The author's tickets, most recently active first.
SELECT * FROM support_tickets
WHERE author_id = @author_id
  AND (sqlc.narg(organization_id)::uuid IS NULL OR organization_id = sqlc.narg(organization_id))
  AND (sqlc.narg(status)::support_ticket_status IS NULL OR status = sqlc.narg(status))
  AND (sqlc.narg(before_updated_at)::timestamptz IS NULL
       OR (updated_at, id) < (sqlc.narg(before_updated_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY updated_at DESC, id DESC
LIMIT @max_rows;

-- name: CountAuthorUnreadSupportTickets :one
SELECT count(*)::int FROM support_tickets
WHERE author_id = @author_id
  AND (sqlc.narg(organization_id)::uuid IS NULL OR organization_id = sqlc.narg(organization_id))
  AND last_staff_reply_at > user_read_at;

-- name: ListSupportQueue :many
-- The organization's tickets, longest waiting first.
SELECT sqlc.embed(t), u.first_name AS author_first_name, u.last_name AS author_last_name, u.email AS author_email
FROM support_tickets t JOIN users u ON u.id = t.author_id
WHERE t.organization_id = @organization_id
  AND (cardinality(@statuses::text[]) = 0 OR t.status::text = ANY(@statuses::text[]))
  AND (sqlc.narg(category)::support_ticket_category IS NULL OR t.category = sqlc.narg(category))
  AND (sqlc.narg(assignee_id)::uuid IS NULL OR t.assignee_id = sqlc.narg(assignee_id))
  AND (NOT @unassigned::boolean OR t.assignee_id IS NULL)
  AND (sqlc.narg(created_after)::timestamptz IS NULL OR t.created_at >= sqlc.narg(created_after))
  AND (sqlc.narg(created_before)::timestamptz IS NULL OR t.created_at < sqlc.narg(created_before))
  AND (sqlc.narg(updated_after)::timestamptz IS NULL OR t.updated_at >= sqlc.narg(updated_after))
  AND (sqlc.narg(updated_before)::timestamptz IS NULL OR t.updated_at < sqlc.narg(updated_before))
  AND (sqlc.narg(pattern)::text IS NULL OR lower(t.subject) LIKE sqlc.narg(pattern))
  AND (NOT @unread_only::boolean OR t.staff_read_at IS NULL OR t.last_user_message_at > t.staff_read_at)
  AND (sqlc.narg(after_waiting_since)::timestamptz IS NULL
       OR (t.waiting_since, t.id) > (sqlc.narg(after_waiting_since)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY t.waiting_since, t.id
LIMIT @max_rows;

-- name: IsSupportStaff :one
-- Whether userID may work on the organization's tickets (and be assigned them).
SELECT EXISTS (
    SELECT 1 FROM memberships
    WHERE organization_id = @organization_id AND user_id = @user_id
      AND status = 'active' AND role IN ('manager', 'director', 'admin')
);
