-- +goose Up
-- Teacher messages: one thread per learner and program between the learner
-- and the program's teachers (internal/conversations).

-- A thread exists from its first message. Messages are numbered per thread
-- (seq 1, 2, …; last_seq is the newest) under the thread's row lock, and
-- each side's read mark is the seq it has read up to. The unread counts are
-- kept with the messages and marks in the same statements, so lists filter
-- and sort on them without counting messages. Staff share one read mark.
CREATE TABLE conversations (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id    uuid NOT NULL,
    program_id         uuid NOT NULL,
    learner_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_seq           integer NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    last_message_at    timestamptz NOT NULL DEFAULT now(),
    last_preview       text NOT NULL DEFAULT '',
    last_from_staff    boolean NOT NULL DEFAULT false,
    learner_read_seq   integer NOT NULL DEFAULT 0,
    staff_read_seq     integer NOT NULL DEFAULT 0,
    learner_unread     integer NOT NULL DEFAULT 0 CHECK (learner_unread >= 0),
    staff_unread       integer NOT NULL DEFAULT 0 CHECK (staff_unread >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (program_id, learner_id),
    FOREIGN KEY (organization_id, program_id) REFERENCES programs (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX conversations_learner ON conversations (learner_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_org ON conversations (organization_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_program ON conversations (program_id, last_message_at DESC, id DESC);

CREATE TABLE conversation_messages (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq              integer NOT NULL CHECK (seq >= 1),
    author_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    from_staff       boolean NOT NULL,
    body             text NOT NULL CHECK (length(body) <= 20000),
    -- Rendered from Markdown and sanitized when written (internal/markdown).
    body_html        text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, seq)
);

-- A file uploaded for a message: first unsent (message_id NULL, visible
-- only to its uploader), then attached when the message naming it is
-- sent. program_id and conversation_id (NULL for a learner's upload
-- before the thread exists) say where it may be sent. Unsent uploads are
-- deleted after a day by the conversations_purge_uploads job.
CREATE TABLE conversation_attachments (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    program_id       uuid NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    conversation_id  uuid REFERENCES conversations (id) ON DELETE CASCADE,
    uploader_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id       uuid REFERENCES conversation_messages (id) ON DELETE CASCADE,
    position         integer NOT NULL DEFAULT 0,
    file_name        text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    blob_key         text NOT NULL,
    content_type     text NOT NULL,
    size_bytes       bigint NOT NULL CHECK (size_bytes > 0),
    sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_attachments_message ON conversation_attachments (message_id, position);
CREATE INDEX conversation_attachments_unsent ON conversation_attachments (created_at) WHERE message_id IS NULL;

-- +goose Down
DROP TABLE conversation_attachments;
DROP TABLE conversation_messages;
DROP TABLE conversations;
