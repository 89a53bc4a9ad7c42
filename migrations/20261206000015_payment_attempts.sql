-- The payment attempts of each order: what the engine asked of a provider and what came of
-- it. Each attempt has its own idempotency key at the provider (`order-<id>-attempt-<n>`), so
-- a request retried while an attempt's outcome is unknown charges nothing twice, and a new
-- payment method after a decline is a new attempt. Written by the pay use case and the
-- payment webhooks; not a read model (it is not derived from events and is not replayed).
CREATE TABLE payment_attempts
(
    order_id   uuid        NOT NULL,
    attempt    integer     NOT NULL CHECK (attempt > 0),
    provider   text        NOT NULL,
    -- What the customer pays with, as sent: a test token or a payment method id, never
    -- card details.
    token      text        NOT NULL,
    -- `pending`: sent, outcome unknown (no answer, or the provider was unavailable);
    -- `awaiting`: accepted, the customer must act or the provider settles later;
    -- `paid`; `declined`.
    outcome    text        NOT NULL CHECK (outcome IN ('pending', 'awaiting', 'paid', 'declined')),
    -- The provider's payment reference, once known.
    reference  text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, attempt)
);
