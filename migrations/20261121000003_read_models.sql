-- Read models: the tables the projections build from events (catalog, carts, orders, coupons,
-- inventory health) and the query API reads.
--
-- Conventions:
-- * Every table is derived data: `commerce replay <projection>` empties and rebuilds it from the
--   event store, so there are no foreign keys between read-model tables (they would only get in
--   the way of emptying them; the projection keeps parent and child rows consistent).
-- * Every main row carries `version` (the sequence of the last event of its aggregate applied
--   to it, for read-your-writes) and `updated_at` (that event's `recorded_at`; the projections
--   never read the clock, so a replay rebuilds identical rows).
-- * Money is `*_minor bigint` (minor units) next to a `currency` text column.
-- * Quantities are bigint: the domain's counts are u32, which does not fit in integer.

-- ---------------------------------------------------------------------------------------------
-- Catalog (projection `catalog`, product events)
-- ---------------------------------------------------------------------------------------------

-- The full-text document of a product: name (weight A), tags and category (B), description (C).
-- array_to_string is only STABLE in general (because of arbitrary element types), but on text[]
-- it is immutable, which lets the document be a generated column and always be right.
CREATE FUNCTION catalog_search_document(name text, description text, category text, tags text[])
    RETURNS tsvector
    LANGUAGE sql
    IMMUTABLE
    PARALLEL SAFE
    RETURN setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(array_to_string(tags, ' '), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(category, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C');

CREATE TABLE catalog_products
(
    id                  uuid PRIMARY KEY,
    name                text        NOT NULL,
    description         text        NOT NULL,
    category            text        NOT NULL,
    tags                text[]      NOT NULL DEFAULT '{}',
    -- Lower-cased tags, for case-insensitive tag filters (maintained with `tags`).
    tag_keys            text[]      NOT NULL DEFAULT '{}',
    images              text[]      NOT NULL DEFAULT '{}',
    status              text        NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    -- The product's single currency; NULL while it has no variant.
    currency            text,
    -- Cheapest and dearest variant price; NULL while it has no variant.
    min_price_minor     bigint,
    max_price_minor     bigint,
    -- Σ available over the variants, and whether it is above zero.
    total_available     bigint      NOT NULL DEFAULT 0,
    in_stock            boolean     NOT NULL DEFAULT false,
    low_stock_threshold bigint      NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             bigint      NOT NULL,
    search              tsvector GENERATED ALWAYS AS
        (catalog_search_document(name, description, category, tags)) STORED
);

CREATE INDEX catalog_products_search ON catalog_products USING gin (search);
CREATE INDEX catalog_products_category ON catalog_products (lower(category));
CREATE INDEX catalog_products_tags ON catalog_products USING gin (tag_keys);
CREATE INDEX catalog_products_min_price ON catalog_products (min_price_minor, id);
CREATE INDEX catalog_products_max_price ON catalog_products (max_price_minor DESC, id);
CREATE INDEX catalog_products_status ON catalog_products (status, created_at DESC, id);
CREATE INDEX catalog_products_name ON catalog_products (name, id);

CREATE TABLE catalog_variants
(
    product_id  uuid   NOT NULL,
    sku         text   NOT NULL,
    -- Option name → value, e.g. {"size": "M", "colour": "red"}.
    options     jsonb  NOT NULL DEFAULT '{}',
    price_minor bigint NOT NULL,
    currency    text   NOT NULL,
    on_hand     bigint NOT NULL CHECK (on_hand >= 0),
    reserved    bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    available   bigint GENERATED ALWAYS AS (on_hand - reserved) STORED,
    PRIMARY KEY (product_id, sku)
);

-- Price filters ("some variant between min and max").
CREATE INDEX catalog_variants_price ON catalog_variants (price_minor, product_id);

-- ---------------------------------------------------------------------------------------------
-- Carts (projection `carts`, cart events)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE cart_views
(
    id               uuid PRIMARY KEY,
    customer_id      uuid        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('open', 'checked_out', 'abandoned')),
    currency         text        NOT NULL,
    coupon_code      text,
    shipping_address jsonb,
    -- The order the cart became (checked out only).
    order_id         uuid,
    -- Σ quantities, and the number of distinct SKUs.
    item_count       bigint      NOT NULL DEFAULT 0,
    line_count       bigint      NOT NULL DEFAULT 0,
    -- Σ line totals, in `currency`.
    subtotal_minor   bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          bigint      NOT NULL
);

CREATE INDEX cart_views_customer ON cart_views (customer_id, status);

CREATE TABLE cart_lines
(
    cart_id          uuid   NOT NULL,
    sku              text   NOT NULL,
    product_id       uuid   NOT NULL,
    quantity         bigint NOT NULL CHECK (quantity > 0),
    unit_price_minor bigint NOT NULL,
    line_total_minor bigint NOT NULL,
    -- Insertion order: the sequence of the `ItemAdded` event that created the line.
    position         bigint NOT NULL,
    PRIMARY KEY (cart_id, sku)
);

-- ---------------------------------------------------------------------------------------------
-- Orders (projection `orders`, order events)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE order_views
(
    id               uuid PRIMARY KEY,
    customer_id      uuid        NOT NULL,
    cart_id          uuid        NOT NULL,
    customer_role    text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('placed', 'confirmed', 'paid', 'shipped',
                                                             'delivered', 'rejected', 'cancelled',
                                                             'refunded', 'expired')),
    currency         text        NOT NULL,
    subtotal_minor   bigint      NOT NULL,
    discount_minor   bigint      NOT NULL,
    shipping_minor   bigint      NOT NULL,
    tax_minor        bigint      NOT NULL,
    total_minor      bigint      NOT NULL,
    tax_rate_bps     bigint      NOT NULL,
    coupon_code      text,
    shipping_address jsonb       NOT NULL,
    -- The priced lines as in `OrderPlaced` (with each line's discount allocation and tax).
    lines            jsonb       NOT NULL,
    -- {provider, reference, amount, paid_at} once paid.
    payment          jsonb,
    -- {carrier, tracking_number, shipped_at[, delivered_at]} once shipped.
    shipment         jsonb,
    -- Rejection code (`out_of_stock`, ...) and the full reason as the domain serialises it.
    rejection_reason text,
    rejection        jsonb,
    cancel_reason    text,
    cancelled_by     text,
    refund_reason    text,
    -- Amount refunded (on a cancelled paid order, or a refund), in `currency`.
    refund_minor     bigint,
    payment_due_by   timestamptz,
    placed_at        timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          bigint      NOT NULL
);

CREATE INDEX order_views_customer ON order_views (customer_id, placed_at DESC, id);
CREATE INDEX order_views_status ON order_views (status, placed_at DESC, id);
CREATE INDEX order_views_placed_at ON order_views (placed_at DESC, id);

-- One row per order event: the status after it, when, by whom, and the event's details.
CREATE TABLE order_timeline
(
    order_id   uuid        NOT NULL,
    sequence   bigint      NOT NULL,
    status     text        NOT NULL,
    event_type text        NOT NULL,
    at         timestamptz NOT NULL,
    actor_id   text,
    actor_role text,
    detail     jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (order_id, sequence)
);

-- ---------------------------------------------------------------------------------------------
-- Coupons (projection `coupons`, coupon events)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE coupon_views
(
    code                 text PRIMARY KEY,
    -- As the domain serialises it: {"percent": 10} or {"fixed": {"amount": 500, "currency": "USD"}}.
    discount             jsonb       NOT NULL,
    min_subtotal_minor   bigint,
    -- Currency of the minimum subtotal or fixed discount, else of the first redemption.
    currency             text,
    starts_at            timestamptz,
    expires_at           timestamptz,
    -- Empty = every role.
    eligible_roles       text[]      NOT NULL DEFAULT '{}',
    max_redemptions      bigint,
    max_per_customer     bigint,
    active               boolean     NOT NULL,
    -- Live (not released) redemptions, and the discount they granted.
    redemption_count     bigint      NOT NULL DEFAULT 0,
    discount_given_minor bigint      NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    version              bigint      NOT NULL
);

-- Live redemptions only: a released redemption is deleted (its slot is free again).
CREATE TABLE coupon_redemptions
(
    code           text        NOT NULL,
    order_id       uuid        NOT NULL,
    customer_id    uuid        NOT NULL,
    discount_minor bigint      NOT NULL,
    currency       text        NOT NULL,
    redeemed_at    timestamptz NOT NULL,
    PRIMARY KEY (code, order_id)
);

CREATE INDEX coupon_redemptions_customer ON coupon_redemptions (customer_id, code);

-- ---------------------------------------------------------------------------------------------
-- Inventory health (projection `inventory`, product events)
-- ---------------------------------------------------------------------------------------------

-- The health level of `available` units under thresholds critical < low < medium.
CREATE FUNCTION inventory_level(available bigint, critical bigint, low bigint, medium bigint)
    RETURNS text
    LANGUAGE sql
    IMMUTABLE
    PARALLEL SAFE
    RETURN CASE
               WHEN available <= critical THEN 'critical'
               WHEN available <= low THEN 'low'
               WHEN available <= medium THEN 'medium'
               ELSE 'high'
        END;

CREATE TABLE inventory_levels
(
    product_id     uuid        NOT NULL,
    sku            text        NOT NULL,
    product_name   text        NOT NULL,
    product_status text        NOT NULL CHECK (product_status IN ('draft', 'active', 'archived')),
    on_hand        bigint      NOT NULL CHECK (on_hand >= 0),
    reserved       bigint      NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    available      bigint GENERATED ALWAYS AS (on_hand - reserved) STORED,
    -- Computed by the projection from its configured thresholds (a change of thresholds takes
    -- `commerce replay inventory`).
    level          text        NOT NULL CHECK (level IN ('critical', 'low', 'medium', 'high')),
    updated_at     timestamptz NOT NULL,
    version        bigint      NOT NULL,
    PRIMARY KEY (product_id, sku)
);

CREATE INDEX inventory_levels_available ON inventory_levels (available, product_id, sku);
CREATE INDEX inventory_levels_level ON inventory_levels (level, available);
