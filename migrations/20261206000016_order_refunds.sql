-- An order's refunds (partial or full), as the orders projection folds them from
-- RefundRequested, RefundFailed and OrderRefunded: a JSON array of
-- {refund_id, amount, lines, reason, status, provider_reference, requested_at, refunded_at,
--  failed_at, failure_reason}. refund_minor is the sum of the money returned.
ALTER TABLE order_views ADD COLUMN refunds jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Analytics counts every refund on the UTC day it was recorded, an order possibly refunded in
-- parts on several days: one row per refund event (keyed by the order and the event's
-- sequence, so applying an event twice writes the same row). `lines`: the units returned per
-- SKU ({"<sku>": <units>}); NULL for a refund of the whole total at once (every unit: a full
-- refund, or a cancellation after payment); {} for a smaller refund by amount (no units).
CREATE TABLE analytics_refunds
(
    order_id     uuid        NOT NULL,
    sequence     bigint      NOT NULL,
    currency     text        NOT NULL,
    refunded_at  timestamptz NOT NULL,
    amount_minor bigint      NOT NULL,
    lines        jsonb,
    PRIMARY KEY (order_id, sequence)
);
CREATE INDEX analytics_refunds_at ON analytics_refunds (refunded_at);

-- The refunds recorded so far were each of a whole order, one per order; a replay of the
-- projection rewrites them with their event's sequence.
INSERT INTO analytics_refunds (order_id, sequence, currency, refunded_at, amount_minor, lines)
SELECT order_id, version, currency, refunded_at, COALESCE(refund_minor, 0), NULL
  FROM analytics_orders WHERE refunded_at IS NOT NULL;
DROP INDEX analytics_orders_refunded;
ALTER TABLE analytics_orders DROP COLUMN refunded_at, DROP COLUMN refund_minor;

-- Stripe's charge.refunded names the payment, not always the order: found by the reference.
CREATE INDEX payment_attempts_reference ON payment_attempts (reference)
    WHERE reference IS NOT NULL;
