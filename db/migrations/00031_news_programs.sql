-- +goose Up
-- News for the learners of given programs, and the record of who was told
-- about a published item.

-- Members-only items may name programs: then, of the learners, only those
-- with an approved application to one of them see the item (staff see
-- every item of their organization). Empty: every member.
ALTER TABLE news_items
    ADD COLUMN program_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(program_ids) <= 50),
    ADD CONSTRAINT news_items_programs_members CHECK (cardinality(program_ids) = 0 OR audience = 'members');

-- Who was notified of an item: the notification job inserts a row per
-- reader, in the transaction that writes the reader's notification, so a
-- retried or repeated job tells nobody twice.
CREATE TABLE news_deliveries (
    news_id       uuid NOT NULL REFERENCES news_items (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    delivered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (news_id, user_id)
);

-- +goose Down
DROP TABLE news_deliveries;
ALTER TABLE news_items DROP CONSTRAINT news_items_programs_members, DROP COLUMN program_ids;
