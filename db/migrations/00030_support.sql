-- +goose Up
-- Support tickets with their message threads; organization news; the FAQ.

CREATE TYPE support_ticket_status AS ENUM ('open', 'answered', 'waiting_for_user', 'closed');
CREATE TYPE support_ticket_category AS ENUM ('technical', 'payment', 'documents', 'enrollment', 'learning', 'other');

-- A ticket is one request of a member (its author) to the organization's
-- support. The timestamps below are kept by the application in the same
-- statement as the message or status change that moves them.
CREATE TABLE support_tickets (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    author_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject          text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    category         support_ticket_category NOT NULL,
    status           support_ticket_status NOT NULL DEFAULT 'open',
    assignee_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Any new message, status change or assignment.
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Since when the ticket has been in its current wait: for an open ticket
    -- the author's oldest message staff have not answered; otherwise the
    -- last status change. The queue is sorted by it, oldest first.
    waiting_since    timestamptz NOT NULL DEFAULT now(),
    -- The first public staff reply (first-response time = this − created_at).
    first_response_at timestamptz,
    -- The last close (resolution time = this − created_at); NULL while not closed.
    closed_at        timestamptz,
    -- Unread indicators: the newest message each side has not written,
    -- against when that side last read the thread. Staff share one mark.
    last_user_message_at  timestamptz NOT NULL DEFAULT now(),
    last_staff_reply_at   timestamptz,
    user_read_at          timestamptz NOT NULL DEFAULT now(),
    staff_read_at         timestamptz,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX support_tickets_queue ON support_tickets (organization_id, waiting_since, id);
CREATE INDEX support_tickets_author ON support_tickets (author_id, updated_at DESC, id DESC);
CREATE INDEX support_tickets_period ON support_tickets (organization_id, created_at);

-- A message of a ticket's thread. Internal notes are staff-only.
CREATE TABLE support_messages (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id   uuid NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    from_staff  boolean NOT NULL,
    internal    boolean NOT NULL DEFAULT false CHECK (NOT internal OR from_staff),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_messages_thread ON support_messages (ticket_id, created_at, id);

-- Who may read a news item or FAQ content. 'members' are the signed-in
-- members of the organization. Audiences by program (the learners of given
-- programs) will be a third value with a news_item_programs table naming
-- the programs, once programs exist.
CREATE TYPE content_audience AS ENUM ('public', 'members');

CREATE TABLE news_items (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body_markdown    text NOT NULL CHECK (length(body_markdown) <= 100000),
    -- Rendered and sanitized when written, so reads never render.
    body_html        text NOT NULL,
    audience         content_audience NOT NULL,
    -- NULL: a draft (or unpublished). In the future: scheduled, invisible until then.
    published_at     timestamptz,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX news_items_feed ON news_items (organization_id, published_at DESC, id DESC) WHERE published_at IS NOT NULL;
CREATE INDEX news_items_all ON news_items (organization_id, created_at DESC, id DESC);

CREATE TABLE faq_categories (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    audience         content_audience NOT NULL,
    position         integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id)
);
CREATE INDEX faq_categories_order ON faq_categories (organization_id, position, id);

CREATE TABLE faq_entries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL,
    category_id      uuid NOT NULL,
    question         text NOT NULL CHECK (length(question) BETWEEN 1 AND 500),
    answer_markdown  text NOT NULL CHECK (length(answer_markdown) <= 50000),
    answer_html      text NOT NULL,
    audience         content_audience NOT NULL,
    position         integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Both stemmers, so Russian and English questions find their word forms;
    -- a match in the question outranks one in the answer.
    search           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian', question), 'A') ||
        setweight(to_tsvector('english', question), 'A') ||
        setweight(to_tsvector('russian', answer_markdown), 'B') ||
        setweight(to_tsvector('english', answer_markdown), 'B')
    ) STORED,
    -- The category must be of the same organization.
    FOREIGN KEY (organization_id, category_id) REFERENCES faq_categories (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX faq_entries_order ON faq_entries (category_id, position, id);
CREATE INDEX faq_entries_search ON faq_entries USING gin (search);

-- +goose Down
DROP TABLE faq_entries;
DROP TABLE faq_categories;
DROP TABLE news_items;
DROP TYPE content_audience;
DROP TABLE support_messages;
DROP TABLE support_tickets;
DROP TYPE support_ticket_category;
DROP TYPE support_ticket_status;
