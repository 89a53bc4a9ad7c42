//! Manage tags (admins): create, rename, delete, and link to or unlink from a product (events
//! on the product's stream).
//!
//! Deleting a tag unlinks it from every product that has it, in the same commit as the
//! tag's `TagDeleted`: no product is left showing a tag that is gone. The products are found
//! through the event store ([`super::taxonomy_lookup`]) and each decides its own unlink.

use commerce_aggregates::product::{ProductCommand, ProductError};
use commerce_aggregates::tag::{Tag, TagCommand, TagError};
use sqlx::PgPool;
use uuid::Uuid;

use super::taxonomy_lookup::Candidates;
use crate::store::{
    CommandMetadata, CommitError, ExecuteError, StoreError, Stores, CONFLICT_BACKOFF,
    MAX_CONFLICT_RETRIES,
};

/// Why a tag command was not committed.
#[derive(Debug, thiserror::Error)]
pub enum TagUseCaseError {
    /// The tag refused, or the store failed.
    #[error(transparent)]
    Tag(ExecuteError<TagError>),
    /// The product refused, or the store failed.
    #[error(transparent)]
    Product(ExecuteError<ProductError>),
}

impl From<ExecuteError<TagError>> for TagUseCaseError {
    fn from(error: ExecuteError<TagError>) -> Self {
        TagUseCaseError::Tag(error)
    }
}

impl From<StoreError> for TagUseCaseError {
    fn from(error: StoreError) -> Self {
        TagUseCaseError::Tag(ExecuteError::Store(error))
    }
}

/// A tag just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedTag {
    /// Its slug (its id).
    pub slug: String,
    /// Its version.
    pub version: usize,
}

/// Creates a tag named `name`; its slug is the name's.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create_tag(
    stores: &Stores,
    name: String,
    metadata: &CommandMetadata,
) -> Result<CreatedTag, TagUseCaseError> {
    let slug = Tag::slug_of(&name).map_err(ExecuteError::Domain)?;
    let committed = stores
        .tags
        .execute(&slug, TagCommand::CreateTag { name }, metadata, None)
        .await?;
    Ok(CreatedTag {
        slug,
        version: committed.version,
    })
}

/// Renames tag `slug`; its version.
#[tracing::instrument(skip_all, fields(slug = %slug), err(level = "debug"))]
pub async fn rename_tag(
    stores: &Stores,
    slug: &str,
    name: String,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> Result<usize, TagUseCaseError> {
    let command = TagCommand::RenameTag { name };
    let committed = stores
        .tags
        .execute(slug, command, metadata, expected_version)
        .await?;
    Ok(committed.version)
}

/// Deletes tag `slug` and unlinks it from every product that has it, in one commit; the
/// tag's version.
#[tracing::instrument(skip_all, fields(slug = %slug), err(level = "debug"))]
pub async fn delete_tag(
    stores: &Stores,
    pool: &PgPool,
    slug: &str,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> Result<usize, TagUseCaseError> {
    let candidates = Candidates::TagProducts.of(pool, slug).await?;
    let mut conflicts = 0;
    loop {
        let mut tag = stores.tags.open(slug, false).await?;
        if let Some(expected) = expected_version.filter(|v| *v != tag.version()) {
            let actual = tag.version();
            stores.tags.close(tag);
            return Err(ExecuteError::VersionMismatch { expected, actual }.into());
        }
        tag.decide(TagCommand::DeleteTag)
            .await
            .map_err(ExecuteError::Domain)?;
        let version = tag.next_version();
        let mut transaction = stores.transaction();
        transaction.add(&stores.tags, tag);
        for id in &candidates {
            let mut product = stores.products.open(id, false).await?;
            let unlink = ProductCommand::UnlinkTag { slug: slug.into() };
            product
                .decide(unlink)
                .await
                .map_err(|e| TagUseCaseError::Product(ExecuteError::Domain(e)))?;
            transaction.add(&stores.products, product);
        }
        match transaction.commit(metadata).await {
            Ok(snapshots) => {
                snapshots.write().await;
                return Ok(version);
            }
            Err(CommitError::Conflict) if conflicts < MAX_CONFLICT_RETRIES => {
                conflicts += 1;
                tokio::time::sleep(CONFLICT_BACKOFF.after(conflicts)).await;
            }
            Err(CommitError::Conflict) => return Err(ExecuteError::Conflict.into()),
            Err(CommitError::Store(error)) => return Err(error.into()),
        }
    }
}

/// Links tag `slug` to product `product_id` (nothing when it already has it); the product's
/// version. The tag must exist.
#[tracing::instrument(skip_all, fields(slug = %slug, product_id = %product_id), err(level = "debug"))]
pub async fn link_tag(
    stores: &Stores,
    product_id: Uuid,
    slug: &str,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> Result<usize, TagUseCaseError> {
    let tag = stores.tags.load(slug).await?.aggregate;
    if !tag.exists() {
        return Err(ExecuteError::Domain(TagError::NotFound).into());
    }
    let command = ProductCommand::LinkTag { slug: slug.into() };
    on_product(stores, product_id, command, expected_version, metadata).await
}

/// Unlinks tag `slug` from product `product_id` (nothing when it does not have it); the
/// product's version. A free-text tag without a created tag is unlinked the same way.
#[tracing::instrument(skip_all, fields(slug = %slug, product_id = %product_id), err(level = "debug"))]
pub async fn unlink_tag(
    stores: &Stores,
    product_id: Uuid,
    slug: &str,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> Result<usize, TagUseCaseError> {
    let command = ProductCommand::UnlinkTag { slug: slug.into() };
    on_product(stores, product_id, command, expected_version, metadata).await
}

async fn on_product(
    stores: &Stores,
    product_id: Uuid,
    command: ProductCommand,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> Result<usize, TagUseCaseError> {
    stores
        .products
        .execute(&product_id.to_string(), command, metadata, expected_version)
        .await
        .map(|committed| committed.version)
        .map_err(TagUseCaseError::Product)
}
