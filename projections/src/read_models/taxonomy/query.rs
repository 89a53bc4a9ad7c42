//! Reading the category tree and the tags, with product counts.
//!
//! Counts are of **active** products: the ones the catalogue shows to everybody (drafts are
//! not on sale yet, archived ones are withdrawn for good). A product counts for its own
//! category and for every category above it. A category or tag that products name in free
//! text but nobody created is shown as *implicit*: a root category, or a tag, named by the
//! text (the first in byte order when texts differ only in case or punctuation), as long as
//! an active product uses it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::read_models::{Page, PageRequest};

/// A node of the category tree, with the nodes below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryNode {
    /// Its slug.
    #[cfg_attr(feature = "openapi", schema(example = "running-shoes"))]
    pub slug: String,
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(example = "Running shoes"))]
    pub name: String,
    /// Its parent's slug; none at the root.
    pub parent: Option<String>,
    /// True for a category only products' free text names (nobody created it).
    pub implicit: bool,
    /// Active products in it or in any category below it.
    pub product_count: i64,
    /// Its version (the sequence of its last event); none for an implicit category.
    pub version: Option<i64>,
    /// When it last changed; none for an implicit category.
    pub updated_at: Option<DateTime<Utc>>,
    /// The categories right below it, by name.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<CategoryNode>,
}

/// A tag with its product count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagView {
    /// Its slug.
    #[cfg_attr(feature = "openapi", schema(example = "eco-friendly"))]
    pub slug: String,
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(example = "Eco friendly"))]
    pub name: String,
    /// True for a tag only products' free text names (nobody created it).
    pub implicit: bool,
    /// Active products that have it.
    pub product_count: i64,
    /// Its version; none for an implicit tag.
    pub version: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct NodeRow {
    slug: String,
    name: String,
    parent_slug: Option<String>,
    implicit: bool,
    own: i64,
    version: Option<i64>,
    updated_at: Option<DateTime<Utc>>,
}

/// The whole category tree: its roots by name, each with everything below it; the counts
/// (and the implicit categories) of one store's products only with `store`.
pub async fn category_tree(
    pool: &PgPool,
    store: Option<&str>,
) -> Result<Vec<CategoryNode>, sqlx::Error> {
    let rows: Vec<NodeRow> = sqlx::query_as(
        "WITH used AS ( \
             SELECT category_slug AS slug, min(category COLLATE \"C\") AS text, \
                    count(*) AS own \
             FROM catalog_products WHERE status = 'active' \
               AND ($1::text IS NULL OR store = $1) GROUP BY category_slug) \
         SELECT COALESCE(c.slug, u.slug) AS slug, COALESCE(c.name, u.text) AS name, \
                c.parent_slug, c.slug IS NULL AS implicit, COALESCE(u.own, 0) AS own, \
                c.version, c.updated_at \
         FROM categories c FULL JOIN used u ON u.slug = c.slug",
    )
    .bind(store)
    .fetch_all(pool)
    .await?;
    Ok(build_tree(rows))
}

/// The category `slug` with everything below it, if it exists (created or implicit), counted
/// like [`category_tree`].
pub async fn category(
    pool: &PgPool,
    slug: &str,
    store: Option<&str>,
) -> Result<Option<CategoryNode>, sqlx::Error> {
    fn find(nodes: Vec<CategoryNode>, slug: &str) -> Option<CategoryNode> {
        for node in nodes {
            if node.slug == slug {
                return Some(node);
            }
            if let Some(found) = find(node.children, slug) {
                return Some(found);
            }
        }
        None
    }
    Ok(find(category_tree(pool, store).await?, slug))
}

/// Hangs every row under its parent and sums the counts upwards. A row whose parent is
/// missing (its parent's deletion raced with the move) is shown at the root.
fn build_tree(rows: Vec<NodeRow>) -> Vec<CategoryNode> {
    let known: std::collections::BTreeSet<String> = rows.iter().map(|r| r.slug.clone()).collect();
    let mut children: BTreeMap<Option<String>, Vec<NodeRow>> = BTreeMap::new();
    for row in rows {
        let parent = row.parent_slug.clone().filter(|p| known.contains(p));
        children.entry(parent).or_default().push(row);
    }
    fn grow(
        parent: Option<String>,
        children: &mut BTreeMap<Option<String>, Vec<NodeRow>>,
        depth: usize,
    ) -> Vec<CategoryNode> {
        let rows = children.remove(&parent).unwrap_or_default();
        let mut nodes: Vec<CategoryNode> = rows
            .into_iter()
            .map(|row| {
                // The domain keeps the tree acyclic; the depth bound only guards the stack.
                let below = if depth < 64 {
                    grow(Some(row.slug.clone()), children, depth + 1)
                } else {
                    Vec::new()
                };
                let product_count = row.own + below.iter().map(|c| c.product_count).sum::<i64>();
                CategoryNode {
                    slug: row.slug,
                    name: row.name,
                    parent: row.parent_slug,
                    implicit: row.implicit,
                    product_count,
                    version: row.version,
                    updated_at: row.updated_at,
                    children: below,
                }
            })
            .collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.slug.cmp(&b.slug)));
        nodes
    }
    grow(None, &mut children, 0)
}

/// One page of the tags (created and implicit), by slug, with their product counts; of one
/// store's products only with `store`.
pub async fn tags(
    pool: &PgPool,
    page: PageRequest,
    store: Option<&str>,
) -> Result<Page<TagView>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        tag: TagView,
        total: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "WITH used AS ( \
             SELECT u.slug, min(u.tag COLLATE \"C\") AS text, count(DISTINCT p.id) AS products \
             FROM catalog_products p \
             CROSS JOIN LATERAL unnest(p.tags, p.tag_slugs) AS u(tag, slug) \
             WHERE p.status = 'active' AND ($3::text IS NULL OR p.store = $3) \
             GROUP BY u.slug) \
         SELECT COALESCE(t.slug, u.slug) AS slug, COALESCE(t.name, u.text) AS name, \
                t.slug IS NULL AS implicit, COALESCE(u.products, 0) AS product_count, \
                t.version, count(*) OVER () AS total \
         FROM tags t FULL JOIN used u ON u.slug = t.slug \
         ORDER BY 1 LIMIT $1 OFFSET $2",
    )
    .bind(page.limit())
    .bind(page.offset())
    .bind(store)
    .fetch_all(pool)
    .await?;
    let total = match rows.first() {
        Some(row) => row.total,
        None if page.page() == 1 => 0,
        None => {
            sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT slug FROM tags UNION \
                 SELECT DISTINCT unnest(tag_slugs) FROM catalog_products \
                 WHERE status = 'active' AND ($1::text IS NULL OR store = $1)) AS s",
            )
            .bind(store)
            .fetch_one(pool)
            .await?
        }
    };
    Ok(page.into_page(rows.into_iter().map(|r| r.tag).collect(), total))
}
