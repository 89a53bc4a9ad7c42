-- Event store: the postgres-es tables `events` and `snapshots`, plus the columns the engine
-- needs and postgres-es does not know about. postgres-es inserts only its own seven columns;
-- every extra column is filled by its default, inside the inserting transaction.

CREATE TABLE events
(
    -- postgres-es columns
    aggregate_type  text   NOT NULL,
    aggregate_id    text   NOT NULL,
    sequence        bigint NOT NULL CHECK (sequence >= 1),
    event_type      text   NOT NULL,
    event_version   text   NOT NULL,
    payload         jsonb  NOT NULL,
    metadata        jsonb  NOT NULL,
    -- engine columns
    -- Allocation order across all aggregates (not commit order: see commit_xid).
    global_position bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    -- Transaction that wrote the event. Readers that must not skip late commits read in
    -- (commit_xid, global_position) order below pg_snapshot_xmin(pg_current_snapshot()).
    commit_xid      xid8        NOT NULL DEFAULT pg_current_xact_id(),
    -- Stable identity of the event, used as the NATS message id for de-duplication.
    event_id        uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- Wall-clock time the row was written.
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence),
    CONSTRAINT events_global_position_unique UNIQUE (global_position),
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    -- Every event says who caused it and in which request and chain of events.
    CONSTRAINT events_metadata_complete CHECK (
        jsonb_typeof(metadata) = 'object'
        AND metadata ?& ARRAY['actor_id', 'actor_role', 'correlation_id', 'causation_id', 'request_id']
    )
);

CREATE INDEX events_commit_order ON events (commit_xid, global_position);
CREATE INDEX events_recorded_at ON events (recorded_at);
CREATE INDEX events_event_type ON events (event_type, global_position);

-- Events are facts: the store is append-only. Changing history takes a deliberate
-- `ALTER TABLE events DISABLE TRIGGER events_append_only` by the table owner.
CREATE FUNCTION events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

-- Aggregate snapshots (used for products, whose streams grow with every reservation).
-- postgres-es keeps one row per aggregate and updates it with an optimistic check on
-- current_snapshot.
CREATE TABLE snapshots
(
    aggregate_type   text   NOT NULL,
    aggregate_id     text   NOT NULL,
    last_sequence    bigint NOT NULL CHECK (last_sequence >= 0),
    current_snapshot bigint NOT NULL CHECK (current_snapshot >= 0),
    payload          jsonb  NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);
