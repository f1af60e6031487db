-- name: GetLearnerConversation :one
SELECT c.*, p.title AS program_title FROM conversations c JOIN programs p ON p.id = c.program_id
WHERE c.learner_id = @learner_id AND c.program_id = @program_id;

-- name: GetOrgConversation :one
-- A thread of the organization; with teacher_id set only when that user
-- teaches the thread's program.
SELECT c.*, p.title AS program_title, u.first_name AS learner_first_name, u.last_name AS learner_last_name
FROM conversations c JOIN programs p ON p.id = c.program_id JOIN users u ON u.id = c.learner_id
WHERE c.organization_id = @organization_id AND c.id = @id
  AND (sqlc.narg(teacher_id)::uuid IS NULL OR EXISTS (
      SELECT 1 FROM program_teachers t WHERE t.program_id = c.program_id AND t.user_id = sqlc.narg(teacher_id)::uuid));

-- name: ProgramForConversation :one
SELECT id, organization_id, title FROM programs WHERE id = @id;

-- name: ProgramTeachers :many
SELECT u.id, u.first_name, u.last_name FROM program_teachers t JOIN users u ON u.id = t.user_id
JOIN memberships m ON m.organization_id = t.organization_id AND m.user_id = t.user_id
WHERE t.program_id = @program_id AND m.blocked_at IS NULL
ORDER BY t.position, u.last_name, u.id;

-- name: ConversationManagers :many
-- Who hears of a learner's message when the program has no teacher.
SELECT user_id FROM memberships
WHERE organization_id = @organization_id AND role IN ('manager', 'admin') AND blocked_at IS NULL
ORDER BY user_id;

-- name: IsProgramTeacher :one
SELECT EXISTS (SELECT 1 FROM program_teachers WHERE program_id = @program_id AND user_id = @user_id)::boolean;

-- name: CreateConversation :one
-- Creates the learner's thread of a program, or locks the existing one.
INSERT INTO conversations (organization_id, program_id, learner_id)
VALUES (@organization_id, @program_id, @learner_id)
ON CONFLICT (program_id, learner_id) DO UPDATE SET last_seq = conversations.last_seq
RETURNING *;

-- name: LockConversation :one
SELECT * FROM conversations WHERE id = @id FOR UPDATE;

-- name: AddConversationMessage :one
-- Appends a message as the thread's next seq and moves the counters: the
-- other side has one more unread, the writer's side has read everything.
WITH c AS (
    UPDATE conversations cv SET
        last_seq = cv.last_seq + 1,
        last_message_at = now(),
        last_preview = @preview,
        last_from_staff = @from_staff,
        staff_unread = CASE WHEN @from_staff::boolean THEN 0 ELSE cv.staff_unread + 1 END,
        staff_read_seq = CASE WHEN @from_staff::boolean THEN cv.last_seq + 1 ELSE cv.staff_read_seq END,
        learner_unread = CASE WHEN @from_staff::boolean THEN cv.learner_unread + 1 ELSE 0 END,
        learner_read_seq = CASE WHEN @from_staff::boolean THEN cv.learner_read_seq ELSE cv.last_seq + 1 END
    WHERE cv.id = @conversation_id
    RETURNING cv.id, cv.last_seq
)
INSERT INTO conversation_messages (conversation_id, seq, author_id, from_staff, body, body_html)
SELECT c.id, c.last_seq, @author_id, @from_staff, @body, @body_html FROM c
RETURNING *;

-- name: ClaimConversationAttachments :many
-- Attaches the uploader's unsent files of this program (and thread, when
-- they were uploaded for one) to a message; returns those it attached.
UPDATE conversation_attachments a SET message_id = @message_id, conversation_id = @conversation_id,
    position = array_position(@ids::uuid[], a.id)
WHERE a.id = ANY(@ids::uuid[]) AND a.uploader_id = @uploader_id AND a.program_id = @program_id
  AND a.message_id IS NULL AND (a.conversation_id IS NULL OR a.conversation_id = @conversation_id)
RETURNING *;

-- name: CreateConversationAttachment :one
INSERT INTO conversation_attachments (program_id, conversation_id, uploader_id, file_name, blob_key, content_type, size_bytes, sha256)
VALUES (@program_id, sqlc.narg(conversation_id), @uploader_id, @file_name, @blob_key, @content_type, @size_bytes, @sha256)
RETURNING *;

-- name: GetConversationAttachment :one
-- A file sent in the thread, or the caller's own unsent upload for it.
SELECT a.* FROM conversation_attachments a
LEFT JOIN conversation_messages m ON m.id = a.message_id
WHERE a.id = @id AND a.program_id = @program_id
  AND ((a.message_id IS NOT NULL AND m.conversation_id = sqlc.narg(conversation_id)::uuid)
       OR (a.message_id IS NULL AND a.uploader_id = @user_id
           AND (a.conversation_id IS NULL OR a.conversation_id = sqlc.narg(conversation_id)::uuid)));

