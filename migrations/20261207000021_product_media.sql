-- Uploaded product images (projection `catalog`: ProductImageAdded, ProductImageRemoved,
-- ProductImagesReordered). One row per image a product shows; `position` is its place among
-- the product's uploaded images, 0..n-1 without gaps (they are shown after the linked URLs of
-- `catalog_products.images`). The bytes live in the media store under `key`.

CREATE TABLE catalog_product_images
(
    product_id   uuid   NOT NULL,
    image_id     uuid   NOT NULL,
    position     bigint NOT NULL,
    key          text   NOT NULL,
    content_type text   NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    width        bigint NOT NULL,
    height       bigint NOT NULL,
    byte_size    bigint NOT NULL,
    alt          text,
    PRIMARY KEY (product_id, image_id)
);

CREATE INDEX catalog_product_images_order ON catalog_product_images (product_id, position);

-- The rendered-product caches hear about image changes like any other catalog row
-- (migrations `catalog_changed` and `catalog_changed_once_per_replay`).
CREATE TRIGGER catalog_product_images_changed
    AFTER INSERT OR UPDATE OR DELETE ON catalog_product_images
    FOR EACH ROW
    WHEN (current_setting('commerce.replaying', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER catalog_product_images_truncated
    AFTER TRUNCATE ON catalog_product_images
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
