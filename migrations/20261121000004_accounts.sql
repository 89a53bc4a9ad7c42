-- Accounts and authentication: users, refresh tokens, revoked access tokens, email tokens
-- (verification and password reset) and failed-login throttling.
--
-- These are relational tables, not read models: they are the source of truth for credentials.
-- Account changes that must trigger an email are also appended to `events` (aggregate_type
-- `account`, aggregate_id = users.id) in the same transaction as the change; no secret (password,
-- hash or token) ever goes into an event. Every token is stored only as its SHA-256 hash.

CREATE TABLE users
(
    id                uuid PRIMARY KEY,
    -- Trimmed and lower-cased by the application; unique across accounts.
    email             text        NOT NULL UNIQUE CHECK (email = lower(email)),
    name              text        NOT NULL,
    -- argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`), per-user random salt.
    password_hash     text        NOT NULL,
    role              text        NOT NULL DEFAULT 'customer'
        CHECK (role IN ('customer', 'prime', 'admin', 'auditor')),
    -- NULL until the address is verified with an emailed token.
    email_verified_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX users_role ON users (role);
CREATE INDEX users_created_at ON users (created_at, id);

-- Opaque refresh tokens. A login starts a family; every refresh rotates the presented token
-- (rotated_at set) and issues its successor in the same family. Presenting a rotated token again
-- is a reuse: the whole family is revoked (revoked_at set on every member).
CREATE TABLE refresh_tokens
(
    -- SHA-256 of the token (the token itself is 32 random bytes, hex-encoded, never stored).
    token_hash        bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    family_id         uuid        NOT NULL,
    user_id           uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The id (jti) and expiry of the access token issued together with this refresh token: a
    -- logout without a refresh token in its body revokes the family of the access token it
    -- presents, and revoking a family (or every session of a user) revokes its live access tokens.
    access_jti        uuid        NOT NULL,
    access_expires_at timestamptz NOT NULL,
    issued_at         timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    -- Set when exchanged for its successor.
    rotated_at        timestamptz,
    -- Set on logout, password or role change, or detected reuse.
    revoked_at        timestamptz
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_access_jti ON refresh_tokens (access_jti);

-- Access tokens (JWTs) revoked before they expire: by a logout, a detected refresh-token reuse,
-- or a password or role change. Rows are useless after expires_at and are deleted
-- opportunistically.
CREATE TABLE revoked_access_tokens
(
    jti        uuid PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

CREATE INDEX revoked_access_tokens_expires_at ON revoked_access_tokens (expires_at);

-- Single-use tokens sent by email: verifying the address, resetting the password. Issued by
-- `auth::email_tokens::issue_email_token` (called by the mailer when it handles the event asking
-- for the email), consumed by the HTTP routes. Using one token of a purpose uses up every other
-- outstanding token of that user and purpose.
CREATE TABLE email_tokens
(
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    -- The address the token was issued for (a verification token verifies only that address).
    email      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);

-- Failed login attempts, counted over a sliding window per account (the attempted, normalised
-- email, whether or not such an account exists) and per client address. Rows older than the
-- window are deleted opportunistically.
CREATE TABLE login_failures
(
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_key text        NOT NULL,
    -- NULL when the server does not know the client's address.
    client_addr inet,
    failed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_failures_account ON login_failures (account_key, failed_at);
CREATE INDEX login_failures_client ON login_failures (client_addr, failed_at);
