-- Read model `contact_messages` (projection of contact_message events): one row per message
-- sent through the contact form, for `GET admin/messages`. Rebuilt by `commerce replay
-- contact_messages`; every timestamp comes from the events.

CREATE TABLE contact_message_views
(
    id              uuid PRIMARY KEY,
    name            text        NOT NULL,
    email           text        NOT NULL,
    subject         text        NOT NULL,
    message         text        NOT NULL,
    -- The signed-in sender; NULL for an anonymous one.
    user_id         uuid,
    status          text        NOT NULL CHECK (status IN ('open', 'resolved')),
    received_at     timestamptz NOT NULL,
    resolved_at     timestamptz,
    resolved_by     uuid,
    resolution_note text,
    -- Sequence of the last event applied.
    version         bigint      NOT NULL
);

-- Newest first, all or by status.
CREATE INDEX contact_message_views_received ON contact_message_views (received_at DESC, id DESC);
CREATE INDEX contact_message_views_status ON contact_message_views (status, received_at DESC, id DESC);
