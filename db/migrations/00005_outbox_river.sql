-- +goose Up
-- Outbox delivery moves onto River: each message gets a `deliver_message`
-- job (queue "messages") inserted in the transaction that writes the row, and
-- River's fetch (SKIP LOCKED), retries and LISTEN/NOTIFY replace the
-- hand-made claim, lease and wake-up. River's tables exist by now: store.Migrate
-- applies River's migrations before ours.

-- Messages still waiting get their job, at the time their retry was due.
INSERT INTO river_job (kind, queue, max_attempts, args, scheduled_at)
SELECT 'deliver_message', 'messages', 8, jsonb_build_object('message_id', id), greatest(next_attempt_at, now())
FROM outbox WHERE status = 'pending';

DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
DROP INDEX outbox_due;
ALTER TABLE outbox DROP COLUMN next_attempt_at;

-- +goose Down
ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';

-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kabinet_outbox', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

DELETE FROM river_job WHERE kind = 'deliver_message' AND state NOT IN ('completed', 'cancelled', 'discarded');
