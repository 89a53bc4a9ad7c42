-- Command API state that lives beside the event store: stored responses of idempotent
-- requests, and the catalogue-wide SKU registry.

-- One row per (caller, Idempotency-Key). A request first reserves its row (status NULL,
-- reservation_id its own), runs, then stores its response on the row it still owns. A replay
-- of the same request returns the stored response; the same key with another request is
-- refused. Rows are honoured for 24 hours after created_at (readers filter on it); a
-- reservation that never completed (the process died) may be taken over after a short lease.
CREATE TABLE idempotency_keys
(
    caller_id        uuid        NOT NULL,
    idempotency_key  text        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- What the key was first used for: a replay must match all three.
    method           text        NOT NULL,
    path             text        NOT NULL,
    request_hash     bytea       NOT NULL,
    -- The request that currently owns the row.
    reservation_id   uuid        NOT NULL,
    -- The stored response, once the request completed (NULL while in progress).
    status           smallint    CHECK (status BETWEEN 100 AND 599),
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    PRIMARY KEY (caller_id, idempotency_key),
    CONSTRAINT idempotency_keys_completed CHECK (
        (status IS NULL) = (completed_at IS NULL)
        AND (status IS NULL OR (response_headers IS NOT NULL AND response_body IS NOT NULL))
    )
);

-- Expired rows are purged in created_at order.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Every SKU in the catalogue, claimed by the product that owns it. The command API claims a
-- SKU (the primary key refuses a second claim) before it creates the product or variant, and
-- gives the claim back when the command is refused. A claim whose command never ran (the
-- process died in between) is reclaimed once it is old enough and the product still lacks
-- the variant.
CREATE TABLE sku_registry
(
    sku           text        PRIMARY KEY CHECK (length(sku) BETWEEN 1 AND 64),
    product_id    uuid        NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sku_registry_product ON sku_registry (product_id);

-- Register the SKUs of products that already exist (created before this table did).
INSERT INTO sku_registry (sku, product_id)
SELECT variant ->> 'sku', e.aggregate_id::uuid
  FROM events e
 CROSS JOIN LATERAL jsonb_array_elements(e.payload -> 'ProductCreated' -> 'variants') AS variant
 WHERE e.aggregate_type = 'product' AND e.event_type = 'ProductCreated'
UNION ALL
SELECT e.payload -> 'VariantAdded' -> 'variant' ->> 'sku', e.aggregate_id::uuid
  FROM events e
 WHERE e.aggregate_type = 'product' AND e.event_type = 'VariantAdded'
ON CONFLICT (sku) DO NOTHING;
