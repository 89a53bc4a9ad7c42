//! Add a variant to a product (admins); its SKU is claimed in the catalogue-wide registry
//! first (see [`super::sku_registry`]).

use std::collections::BTreeSet;

use commerce_aggregates::product::{NewVariant, ProductCommand};
use sqlx::PgPool;
use uuid::Uuid;

use super::create_product::{normalize_skus, CatalogueError};
use super::sku_registry;
use crate::store::{CommandMetadata, Stores};

/// Add `variant` to product `product_id`.
#[derive(Debug, Clone)]
pub struct AddVariant {
    /// The product.
    pub product_id: Uuid,
    /// The variant, its SKU as the admin sent it.
    pub variant: NewVariant,
    /// The product version the admin saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Adds the variant; the product's new version.
#[tracing::instrument(skip_all, fields(product_id = %input.product_id), err(level = "debug"))]
pub async fn add_variant(
    stores: &Stores,
    pool: &PgPool,
    input: AddVariant,
    metadata: &CommandMetadata,
) -> Result<usize, CatalogueError> {
    let id = input.product_id;
    let mut variant = [input.variant];
    normalize_skus(&mut variant)?;
    let [variant] = variant;
    let claimed = BTreeSet::from([variant.sku.clone()]);
    sku_registry::claim(pool, stores, id, &claimed).await?;
    let command = ProductCommand::AddVariant { variant };
    match stores
        .products
        .execute(&id.to_string(), command, metadata, input.expected_version)
        .await
    {
        Ok(committed) => Ok(committed.version),
        Err(error) => {
            sku_registry::release(pool, id, &claimed).await;
            Err(CatalogueError::Product(error))
        }
    }
}
