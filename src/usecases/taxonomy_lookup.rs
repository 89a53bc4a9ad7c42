//! What the category and tag decisions need to know about other streams, found in the event
//! store (never in a read model): the streams that may be a category's children, a
//! category's products or a tag's products. Each candidate is then loaded and its own state
//! says whether it still is one.
//!
//! The slugs of free-text categories and tags are computed by `taxonomy_slug` (migration
//! `20261207000019`), the SQL twin of [`commerce_aggregates::slug::slugify`].

use sqlx::PgPool;

use crate::store::StoreError;

/// A question to the event store: the streams that may stand in some relation to a slug.
#[derive(Debug, Clone, Copy)]
pub(super) enum Candidates {
    /// Categories that were ever created under or moved to the slug.
    Children,
    /// Products that were ever created or updated with a category whose slug it is.
    CategoryProducts,
    /// Products that were ever linked to, created or updated with a tag whose slug it is.
    TagProducts,
}

impl Candidates {
    fn sql(self) -> &'static str {
        match self {
            Candidates::Children => {
                "SELECT DISTINCT aggregate_id FROM events \
                 WHERE aggregate_type = 'category' \
                   AND event_type IN ('CategoryCreated', 'CategoryMoved') \
                   AND payload -> event_type ->> 'parent' = $1"
            }
            Candidates::CategoryProducts => {
                "SELECT DISTINCT aggregate_id FROM events \
                 WHERE aggregate_type = 'product' \
                   AND event_type IN ('ProductCreated', 'ProductDetailsUpdated') \
                   AND taxonomy_slug(payload -> event_type -> 'details' ->> 'category') = $1"
            }
            Candidates::TagProducts => {
                "SELECT DISTINCT aggregate_id FROM events \
                 WHERE aggregate_type = 'product' AND ( \
                   (event_type = 'TagLinked' AND payload -> 'TagLinked' ->> 'slug' = $1) \
                   OR (event_type IN ('ProductCreated', 'ProductDetailsUpdated') AND EXISTS ( \
                       SELECT 1 FROM jsonb_array_elements_text( \
                         payload -> event_type -> 'details' -> 'tags') AS t(tag) \
                       WHERE taxonomy_slug(t.tag) = $1)))"
            }
        }
    }

    /// The ids of the candidate streams for `slug`.
    pub(super) async fn of(self, pool: &PgPool, slug: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(self.sql())
            .bind(slug)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)
    }
}
