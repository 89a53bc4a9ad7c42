-- Analytics read model (projection `analytics`, order, cart and coupon events): fact tables
-- the back-office analytics routes aggregate at query time (daily sales, top products, coupon
-- usage, cart conversion and abandonment).
--
-- Design:
-- * One row per fact, keyed by the aggregate whose events write it (an order, its lines, a
--   cart, a coupon redemption). The runner applies each event of an aggregate exactly once, in
--   order, in the transaction that advances that aggregate's position; and every write here
--   sets values taken from the event (never `x = x + 1` on a row shared by several
--   aggregates), so applying an event again leaves the same row. Daily and per-product figures
--   are sums over these rows, computed by the queries: exact, and no shared counter row to
--   keep idempotent under redelivery.
-- * Times are the events' `recorded_at` (never the clock): a replay rebuilds identical rows,
--   and the "day" of a fact is the UTC date of the event that recorded it.
-- * Money is `*_minor bigint` next to a `currency` text column.

-- One row per placed order: its totals and when it reached each step of its life.
CREATE TABLE analytics_orders
(
    order_id       uuid PRIMARY KEY,
    cart_id        uuid        NOT NULL,
    customer_id    uuid        NOT NULL,
    currency       text        NOT NULL,
    coupon_code    text,
    -- Σ line quantities.
    units          bigint      NOT NULL,
    subtotal_minor bigint      NOT NULL,
    discount_minor bigint      NOT NULL,
    shipping_minor bigint      NOT NULL,
    tax_minor      bigint      NOT NULL,
    total_minor    bigint      NOT NULL,
    status         text        NOT NULL,
    -- `recorded_at` of the event that moved the order there (NULL: not reached).
    placed_at      timestamptz NOT NULL,
    confirmed_at   timestamptz,
    paid_at        timestamptz,
    rejected_at    timestamptz,
    cancelled_at   timestamptz,
    expired_at     timestamptz,
    -- When money went back (`OrderRefunded`, or `OrderCancelled` of a paid order) and how much.
    refunded_at    timestamptz,
    refund_minor   bigint,
    updated_at     timestamptz NOT NULL,
    version        bigint      NOT NULL
);

CREATE INDEX analytics_orders_placed ON analytics_orders (placed_at);
CREATE INDEX analytics_orders_paid ON analytics_orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX analytics_orders_refunded ON analytics_orders (refunded_at)
    WHERE refunded_at IS NOT NULL;

-- The priced lines of each order (written with its `OrderPlaced`).
CREATE TABLE analytics_order_lines
(
    order_id         uuid   NOT NULL,
    sku              text   NOT NULL,
    product_id       uuid   NOT NULL,
    -- The product's name at checkout.
    name             text   NOT NULL,
    quantity         bigint NOT NULL,
    line_total_minor bigint NOT NULL,
    -- The line's share of the coupon discount, and its tax.
    discount_minor   bigint NOT NULL,
    tax_minor        bigint NOT NULL,
    PRIMARY KEY (order_id, sku)
);

-- One row per cart: when it was created, which SKUs it holds, how it ended.
CREATE TABLE analytics_carts
(
    cart_id        uuid PRIMARY KEY,
    customer_id    uuid        NOT NULL,
    currency       text        NOT NULL,
    -- The SKUs of its current lines (a set: adding or removing a line twice changes nothing).
    skus           text[]      NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL,
    -- When the first item was added.
    first_item_at  timestamptz,
    checked_out_at timestamptz,
    order_id       uuid,
    -- An explicit `CartAbandoned`.
    abandoned_at   timestamptz,
    -- The cart's last event: its last activity.
    updated_at     timestamptz NOT NULL,
    version        bigint      NOT NULL
);

CREATE INDEX analytics_carts_created ON analytics_carts (created_at);

-- One row per coupon redemption, kept (with `released_at`) when the redemption is given back.
CREATE TABLE analytics_coupon_redemptions
(
    code           text        NOT NULL,
    order_id       uuid        NOT NULL,
    customer_id    uuid        NOT NULL,
    discount_minor bigint      NOT NULL,
    currency       text        NOT NULL,
    redeemed_at    timestamptz NOT NULL,
    released_at    timestamptz,
    PRIMARY KEY (code, order_id)
);

CREATE INDEX analytics_coupon_redemptions_redeemed ON analytics_coupon_redemptions (redeemed_at);
CREATE INDEX analytics_coupon_redemptions_released ON analytics_coupon_redemptions (released_at)
    WHERE released_at IS NOT NULL;
