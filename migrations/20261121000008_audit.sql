-- Audit: finding the events other streams record for an order, and a tamper-evident hash
-- chain over every stored event.

-- Events of other streams that name an order in their payload, e.g.
-- {"StockReserved": {"order_id": "…", …}}: stock reservations, releases and commits, coupon
-- redemptions and releases, the cart's checkout. `GET orders/{id}/history` looks them up by
-- the order id (as text, so a malformed payload can never make an insert fail).
CREATE INDEX events_order_ref ON events ((payload -> event_type ->> 'order_id'))
    WHERE aggregate_type <> 'order' AND (payload -> event_type ->> 'order_id') IS NOT NULL;

-- The hash chain: one link per event, in the commit-safe order the relay publishes in
-- ((commit_xid, global_position), sealed only below the oldest running transaction), appended
-- by the sealer (one leader, run with the relay). Each link stores where the event was and a
-- digest of its content, and chains to its predecessor:
--   content_hash = SHA-256(length-prefixed aggregate_type, aggregate_id, event_type,
--                  event_version, canonical payload, canonical metadata, event_id, recorded_at)
--   hash         = SHA-256(prev_hash ‖ link ‖ global_position ‖ sequence ‖ content_hash)
-- with prev_hash of link 1 = 32 zero bytes. `commerce audit verify` recomputes every link.
CREATE TABLE event_chain
(
    link            bigint      PRIMARY KEY CHECK (link >= 1),
    global_position bigint      NOT NULL UNIQUE,
    -- Where the sealer resumes (not part of the hash: a storage detail, not the event).
    commit_xid      xid8        NOT NULL,
    event_id        uuid        NOT NULL UNIQUE,
    -- The stream position sealed, to name a deleted or moved event.
    aggregate_type  text        NOT NULL,
    aggregate_id    text        NOT NULL,
    sequence        bigint      NOT NULL,
    content_hash    bytea       NOT NULL CHECK (length(content_hash) = 32),
    prev_hash       bytea       NOT NULL CHECK (length(prev_hash) = 32),
    hash            bytea       NOT NULL CHECK (length(hash) = 32),
    sealed_at       timestamptz NOT NULL DEFAULT now()
);

-- The chain is append-only like the events it seals.
CREATE FUNCTION event_chain_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'event_chain is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER event_chain_append_only
    BEFORE UPDATE OR DELETE ON event_chain
    FOR EACH ROW EXECUTE FUNCTION event_chain_refuse_change();

CREATE TRIGGER event_chain_no_truncate
    BEFORE TRUNCATE ON event_chain
    FOR EACH STATEMENT EXECUTE FUNCTION event_chain_refuse_change();
