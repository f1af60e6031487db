-- +goose Up
-- Employer payment: a legal entity pays for a learner's order against an
-- invoice (счёт) by bank transfer, which staff record; an act (акт) closes
-- it once the course ended. Also the learner's withdrawal and the
-- installment notices (reminders before a due date, the overdue notice).

-- The employer that pays an order, with its requisites as given at
-- checkout (checked by internal/requisites; bank requisites optional).
CREATE TABLE order_payers (
    order_id              uuid PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
    inn                   text NOT NULL CHECK (inn ~ '^[0-9]{10}$'),
    kpp                   text NOT NULL CHECK (kpp ~ '^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$'),
    legal_address         text NOT NULL DEFAULT '' CHECK (length(legal_address) <= 500),
    bank_name             text NOT NULL DEFAULT '' CHECK (length(bank_name) <= 300),
    bik                   text NOT NULL DEFAULT '' CHECK (bik ~ '^([0-9]{9})?$'),
    settlement_account    text NOT NULL DEFAULT '' CHECK (settlement_account ~ '^([0-9]{20})?$'),
    correspondent_account text NOT NULL DEFAULT '' CHECK (correspondent_account ~ '^([0-9]{20})?$'),
    email                 text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    signatory             text NOT NULL DEFAULT '' CHECK (length(signatory) <= 200),
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- An order's numbered documents: the invoice (numbered with the order) and
-- the act (numbered when first issued). Numbers come from the
-- organization's document_counters (internal/docnumber), kinds "invoice"
-- and "act"; the PDF is rendered from the order on each download.
CREATE TABLE order_documents (
    order_id        uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('invoice', 'act')),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number          text NOT NULL,
    issued_on       date NOT NULL,
    amount          bigint NOT NULL CHECK (amount >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, kind),
    CONSTRAINT order_documents_number UNIQUE (organization_id, kind, number)
);
CREATE INDEX order_documents_org ON order_documents (organization_id, kind, created_at DESC, order_id DESC);

-- A bank transfer recorded by staff: the payment order's number and date.
ALTER TABLE payments
    ADD COLUMN bank_document_number text CHECK (length(bank_document_number) BETWEEN 1 AND 40),
    ADD COLUMN bank_document_date   date,
    ADD COLUMN recorded_by          uuid REFERENCES users (id) ON DELETE SET NULL;

-- A learner's withdrawal: when, and the last day of access (the end of the
-- paid period).
ALTER TABLE orders
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN access_until date;

-- The overdue notice (the part passed its grace period; access suspended),
-- sent once like the reminder (reminded_at).
ALTER TABLE order_installments ADD COLUMN overdue_notified_at timestamptz;
CREATE INDEX order_installments_notices ON order_installments (due_on)
    WHERE paid_at IS NULL AND (reminded_at IS NULL OR overdue_notified_at IS NULL);

-- +goose Down
DROP INDEX order_installments_notices;
ALTER TABLE order_installments DROP COLUMN overdue_notified_at;
ALTER TABLE orders DROP COLUMN access_until, DROP COLUMN withdrawn_at;
ALTER TABLE payments DROP COLUMN recorded_by, DROP COLUMN bank_document_date, DROP COLUMN bank_document_number;
DROP TABLE order_documents;
DROP TABLE order_payers;
