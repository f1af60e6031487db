-- +goose Up
-- Orders, their payments, refunds and installment schedules (internal/commerce).
-- Money is integer minor units (kopecks) with the order's currency; every
-- money-moving change is also written to order_events with its cause.

-- An organization's installment plans (рассрочка), managed by its staff; the
-- numbers are internal/pricing.Plan's.
CREATE TABLE installment_plans (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    parts               integer NOT NULL CHECK (parts BETWEEN 2 AND 60),
    first_share_percent integer NOT NULL DEFAULT 0 CHECK (first_share_percent BETWEEN 0 AND 99),
    interval_months     integer NOT NULL DEFAULT 1 CHECK (interval_months BETWEEN 1 AND 12),
    grace_days          integer NOT NULL DEFAULT 0 CHECK (grace_days BETWEEN 0 AND 90),
    min_order_amount    bigint NOT NULL DEFAULT 0 CHECK (min_order_amount >= 0),
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id)
);
CREATE INDEX installment_plans_org ON installment_plans (organization_id, created_at, id);

CREATE TYPE order_status AS ENUM (
    'awaiting_payment', 'in_progress', 'paid', 'canceled', 'refunded', 'partially_refunded'
);

-- An order: one or more approved applications of one organization. Amounts
-- are snapshots taken at checkout; paid and refunded only grow, each step
-- with its order_events row.
CREATE TABLE orders (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid NOT NULL REFERENCES organizations (id),
    user_id             uuid NOT NULL REFERENCES users (id),
    status              order_status NOT NULL DEFAULT 'awaiting_payment',
    currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal            bigint NOT NULL CHECK (subtotal >= 0),
    discount            bigint NOT NULL DEFAULT 0 CHECK (discount >= 0),
    total               bigint NOT NULL CHECK (total > 0),
    paid                bigint NOT NULL DEFAULT 0 CHECK (paid >= 0),
    refunded            bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    promo_code_id       uuid REFERENCES promo_codes (id) ON DELETE SET NULL,
    promo_code          text,
    promo_redemption_id uuid,
    installment_plan_id uuid REFERENCES installment_plans (id) ON DELETE SET NULL,
    -- The Idempotency-Key of the creating request: a retry after a crash
    -- between the order's commit and the key's finds the order here.
    idempotency_key     text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_sums CHECK (subtotal - discount = total AND paid <= total AND refunded <= paid),
    CONSTRAINT orders_idempotency UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_user ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_org ON orders (organization_id, created_at DESC, id DESC);

-- The applications an order pays for, with what was charged for each.
CREATE TABLE order_lines (
    order_id       uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no        integer NOT NULL,
    application_id uuid NOT NULL,
    program_id     uuid NOT NULL,
    group_id       uuid,
    title          text NOT NULL,
    price          bigint NOT NULL CHECK (price > 0),
    discount       bigint NOT NULL DEFAULT 0 CHECK (discount >= 0 AND discount < price),
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_application ON order_lines (application_id);
CREATE INDEX order_lines_program ON order_lines (program_id);

-- An order's installment schedule (internal/pricing.Schedule), parts adding
-- up to the order's total.
CREATE TABLE order_installments (
    order_id   uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    number     integer NOT NULL CHECK (number >= 1),
    amount     bigint NOT NULL CHECK (amount > 0),
    due_on     date NOT NULL,
    grace_ends date NOT NULL,
    paid_at    timestamptz,
    payment_id uuid,
    reminded_at timestamptz,
    PRIMARY KEY (order_id, number)
);
CREATE INDEX order_installments_unpaid ON order_installments (due_on) WHERE paid_at IS NULL;

CREATE TYPE payment_status AS ENUM ('created', 'pending', 'waiting_for_capture', 'succeeded', 'canceled');

-- Our payments: one provider payment each. created: not yet accepted by the
-- provider (the call failed or the process died; reconciliation retries it
-- with the same idempotence key). succeeded and canceled are final: the
-- status machine in queries only moves forward.
CREATE TABLE payments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id            uuid NOT NULL REFERENCES orders (id),
    user_id             uuid NOT NULL REFERENCES users (id),
    provider            text NOT NULL,
    provider_payment_id text,
    purpose             text NOT NULL CHECK (purpose IN ('full', 'installment', 'early_repayment', 'bank_transfer')),
    installments        integer[] NOT NULL DEFAULT '{}',
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            char(3) NOT NULL,
    status              payment_status NOT NULL DEFAULT 'created',
    confirmation_url    text,
    cancellation_reason text,
    receipt             jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    succeeded_at        timestamptz,
    CONSTRAINT payments_provider_id UNIQUE (provider, provider_payment_id)
);
CREATE INDEX payments_order ON payments (order_id, created_at, id);
CREATE INDEX payments_user ON payments (user_id, created_at DESC, id DESC);
CREATE INDEX payments_open ON payments (updated_at) WHERE status IN ('created', 'pending', 'waiting_for_capture');
-- At most one payment of an order in flight: two clicks cannot pay twice.
CREATE UNIQUE INDEX payments_one_open ON payments (order_id) WHERE status IN ('created', 'pending', 'waiting_for_capture');

CREATE TYPE refund_status AS ENUM ('created', 'pending', 'succeeded', 'canceled');

CREATE TABLE refunds (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id           uuid NOT NULL REFERENCES orders (id),
    payment_id         uuid NOT NULL REFERENCES payments (id),
    provider           text NOT NULL,
    provider_refund_id text,
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           char(3) NOT NULL,
    status             refund_status NOT NULL DEFAULT 'created',
    reason             text NOT NULL,
    receipt            jsonb,
    created_by         uuid NOT NULL REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refunds_provider_id UNIQUE (provider, provider_refund_id)
);
CREATE INDEX refunds_order ON refunds (order_id, created_at, id);

-- An order's history: every status change and money movement, who caused
-- it (actor_id; NULL for the provider or a job) and why.
CREATE TABLE order_events (
    id          bigserial PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    event       text NOT NULL,
    from_status order_status,
    to_status   order_status,
    amount      bigint,
    cause       text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- The organization's withdrawal policy: what a refund may return.
CREATE TABLE commerce_settings (
    organization_id   uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    -- full_before_start: everything until the group starts, nothing after;
    -- pro_rata: the unused share of the group's days; none: no refunds.
    withdrawal_policy text NOT NULL DEFAULT 'pro_rata' CHECK (withdrawal_policy IN ('full_before_start', 'pro_rata', 'none')),
    -- With pro_rata: from this share of the course on (percent), nothing.
    no_refund_after_percent integer NOT NULL DEFAULT 100 CHECK (no_refund_after_percent BETWEEN 0 AND 100),
    reminder_days     integer NOT NULL DEFAULT 3 CHECK (reminder_days BETWEEN 0 AND 30),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE commerce_settings;
DROP TABLE order_events;
DROP TABLE refunds;
DROP TYPE refund_status;
DROP TABLE payments;
DROP TYPE payment_status;
DROP TABLE order_installments;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TYPE order_status;
DROP TABLE installment_plans;
