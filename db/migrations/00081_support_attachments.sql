-- +goose Up
-- Files attached to support messages (the ticket's first message carries
-- the ticket's own attachments). An internal note's attachments are as
-- staff-only as the note.
CREATE TABLE support_message_attachments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id    uuid NOT NULL REFERENCES support_messages (id) ON DELETE CASCADE,
    ticket_id     uuid NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    uploaded_by   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blob_key      text NOT NULL UNIQUE,
    file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_message_attachments_message ON support_message_attachments (message_id, created_at, id);
CREATE INDEX support_message_attachments_ticket ON support_message_attachments (ticket_id);

-- +goose Down
DROP TABLE support_message_attachments;
