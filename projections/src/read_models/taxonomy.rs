//! The taxonomy read model (projection `taxonomy`, category and tag events): `categories`
//! and `tags` as admins created them; and the query functions of [`query`], which add the
//! implicit categories and tags of products whose free text names no created one, and the
//! product counts from `catalog_products`.

mod query;

use async_trait::async_trait;
use commerce_aggregates::category::CategoryEvent;
use commerce_aggregates::tag::TagEvent;
use sqlx::PgConnection;

use super::{decode, version};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

pub use query::{category, category_tree, tags, CategoryNode, TagView};

/// Builds `categories` and `tags` from category and tag events.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaxonomyProjection;

#[async_trait]
impl Projection for TaxonomyProjection {
    fn name(&self) -> &'static str {
        "taxonomy"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["category", "tag"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &["categories", "tags"]
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        match event.aggregate_type.as_str() {
            "category" => apply_category(tx, event).await,
            "tag" => apply_tag(tx, event).await,
            other => Err(ProjectionError::decode(
                event,
                format!("not a taxonomy aggregate: {other}"),
            )),
        }
    }
}

async fn apply_category(tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
    let slug = &event.aggregate_id;
    let version = version(event)?;
    let at = event.recorded_at;
    match decode::<CategoryEvent>(event)? {
        CategoryEvent::CategoryCreated { name, parent, .. } => {
            sqlx::query(
                "INSERT INTO categories (slug, name, parent_slug, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (slug) DO UPDATE SET \
                 name = EXCLUDED.name, parent_slug = EXCLUDED.parent_slug, \
                 created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, \
                 version = EXCLUDED.version",
            )
            .bind(slug)
            .bind(name)
            .bind(parent)
            .bind(at)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        }
        CategoryEvent::CategoryRenamed { name } => {
            let sql = "UPDATE categories SET name = $2, updated_at = $3, version = $4 \
                       WHERE slug = $1";
            change(tx, sql, slug, Some(name), event).await?;
        }
        CategoryEvent::CategoryMoved { parent } => {
            let sql = "UPDATE categories SET parent_slug = $2, updated_at = $3, version = $4 \
                       WHERE slug = $1";
            change(tx, sql, slug, parent, event).await?;
        }
        CategoryEvent::CategoryDeleted {} => delete(tx, "categories", slug).await?,
    }
    Ok(())
}

async fn apply_tag(tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
    let slug = &event.aggregate_id;
    let version = version(event)?;
    let at = event.recorded_at;
    match decode::<TagEvent>(event)? {
        TagEvent::TagCreated { name, .. } => {
            sqlx::query(
                "INSERT INTO tags (slug, name, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $3, $4) ON CONFLICT (slug) DO UPDATE SET \
                 name = EXCLUDED.name, created_at = EXCLUDED.created_at, \
                 updated_at = EXCLUDED.updated_at, version = EXCLUDED.version",
            )
            .bind(slug)
            .bind(name)
            .bind(at)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        }
        TagEvent::TagRenamed { name } => {
            let sql = "UPDATE tags SET name = $2, updated_at = $3, version = $4 WHERE slug = $1";
            change(tx, sql, slug, Some(name), event).await?;
        }
        TagEvent::TagDeleted {} => delete(tx, "tags", slug).await?,
    }
    Ok(())
}

/// Sets one column of the row of `slug` to `value` with `sql` (`$2`), and its `updated_at`
/// and `version` (`$3`, `$4`) to the event's.
async fn change(
    tx: &mut PgConnection,
    sql: &'static str,
    slug: &str,
    value: Option<String>,
    event: &Envelope,
) -> Result<(), ProjectionError> {
    sqlx::query(sql)
        .bind(slug)
        .bind(value)
        .bind(event.recorded_at)
        .bind(version(event)?)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Deletes the row of `slug` from `table` (`categories` or `tags`, never caller input).
async fn delete(tx: &mut PgConnection, table: &'static str, slug: &str) -> Result<(), sqlx::Error> {
    let sql = match table {
        "categories" => "DELETE FROM categories WHERE slug = $1",
        _ => "DELETE FROM tags WHERE slug = $1",
    };
    sqlx::query(sql).bind(slug).execute(&mut *tx).await?;
    Ok(())
}
