-- The HTTP processes keep the revoked access tokens in memory: every revocation notifies
-- `access_token_revoked` with "<jti> <expiry as Unix seconds>" (delivered at commit).

CREATE FUNCTION access_token_revoked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('access_token_revoked',
                      NEW.jti::text || ' ' || floor(extract(epoch FROM NEW.expires_at))::bigint);
    RETURN NULL;
END
$$;

CREATE TRIGGER revoked_access_tokens_notify
    AFTER INSERT ON revoked_access_tokens
    FOR EACH ROW EXECUTE FUNCTION access_token_revoked();
