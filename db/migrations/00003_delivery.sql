-- +goose Up
-- Delivery of the outbox: a committed insert wakes the delivery workers at
-- once (LISTEN kabinet_outbox) instead of at their next poll. NOTIFY is
-- transactional, so a rolled-back message never wakes anyone.

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

-- +goose Down
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
