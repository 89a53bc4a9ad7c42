-- Account changes of issue 27: deactivation, email changes confirmed from the new address.
--
-- `deactivated_at` is set while an admin has deactivated the account: its sessions were
-- revoked at that moment and logins and refreshes are refused until it is reactivated.
-- `pending_email` is the address a user asked to move to (`POST me/email`); it becomes `email`
-- only when a `change_email` token, mailed to that address, is redeemed. A newer request
-- replaces it, so tokens mailed for an older one stop working.

ALTER TABLE users
    ADD COLUMN deactivated_at timestamptz,
    ADD COLUMN pending_email  text CHECK (pending_email = lower(pending_email));

ALTER TABLE email_tokens
    DROP CONSTRAINT email_tokens_purpose_check,
    ADD CONSTRAINT email_tokens_purpose_check
        CHECK (purpose IN ('verify_email', 'password_reset', 'change_email'));
