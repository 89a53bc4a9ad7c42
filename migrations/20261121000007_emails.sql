-- The mailer's outbox and log: one row per email the events call for.
--
-- The mailer consumer (`proj-mailer`) renders each email and inserts its row in the same
-- transaction that advances its position, so an email is produced exactly once per (event,
-- template, recipient) even when NATS redelivers (the UNIQUE rule plus ON CONFLICT DO NOTHING).
-- The sender task delivers pending rows that are due and records the outcome; failures are
-- retried with exponential backoff until `failed`.
--
-- Bodies of verification and password-reset emails hold a single-use token in clear: this table
-- is as sensitive as a mailbox (see the `mailer` module documentation).

CREATE TABLE emails
(
    id              uuid PRIMARY KEY,
    -- The event that called for the email.
    event_id        uuid        NOT NULL,
    -- Template name (`verify_email`, `order_confirmed`, ...).
    template        text        NOT NULL,
    recipient       text        NOT NULL,
    subject         text        NOT NULL,
    text_body       text        NOT NULL,
    html_body       text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed')),
    -- Delivery attempts that failed so far.
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    -- When the sender may try (again).
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (event_id, template, recipient)
);

-- The sender's queue: pending rows by due time.
CREATE INDEX emails_due ON emails (next_attempt_at) WHERE status = 'pending';
CREATE INDEX emails_created_at ON emails (created_at DESC, id);
CREATE INDEX emails_status ON emails (status, created_at DESC, id);
