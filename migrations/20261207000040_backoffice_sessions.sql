-- The back office's browser sessions (`/admin/`): a random id handed out in an HttpOnly cookie
-- and stored here only as its SHA-256 hash, so a leaked table signs nobody in. A row can be
-- deleted (logout) at once, which a signed cookie could not. `csrf_token` is the per-session
-- token every form posts back. Role and deactivation are read from `users` on each request,
-- so a role change or a deactivation takes effect on the next page.
CREATE TABLE backoffice_sessions
(
    token_hash bytea PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX backoffice_sessions_user ON backoffice_sessions (user_id);
CREATE INDEX backoffice_sessions_expires_at ON backoffice_sessions (expires_at);
