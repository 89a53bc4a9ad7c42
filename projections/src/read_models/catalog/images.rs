//! The catalog's product images: `catalog_product_images` (one row per uploaded image, its
//! `position` among the product's uploads from 0, without gaps) and how a product view shows
//! them.
//!
//! A product shows its linked images (the URLs of its details, `catalog_products.images`)
//! first, then its uploaded images in their order; an uploaded image's URL is
//! [`media_url`] of its key.

use commerce_aggregates::product::ProductImage;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

/// Where the engine serves the media store's objects (`GET media/{key}`).
pub const MEDIA_PATH: &str = "/api/v1/media/";

/// The URL (relative to the API's origin) of the uploaded image stored under `key`.
pub fn media_url(key: &str) -> String {
    format!("{MEDIA_PATH}{key}")
}

/// One image of a [`ProductView`](super::ProductView), linked or uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageView {
    /// Where the image is: the linked URL as given, or `/api/v1/media/{key}` for an upload.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "/api/v1/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png"
        )
    )]
    pub url: String,
    /// The uploaded image's id (for `DELETE`/`PUT products/{id}/images`); none for a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// `image/jpeg`, `image/png` or `image/webp`; none for a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Width in pixels; none for a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    /// Height in pixels; none for a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    /// Text alternative, when one was given with the upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
}

impl ImageView {
    fn linked(url: String) -> Self {
        Self {
            url,
            id: None,
            content_type: None,
            width: None,
            height: None,
            alt: None,
        }
    }
}

/// An uploaded image as the product queries select it (JSON built by [`UPLOADS_COLUMN`]).
#[derive(Debug, Deserialize)]
pub(super) struct UploadRow {
    image_id: Uuid,
    key: String,
    content_type: String,
    width: i64,
    height: i64,
    alt: Option<String>,
}

/// The select-list column `uploads` of the product queries: the uploaded images of product
/// `p`, in order, as a JSON array of [`UploadRow`]s.
macro_rules! uploads_column {
    () => {
        "COALESCE((SELECT jsonb_agg(jsonb_build_object(
             'image_id', i.image_id, 'key', i.key, 'content_type', i.content_type,
             'width', i.width, 'height', i.height, 'alt', i.alt) ORDER BY i.position)
           FROM catalog_product_images i WHERE i.product_id = p.id), '[]') AS uploads"
    };
}
pub(super) use uploads_column;

/// Every image of a product in display order: `linked` URLs, then the `uploads`.
pub(super) fn gallery(linked: &[String], uploads: Vec<UploadRow>) -> Vec<ImageView> {
    let linked = linked.iter().cloned().map(ImageView::linked);
    let uploaded = uploads.into_iter().map(|row| ImageView {
        url: media_url(&row.key),
        id: Some(row.image_id),
        content_type: Some(row.content_type),
        width: Some(row.width),
        height: Some(row.height),
        alt: row.alt,
    });
    linked.chain(uploaded).collect()
}

/// `ProductImageAdded`: the image goes after the product's other uploads.
pub(super) async fn add(
    tx: &mut PgConnection,
    product_id: Uuid,
    image: &ProductImage,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO catalog_product_images (product_id, image_id, position, key, content_type, \
         width, height, byte_size, alt) \
         SELECT $1, $2, count(*), $3, $4, $5, $6, $7, $8 \
         FROM catalog_product_images WHERE product_id = $1 \
         ON CONFLICT (product_id, image_id) DO NOTHING",
    )
    .bind(product_id)
    .bind(image.image_id)
    .bind(&image.key)
    .bind(image.content_type.content_type())
    .bind(i64::from(image.width))
    .bind(i64::from(image.height))
    .bind(i64::try_from(image.byte_size).unwrap_or(i64::MAX))
    .bind(&image.alt)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// `ProductImageRemoved`: the image's row goes and the ones after it move up.
pub(super) async fn remove(
    tx: &mut PgConnection,
    product_id: Uuid,
    image_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH gone AS (DELETE FROM catalog_product_images \
                       WHERE product_id = $1 AND image_id = $2 RETURNING position) \
         UPDATE catalog_product_images AS i SET position = i.position - 1 FROM gone \
         WHERE i.product_id = $1 AND i.position > gone.position",
    )
    .bind(product_id)
    .bind(image_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// `ProductImagesReordered`: each image's position is its index in `image_ids`.
pub(super) async fn reorder(
    tx: &mut PgConnection,
    product_id: Uuid,
    image_ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE catalog_product_images AS i SET position = o.n - 1 \
         FROM UNNEST($2::uuid[]) WITH ORDINALITY AS o(image_id, n) \
         WHERE i.product_id = $1 AND i.image_id = o.image_id",
    )
    .bind(product_id)
    .bind(image_ids)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
