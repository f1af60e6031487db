-- +goose Up
-- Commerce building blocks that the orders and payments API will sit on:
-- idempotency keys, promo codes and their redemptions, the sandbox payment
-- provider's own objects, and the deduplication of provider notifications.
-- Orders do not exist yet, so order ids are plain uuids without a foreign key.

-- The first answer to a POST made with an Idempotency-Key, replayed for
-- repeats (internal/idempotency). Keys are scoped per caller: two users may
-- pick the same key. A row is inserted and locked by the first request and
-- committed together with its response, so a concurrent duplicate waits for
-- it; a request whose outcome is not kept rolls its row back.
CREATE TABLE idempotency_keys (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method           text NOT NULL,
    -- The route template (for reading); the fingerprint covers the real path.
    route            text NOT NULL,
    -- SHA-256 over method, path with query, and body.
    fingerprint      bytea NOT NULL,
    response_status  integer,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);

-- Promo codes of an organization. A code is unique per organization,
-- compared case-insensitively (stored upper-case).
CREATE TABLE promo_codes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    code            text NOT NULL CHECK (code = upper(code) AND length(code) BETWEEN 1 AND 64),
    kind            text NOT NULL CHECK (kind IN ('percent', 'fixed')),
    -- percent: 1..100; fixed: kopecks.
    value           bigint NOT NULL CHECK (value > 0),
    currency        text NOT NULL DEFAULT 'RUB' CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT promo_codes_percent_check CHECK (kind <> 'percent' OR value <= 100),
    valid_from      timestamptz,
    valid_until     timestamptz,
    min_amount      bigint NOT NULL DEFAULT 0 CHECK (min_amount >= 0),
    -- Empty: any program. Catalog ids (no foreign key: catalog owns them).
    program_ids     uuid[] NOT NULL DEFAULT '{}',
    category_ids    uuid[] NOT NULL DEFAULT '{}',
    -- NULL: unlimited.
    max_uses        integer CHECK (max_uses > 0),
    used            integer NOT NULL DEFAULT 0 CHECK (used >= 0),
    per_user_limit  integer CHECK (per_user_limit > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT promo_codes_within_max_uses CHECK (max_uses IS NULL OR used <= max_uses),
    CONSTRAINT promo_codes_window_check CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until),
    CONSTRAINT promo_codes_code_key UNIQUE (organization_id, code)
);

-- One use of a promo code by a user (for an order, once orders exist).
CREATE TABLE promo_redemptions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    promo_code_id uuid NOT NULL REFERENCES promo_codes (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    order_id      uuid,
    redeemed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promo_redemptions_code_user_idx ON promo_redemptions (promo_code_id, user_id);
CREATE UNIQUE INDEX promo_redemptions_order_key ON promo_redemptions (promo_code_id, order_id) WHERE order_id IS NOT NULL;

-- The sandbox provider's payments: what a real provider would keep on its
-- side, kept in our database so development needs no external service.
CREATE TABLE sandbox_payments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    idempotence_key     text NOT NULL,
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    description         text NOT NULL DEFAULT '',
    return_url          text NOT NULL,
    metadata            jsonb NOT NULL DEFAULT '{}',
    receipt             jsonb,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'waiting_for_capture', 'succeeded', 'canceled')),
    cancellation_reason text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    captured_at         timestamptz,
    CONSTRAINT sandbox_payments_idempotence_key UNIQUE (idempotence_key)
);

CREATE TABLE sandbox_refunds (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    idempotence_key text NOT NULL,
    payment_id      uuid NOT NULL REFERENCES sandbox_payments (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        text NOT NULL,
    description     text NOT NULL DEFAULT '',
    receipt         jsonb,
    status          text NOT NULL DEFAULT 'succeeded' CHECK (status IN ('pending', 'succeeded', 'canceled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sandbox_refunds_idempotence_key UNIQUE (idempotence_key)
);
CREATE INDEX sandbox_refunds_payment_idx ON sandbox_refunds (payment_id);

-- Provider notifications seen, once per object and status: a repeated
-- notification (providers retry until answered 200) is recognized here.
CREATE TABLE payment_events (
    provider    text NOT NULL,
    object_type text NOT NULL CHECK (object_type IN ('payment', 'refund')),
    object_id   text NOT NULL,
    status      text NOT NULL,
    event       text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, object_type, object_id, status)
);

-- +goose Down
DROP TABLE payment_events;
DROP TABLE sandbox_refunds;
DROP TABLE sandbox_payments;
DROP TABLE promo_redemptions;
DROP TABLE promo_codes;
DROP TABLE idempotency_keys;
