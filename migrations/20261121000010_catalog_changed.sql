-- Invalidation of the HTTP processes' rendered-product caches: any change to a product's
-- catalog rows notifies `catalog_changed` with the product id (delivered at commit, repeated
-- ids of one transaction folded into one); a TRUNCATE (a replay) notifies `*`.

CREATE FUNCTION catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('catalog_changed', '*');
    ELSIF TG_TABLE_NAME = 'catalog_products' THEN
        IF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('catalog_changed', OLD.id::text);
        ELSE
            PERFORM pg_notify('catalog_changed', NEW.id::text);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('catalog_changed', OLD.product_id::text);
    ELSE
        PERFORM pg_notify('catalog_changed', NEW.product_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_products_changed
    AFTER INSERT OR UPDATE OR DELETE ON catalog_products
    FOR EACH ROW EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER catalog_products_truncated
    AFTER TRUNCATE ON catalog_products
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER catalog_variants_changed
    AFTER INSERT OR UPDATE OR DELETE ON catalog_variants
    FOR EACH ROW EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER catalog_variants_truncated
    AFTER TRUNCATE ON catalog_variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
