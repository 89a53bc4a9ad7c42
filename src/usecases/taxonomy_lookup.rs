//! What the category and tag decisions need to know about other streams, found in the event
//! store (never in a read model): the streams that may be a category's children, a
//! category's products or a tag's products. Each candidate is then loaded and its own state
//! says whether it still is one.
//!
//! The slugs of free-text categories and tags are computed by `taxonomy_slug` (migration
//! `20261207000019`), the SQL twin of [`commerce_aggregates::slug::slugify`].

use sqlx::PgPool;

use crate::store::StoreError;

/// Categories that were ever created under or moved to `slug`.
pub(super) async fn child_candidates(pool: &PgPool, slug: &str) -> Result<Vec<String>, StoreError> {
    ids(
        pool,
        "SELECT DISTINCT aggregate_id FROM events \
         WHERE aggregate_type = 'category' \
           AND event_type IN ('CategoryCreated', 'CategoryMoved') \
           AND payload -> event_type ->> 'parent' = $1",
        slug,
    )
    .await
}

/// Products that were ever created or updated with a category whose slug is `slug`.
pub(super) async fn category_product_candidates(
    pool: &PgPool,
    slug: &str,
) -> Result<Vec<String>, StoreError> {
    ids(
        pool,
        "SELECT DISTINCT aggregate_id FROM events \
         WHERE aggregate_type = 'product' \
           AND event_type IN ('ProductCreated', 'ProductDetailsUpdated') \
           AND taxonomy_slug(payload -> event_type -> 'details' ->> 'category') = $1",
        slug,
    )
    .await
}

/// Products that were ever linked to, created or updated with a tag whose slug is `slug`.
pub(super) async fn tag_product_candidates(
    pool: &PgPool,
    slug: &str,
) -> Result<Vec<String>, StoreError> {
    ids(
        pool,
        "SELECT DISTINCT aggregate_id FROM events \
         WHERE aggregate_type = 'product' AND ( \
           (event_type = 'TagLinked' AND payload -> 'TagLinked' ->> 'slug' = $1) \
           OR (event_type IN ('ProductCreated', 'ProductDetailsUpdated') AND EXISTS ( \
               SELECT 1 FROM jsonb_array_elements_text(payload -> event_type -> 'details' -> 'tags') \
                 AS t(tag) WHERE taxonomy_slug(t.tag) = $1)))",
        slug,
    )
    .await
}

async fn ids(pool: &PgPool, sql: &'static str, slug: &str) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar(sql)
        .bind(slug)
        .fetch_all(pool)
        .await
        .map_err(StoreError::from)
}
