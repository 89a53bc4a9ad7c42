//! The catalogue-wide SKU registry (`sku_registry`, written here only): a SKU is claimed for
//! its product before the command that creates it runs, and given back when that command is
//! refused, so no two products ever share a SKU.

use std::collections::BTreeSet;

use sqlx::PgPool;
use uuid::Uuid;

use crate::store::{Loaded, StoreError, Stores};

/// A claim older than this whose product still lacks the variant is considered abandoned (the
/// process died between the claim and the command) and may be taken.
const ABANDONED_AFTER_SECONDS: f64 = 300.0;

/// Why SKUs were not claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// Another product holds this SKU.
    #[error("sku '{sku}' is already used in the catalogue")]
    Taken {
        /// The SKU.
        sku: String,
    },
    /// The registry could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ClaimError {
    fn from(error: sqlx::Error) -> Self {
        ClaimError::Store(error.into())
    }
}

/// Claims every SKU in `skus` for `product_id`, all or none; `Taken` names the first SKU
/// another product (or a concurrent request) holds.
pub(super) async fn claim(
    pool: &PgPool,
    stores: &Stores,
    product_id: Uuid,
    skus: &BTreeSet<String>,
) -> Result<(), ClaimError> {
    let wanted: Vec<String> = skus.iter().cloned().collect();
    for attempt in 0..2 {
        let mut tx = pool.begin().await?;
        let inserted: Vec<(String,)> = sqlx::query_as(
            "INSERT INTO sku_registry (sku, product_id)
             SELECT sku, $2 FROM unnest($1::text[]) AS sku
             ON CONFLICT (sku) DO NOTHING
             RETURNING sku",
        )
        .bind(&wanted)
        .bind(product_id)
        .fetch_all(&mut *tx)
        .await?;
        if inserted.len() == wanted.len() {
            tx.commit().await?;
            return Ok(());
        }
        tx.rollback().await?;
        let got: BTreeSet<String> = inserted.into_iter().map(|(sku,)| sku).collect();
        let taken: Vec<String> = wanted
            .iter()
            .filter(|s| !got.contains(*s))
            .cloned()
            .collect();
        if attempt == 0 && reclaim_abandoned(pool, stores, &taken).await? {
            continue;
        }
        let sku = taken.first().cloned().unwrap_or_default();
        return Err(ClaimError::Taken { sku });
    }
    Err(ClaimError::Taken { sku: String::new() })
}

/// Gives back the claims of `product_id` on `skus` after its command was refused.
pub(super) async fn release(pool: &PgPool, product_id: Uuid, skus: &BTreeSet<String>) {
    let wanted: Vec<String> = skus.iter().cloned().collect();
    let released = sqlx::query("DELETE FROM sku_registry WHERE product_id = $1 AND sku = ANY($2)")
        .bind(product_id)
        .bind(&wanted)
        .execute(pool)
        .await;
    if let Err(error) = released {
        tracing::warn!(%error, %product_id, "sku claims not released");
    }
}

/// Deletes the claims on `skus` that were abandoned: old enough, and their product does not
/// have the variant. True when at least one was deleted.
async fn reclaim_abandoned(
    pool: &PgPool,
    stores: &Stores,
    skus: &[String],
) -> Result<bool, ClaimError> {
    let claims: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT sku, product_id FROM sku_registry
          WHERE sku = ANY($1) AND registered_at < now() - make_interval(secs => $2)",
    )
    .bind(skus)
    .bind(ABANDONED_AFTER_SECONDS)
    .fetch_all(pool)
    .await?;
    let mut reclaimed = false;
    for (sku, owner) in claims {
        let Loaded {
            aggregate: product, ..
        } = stores
            .products
            .load(&owner.to_string())
            .await
            .map_err(|error| ClaimError::Store(error.into_store_error()))?;
        if product.variant(&sku).is_some() {
            continue;
        }
        tracing::warn!(%sku, %owner, "reclaiming an abandoned sku claim");
        let deleted = sqlx::query("DELETE FROM sku_registry WHERE sku = $1 AND product_id = $2")
            .bind(&sku)
            .bind(owner)
            .execute(pool)
            .await?;
        reclaimed |= deleted.rows_affected() > 0;
    }
    Ok(reclaimed)
}
