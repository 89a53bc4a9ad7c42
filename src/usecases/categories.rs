//! Manage the category tree (admins): create a category, rename or move it, delete it.
//!
//! A move is decided by the category on the lineage of its new parent (the parent and its
//! ancestors, loaded here), so a move under itself or a descendant is refused before anything
//! is written. A delete is decided on the number of child categories and of products (not
//! archived) in it, found through the event store ([`super::taxonomy_lookup`]).
//!
//! Two concurrent moves could each pass on a lineage the other changes; the tree is edited by
//! few admins, and the race is left open rather than locking the whole tree.

use commerce_aggregates::category::{CategoryCommand, CategoryError, Lineage};
use commerce_aggregates::product::ProductStatus;
use commerce_aggregates::slug::slugify;
use sqlx::PgPool;

use super::taxonomy_lookup::Candidates;
use crate::store::{CommandMetadata, ExecuteError, Stores};

/// Deepest tree a lineage is followed through; deeper ancestors are not looked at.
const MAX_DEPTH: usize = 64;

type CategoryResult = Result<usize, ExecuteError<CategoryError>>;

/// A new category.
#[derive(Debug, Clone)]
pub struct CreateCategory {
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Its parent's slug; none at the root.
    pub parent: Option<String>,
}

/// A rename and/or a move.
#[derive(Debug, Clone)]
pub struct UpdateCategory {
    /// The category.
    pub slug: String,
    /// New name.
    pub name: Option<String>,
    /// New parent; `Some(None)` moves it to the root.
    pub parent: Option<Option<String>>,
    /// The version the caller saw (`If-Match`).
    pub expected_version: Option<usize>,
}

/// The lineage of `parent` as the store has it now.
async fn lineage(stores: &Stores, parent: String) -> Result<Lineage, ExecuteError<CategoryError>> {
    let found = stores.categories.load(&parent).await?.aggregate;
    let mut ancestors = Vec::new();
    let mut next = found.parent().map(str::to_string);
    while let Some(slug) = next.take() {
        if ancestors.len() >= MAX_DEPTH || ancestors.contains(&slug) {
            break;
        }
        next = stores
            .categories
            .load(&slug)
            .await?
            .aggregate
            .parent()
            .map(str::to_string);
        ancestors.push(slug);
    }
    Ok(Lineage {
        slug: parent,
        exists: found.exists(),
        ancestors,
    })
}

/// Creates the category; its version.
#[tracing::instrument(skip_all, fields(slug = %input.slug), err(level = "debug"))]
pub async fn create_category(
    stores: &Stores,
    input: CreateCategory,
    metadata: &CommandMetadata,
) -> CategoryResult {
    let parent = match input.parent {
        Some(parent) => Some(lineage(stores, parent).await?),
        None => None,
    };
    let command = CategoryCommand::CreateCategory {
        slug: input.slug.clone(),
        name: input.name,
        parent,
    };
    let committed = stores
        .categories
        .execute(&input.slug, command, metadata, None)
        .await?;
    Ok(committed.version)
}

/// Renames and/or moves the category; its version.
#[tracing::instrument(skip_all, fields(slug = %input.slug), err(level = "debug"))]
pub async fn update_category(
    stores: &Stores,
    input: UpdateCategory,
    metadata: &CommandMetadata,
) -> CategoryResult {
    let parent = match input.parent {
        Some(Some(parent)) => Some(Some(lineage(stores, parent).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let command = CategoryCommand::UpdateCategory {
        name: input.name,
        parent,
    };
    let committed = stores
        .categories
        .execute(&input.slug, command, metadata, input.expected_version)
        .await?;
    Ok(committed.version)
}

/// Deletes the category when no category and no product (draft or active) is in it; its
/// version. Archived products do not count: they can no longer change category, and keep
/// their free-text one.
#[tracing::instrument(skip_all, fields(slug = %slug), err(level = "debug"))]
pub async fn delete_category(
    stores: &Stores,
    pool: &PgPool,
    slug: &str,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> CategoryResult {
    let mut children = 0u32;
    for id in Candidates::Children
        .of(pool, slug)
        .await
        .map_err(ExecuteError::Store)?
    {
        let child = stores.categories.load(&id).await?.aggregate;
        if child.exists() && child.parent() == Some(slug) {
            children += 1;
        }
    }
    let mut products = 0u32;
    for id in Candidates::CategoryProducts
        .of(pool, slug)
        .await
        .map_err(ExecuteError::Store)?
    {
        let product = stores
            .products
            .load(&id)
            .await
            .map_err(|e| ExecuteError::Store(e.into_store_error()))?
            .aggregate;
        if product.status() != ProductStatus::Archived
            && slugify(&product.details().category) == slug
        {
            products += 1;
        }
    }
    let command = CategoryCommand::DeleteCategory { children, products };
    let committed = stores
        .categories
        .execute(slug, command, metadata, expected_version)
        .await?;
    Ok(committed.version)
}
