-- The contact form's throttle: one row per accepted message, by client address and by sender
-- email, so `POST contact` can count a sender's messages over a sliding window in every
-- process alike. Not a read model (nothing replays it) and not the message (that is an event):
-- only when and from where. Rows older than the window are deleted by the inserts.

CREATE TABLE contact_submissions
(
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The peer address of the request (NULL when the server runs without connection info).
    client_addr  inet,
    -- Trimmed and lower-cased, as the message records it.
    sender_email text        NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX contact_submissions_client ON contact_submissions (client_addr, submitted_at DESC);
CREATE INDEX contact_submissions_email ON contact_submissions (sender_email, submitted_at DESC);
CREATE INDEX contact_submissions_submitted_at ON contact_submissions (submitted_at);
