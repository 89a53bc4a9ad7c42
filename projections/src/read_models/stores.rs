//! The store read model (projection `stores`, store events): `store_views`, one row per
//! store, and the query functions [`get`] and [`list`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::store::StoreEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use super::{decode, version, Page, PageRequest};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

/// Builds `store_views` from store events.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreProjection;

#[async_trait]
impl Projection for StoreProjection {
    fn name(&self) -> &'static str {
        "stores"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["store"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &["store_views"]
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        let store: StoreEvent = decode(event)?;
        // The aggregate id is the slug.
        let slug = event.aggregate_id.as_str();
        let version = version(event)?;
        let at = event.recorded_at;
        let update = |sql: &'static str| sqlx::query(sql).bind(slug).bind(at).bind(version);
        match &store {
            StoreEvent::StoreCreated {
                name,
                currency,
                contact_email,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO store_views (slug, name, currency, contact_email, status, \
                     created_at, updated_at, version) VALUES ($1, $2, $3, $4, 'active', $5, $5, $6) \
                     ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, \
                     currency = EXCLUDED.currency, contact_email = EXCLUDED.contact_email, \
                     status = 'active', created_at = EXCLUDED.created_at, \
                     updated_at = EXCLUDED.updated_at, version = EXCLUDED.version",
                )
                .bind(slug)
                .bind(name)
                .bind(currency.as_str())
                .bind(contact_email)
                .bind(at)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            }
            StoreEvent::StoreUpdated {
                name,
                contact_email,
            } => {
                update(
                    "UPDATE store_views SET name = $4, contact_email = $5, updated_at = $2, \
                     version = $3 WHERE slug = $1",
                )
                .bind(name)
                .bind(contact_email)
                .execute(&mut *tx)
                .await?;
            }
            StoreEvent::StoreClosed {} | StoreEvent::StoreReopened {} => {
                let status = match store {
                    StoreEvent::StoreClosed {} => "closed",
                    _ => "active",
                };
                update(
                    "UPDATE store_views SET status = $4, updated_at = $2, version = $3 \
                     WHERE slug = $1",
                )
                .bind(status)
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }
}

/// A store (`GET stores`, `GET stores/{slug}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoreView {
    /// Identity.
    #[cfg_attr(feature = "openapi", schema(example = "eu-outlet"))]
    pub slug: String,
    /// Display name.
    #[cfg_attr(feature = "openapi", schema(example = "EU Outlet"))]
    pub name: String,
    /// The currency of its carts and prices.
    #[cfg_attr(feature = "openapi", schema(example = "EUR"))]
    pub currency: String,
    /// Where customers write to.
    pub contact_email: String,
    /// `active` or `closed`.
    #[cfg_attr(feature = "openapi", schema(example = "active"))]
    pub status: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The store's version as of this view (compare with command responses).
    pub version: i64,
}

const COLUMNS: &str =
    "slug, name, currency, contact_email, status, created_at, updated_at, version";

/// Store `slug`, if there is one.
pub async fn get(pool: &PgPool, slug: &str) -> Result<Option<StoreView>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM store_views WHERE slug = $1"
    ))
    .bind(slug)
    .fetch_optional(pool)
    .await
}

/// One page of the stores by slug: only active ones unless `closed_too`.
pub async fn list(
    pool: &PgPool,
    closed_too: bool,
    request: PageRequest,
) -> Result<Page<StoreView>, sqlx::Error> {
    let filter = if closed_too {
        ""
    } else {
        " WHERE status = 'active'"
    };
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM store_views{filter}"))
        .fetch_one(pool)
        .await?;
    let items = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM store_views{filter} ORDER BY slug LIMIT $1 OFFSET $2"
    ))
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(pool)
    .await?;
    Ok(request.into_page(items, total))
}