-- name: ListConversationMessages :many
-- The newest messages before seq (all when NULL), newest first.
SELECT m.*, u.first_name AS author_first_name, u.last_name AS author_last_name
FROM conversation_messages m JOIN users u ON u.id = m.author_id
WHERE m.conversation_id = @conversation_id AND (sqlc.narg(before_seq)::integer IS NULL OR m.seq < sqlc.narg(before_seq)::integer)
ORDER BY m.seq DESC
LIMIT @max_rows;

-- name: ListMessageAttachments :many
SELECT * FROM conversation_attachments WHERE message_id = ANY(@message_ids::uuid[]) ORDER BY message_id, position;

-- name: MessageSeq :one
SELECT seq FROM conversation_messages WHERE conversation_id = @conversation_id AND id = @id;

-- name: MarkConversationReadByLearner :one
UPDATE conversations c SET
    learner_read_seq = greatest(c.learner_read_seq, @up_to::integer),
    learner_unread = (SELECT count(*) FROM conversation_messages m
                      WHERE m.conversation_id = c.id AND m.from_staff AND m.seq > greatest(c.learner_read_seq, @up_to::integer))
WHERE c.id = @id
RETURNING *;

-- name: MarkConversationReadByStaff :one
UPDATE conversations c SET
    staff_read_seq = greatest(c.staff_read_seq, @up_to::integer),
    staff_unread = (SELECT count(*) FROM conversation_messages m
                    WHERE m.conversation_id = c.id AND NOT m.from_staff AND m.seq > greatest(c.staff_read_seq, @up_to::integer))
WHERE c.id = @id
RETURNING *;

-- name: ListLearnerConversations :many
SELECT c.*, p.title AS program_title FROM conversations c JOIN programs p ON p.id = c.program_id
WHERE c.learner_id = @learner_id
  AND (sqlc.narg(organization_id)::uuid IS NULL OR c.organization_id = sqlc.narg(organization_id)::uuid)
  AND (sqlc.narg(program_id)::uuid IS NULL OR c.program_id = sqlc.narg(program_id)::uuid)
  AND (NOT @only_unread::boolean OR c.learner_unread > 0)
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (c.last_message_at, c.id) < (sqlc.narg(before_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT @max_rows;

-- name: CountLearnerUnread :one
SELECT coalesce(sum(learner_unread), 0)::bigint AS messages, count(*) FILTER (WHERE learner_unread > 0)::bigint AS conversations
FROM conversations
WHERE learner_id = @learner_id AND (sqlc.narg(organization_id)::uuid IS NULL OR organization_id = sqlc.narg(organization_id)::uuid);

-- name: ListOrgConversations :many
-- With teacher_id set: only threads of the programs that user teaches.
SELECT c.*, p.title AS program_title, u.first_name AS learner_first_name, u.last_name AS learner_last_name
FROM conversations c JOIN programs p ON p.id = c.program_id JOIN users u ON u.id = c.learner_id
WHERE c.organization_id = @organization_id
  AND (sqlc.narg(teacher_id)::uuid IS NULL OR c.program_id IN (
      SELECT t.program_id FROM program_teachers t WHERE t.organization_id = @organization_id AND t.user_id = sqlc.narg(teacher_id)::uuid))
  AND (sqlc.narg(program_id)::uuid IS NULL OR c.program_id = sqlc.narg(program_id)::uuid)
  AND (sqlc.narg(learner_id)::uuid IS NULL OR c.learner_id = sqlc.narg(learner_id)::uuid)
  AND (NOT @only_unread::boolean OR c.staff_unread > 0)
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (c.last_message_at, c.id) < (sqlc.narg(before_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT @max_rows;

-- name: PurgeUnsentConversationAttachments :many
-- Unsent uploads older than the cutoff, deleted; their blobs go next.
DELETE FROM conversation_attachments
WHERE id IN (SELECT u.id FROM conversation_attachments u WHERE u.message_id IS NULL AND u.created_at < @cutoff LIMIT 500)
RETURNING blob_key;

-- name: CountOrgUnread :one
-- The staff badge over the threads the caller sees (teacher_id: only the
-- programs that user teaches).
SELECT coalesce(sum(c.staff_unread), 0)::bigint AS messages, count(*) FILTER (WHERE c.staff_unread > 0)::bigint AS conversations
FROM conversations c
WHERE c.organization_id = @organization_id AND c.staff_unread > 0
  AND (sqlc.narg(program_id)::uuid IS NULL OR c.program_id = sqlc.narg(program_id)::uuid)
  AND (sqlc.narg(teacher_id)::uuid IS NULL OR c.program_id IN (
      SELECT t.program_id FROM program_teachers t WHERE t.organization_id = @organization_id AND t.user_id = sqlc.narg(teacher_id)::uuid));
