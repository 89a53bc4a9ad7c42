-- Payment provider webhooks, one row per provider event id: a redelivered event answers with
-- the stored outcome and changes nothing. A row is written only once the event was handled
-- (the order paid, the failure noted, or the event type ignored); an event refused with a
-- 4xx/5xx leaves no row, so the provider's retry is handled afresh.
CREATE TABLE payment_webhook_events
(
    provider_event_id text        PRIMARY KEY CHECK (length(provider_event_id) BETWEEN 1 AND 255),
    received_at       timestamptz NOT NULL DEFAULT now(),
    -- The order the event is about (NULL for event types this engine ignores).
    order_id          uuid,
    type              text        NOT NULL,
    -- `paid`, `failed` or `ignored`.
    outcome           text        NOT NULL
);

CREATE INDEX payment_webhook_events_order ON payment_webhook_events (order_id);
