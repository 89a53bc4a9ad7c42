-- Guest carts and guest orders (issue 27 item 5).
--
-- A guest's cart has no customer: it is opened by whoever holds its token, whose SHA-256 hash
-- (never the token) is kept so the query API can check a `Cart-Token` header. A claimed guest
-- cart becomes its customer's (hash cleared) or is merged into their cart (`merged`).
ALTER TABLE cart_views ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE cart_views ADD COLUMN guest_token_hash text;
ALTER TABLE cart_views DROP CONSTRAINT cart_views_status_check;
ALTER TABLE cart_views ADD CONSTRAINT cart_views_status_check
    CHECK (status IN ('open', 'checked_out', 'abandoned', 'merged'));
CREATE INDEX cart_views_order ON cart_views (order_id) WHERE order_id IS NOT NULL;

-- A guest's order has no customer, and its emails go to the address given at checkout.
ALTER TABLE order_views ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE order_views ADD COLUMN guest_email text;

ALTER TABLE analytics_orders ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE analytics_carts ALTER COLUMN customer_id DROP NOT NULL;
