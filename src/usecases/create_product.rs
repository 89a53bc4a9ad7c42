//! Create a product (admins): a draft with its variants, each SKU claimed in the
//! catalogue-wide registry first (see [`super::sku_registry`]).

use std::collections::BTreeSet;

use commerce_aggregates::line;
use commerce_aggregates::product::{NewVariant, ProductCommand, ProductError, MAX_VARIANTS};
use commerce_aggregates::store::StoreError;
use sqlx::PgPool;
use uuid::Uuid;

use super::sku_registry::{self, ClaimError};
use crate::store::{CommandMetadata, ExecuteError, Stores};

/// A new product's content.
#[derive(Debug, Clone)]
pub struct CreateProduct {
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Image URLs.
    pub images: Vec<String>,
    /// The variants, SKUs as the admin sent them.
    pub variants: Vec<NewVariant>,
    /// Low-stock threshold, when not the default.
    pub low_stock_threshold: Option<u32>,
    /// The store it is sold in.
    pub store: String,
}

/// Why a catalogue command was not committed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// A SKU is already used by another product.
    #[error(transparent)]
    SkuTaken(ClaimError),
    /// The product refused, or the event store failed.
    #[error(transparent)]
    Product(ExecuteError<ProductError>),
    /// The store is missing or closed.
    #[error(transparent)]
    Store(ExecuteError<StoreError>),
}

impl From<ClaimError> for CatalogueError {
    fn from(error: ClaimError) -> Self {
        match error {
            ClaimError::Store(error) => CatalogueError::Product(ExecuteError::Store(error)),
            taken => CatalogueError::SkuTaken(taken),
        }
    }
}

/// Puts each variant's SKU in the catalogue's form ([`line::normalize_sku`]), so the
/// registry claims what the product will hold.
pub(super) fn normalize_skus(variants: &mut [NewVariant]) -> Result<(), CatalogueError> {
    for variant in variants {
        variant.sku = line::normalize_sku(&variant.sku).ok_or_else(|| {
            CatalogueError::Product(ExecuteError::Domain(ProductError::InvalidSku {
                sku: variant.sku.clone(),
            }))
        })?;
    }
    Ok(())
}

/// A product just created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedProduct {
    /// Its id.
    pub id: Uuid,
    /// Its version after creation.
    pub version: usize,
}

/// Creates the product.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create_product(
    stores: &Stores,
    pool: &PgPool,
    input: CreateProduct,
    metadata: &CommandMetadata,
) -> Result<CreatedProduct, CatalogueError> {
    if input.variants.len() > MAX_VARIANTS {
        // Refused before any SKU is claimed.
        return Err(CatalogueError::Product(ExecuteError::Domain(
            ProductError::TooManyVariants { max: MAX_VARIANTS },
        )));
    }
    let store = super::stores::admitting(stores, &input.store)
        .await
        .map_err(CatalogueError::Store)?;
    let mut variants = input.variants;
    normalize_skus(&mut variants)?;
    let claimed: BTreeSet<String> = variants.iter().map(|v| v.sku.clone()).collect();
    let id = Uuid::new_v4();
    let command = ProductCommand::CreateProduct {
        product_id: id,
        name: input.name,
        description: input.description,
        category: input.category,
        tags: input.tags,
        images: input.images,
        variants,
        low_stock_threshold: input.low_stock_threshold,
        store: store.slug,
        currency: store.currency,
    };
    if !claimed.is_empty() {
        sku_registry::claim(pool, stores, id, &claimed).await?;
    }
    match stores
        .products
        .execute_new(&id.to_string(), command, metadata)
        .await
    {
        Ok(committed) => Ok(CreatedProduct {
            id,
            version: committed.version,
        }),
        Err(error) => {
            sku_registry::release(pool, id, &claimed).await;
            Err(CatalogueError::Product(error))
        }
    }
}
