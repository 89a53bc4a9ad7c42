-- Publication and consumption state: where the relay has published up to, the wake-up
-- signal for it, and each projection's per-aggregate position and dead letters.

-- The relay's checkpoint: the last published event in (commit_xid, global_position) order.
-- Only the leader (holder of the relay advisory lock) writes it, and only forwards.
CREATE TABLE relay_checkpoints
(
    name          text        PRIMARY KEY,
    last_xid      xid8        NOT NULL DEFAULT '0'::xid8,
    last_position bigint      NOT NULL DEFAULT 0,
    published     bigint      NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

INSERT INTO relay_checkpoints (name) VALUES ('main');

-- Wake the relay when events commit (NOTIFY is delivered at commit). The relay also polls,
-- so a lost notification only delays publication.
CREATE FUNCTION events_notify_appended() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('events_appended', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_appended
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify_appended();

-- Per projection and aggregate: the sequence of the last event applied. Updated in the same
-- transaction as the read model, it makes redelivered events no-ops and holds back events
-- that arrive ahead of a missing predecessor.
CREATE TABLE projection_positions
(
    projection     text   NOT NULL,
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    last_sequence  bigint NOT NULL,
    PRIMARY KEY (projection, aggregate_type, aggregate_id)
);

-- Events a projection gave up on after bounded retries (also published on the dead-letter
-- subject). The projection moves past them so the aggregate is not blocked forever; a
-- `commerce replay` after the fix rebuilds the read model with them.
CREATE TABLE projection_dead_letters
(
    projection       text        NOT NULL,
    event_id         uuid        NOT NULL,
    aggregate_type   text        NOT NULL,
    aggregate_id     text        NOT NULL,
    sequence         bigint      NOT NULL,
    event_type       text        NOT NULL,
    error            text        NOT NULL,
    deliveries       bigint      NOT NULL,
    dead_lettered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, event_id)
);
