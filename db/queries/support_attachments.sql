-- Files attached to support messages.

-- name: GetSupportMessage :one
SELECT * FROM support_messages WHERE ticket_id = @ticket_id AND id = @id;

-- name: CountSupportMessageAttachments :one
SELECT count(*) FROM support_message_attachments WHERE message_id = @message_id;

-- name: CreateSupportAttachment :one
INSERT INTO support_message_attachments (message_id, ticket_id, uploaded_by, blob_key, file_name, content_type, size_bytes, sha256)
VALUES (@message_id, @ticket_id, @uploaded_by, @blob_key, @file_name, @content_type, @size_bytes, @sha256)
RETURNING *;

-- name: ListSupportAttachments :many
-- The attachments of messages, oldest first.
SELECT * FROM support_message_attachments WHERE message_id = ANY(@message_ids::uuid[]) ORDER BY created_at, id;

-- name: GetSupportAttachment :one
-- An attachment of a ticket with whether its message is an internal note.
SELECT sqlc.embed(a), m.internal FROM support_message_attachments a JOIN support_messages m ON m.id = a.message_id
WHERE a.ticket_id = @ticket_id AND a.id = @id;

-- name: GetFirstSupportMessage :one
SELECT * FROM support_messages WHERE ticket_id = @ticket_id ORDER BY created_at, id LIMIT 1;
