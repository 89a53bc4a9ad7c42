-- Stores (projection `stores`, store events), and the store every product, cart and order
-- belongs to.

CREATE TABLE store_views
(
    slug          text        PRIMARY KEY,
    name          text        NOT NULL,
    currency      text        NOT NULL,
    contact_email text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('active', 'closed')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       bigint      NOT NULL
);

-- Rows written before stores are the default store's (their events are upcast into it); the
-- projections write the column from now on, so it keeps no default.
ALTER TABLE catalog_products ADD COLUMN store text NOT NULL DEFAULT 'default';
ALTER TABLE catalog_products ALTER COLUMN store DROP DEFAULT;
CREATE INDEX catalog_products_store ON catalog_products (store, status, created_at DESC, id);

ALTER TABLE cart_views ADD COLUMN store text NOT NULL DEFAULT 'default';
ALTER TABLE cart_views ALTER COLUMN store DROP DEFAULT;

ALTER TABLE order_views ADD COLUMN store text NOT NULL DEFAULT 'default';
ALTER TABLE order_views ALTER COLUMN store DROP DEFAULT;
CREATE INDEX order_views_store ON order_views (store, placed_at DESC, id);

ALTER TABLE analytics_orders ADD COLUMN store text NOT NULL DEFAULT 'default';
ALTER TABLE analytics_orders ALTER COLUMN store DROP DEFAULT;
