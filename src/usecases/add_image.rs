//! Add an uploaded image to a product (admins): the bytes are decoded to learn what they
//! really are, the product decides, the bytes are stored content-addressed
//! ([`crate::media`]), and the product records the image.
//!
//! The product decides twice: once on its current state before anything is stored (so a
//! refusal stores nothing), and again when the event is committed (it may have changed in
//! between). The blob is written before the commit: an event never names bytes that are not
//! stored. When that commit then fails, the blob stays without a product naming it. That is
//! harmless: its key is the hash of its bytes, so it holds exactly those bytes whoever
//! uploads them again, and nothing lists the store's objects.

use axum::body::Bytes;
use commerce_aggregates::product::{
    Product, ProductCommand, ProductError, ProductEvent, ProductImage,
};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use uuid::Uuid;

use crate::media::{inspect, ImageRejection, MediaKey, MediaStore, MediaStoreError};
use crate::store::{CommandMetadata, ExecuteError, Loaded, Stores};

/// Add the image in `bytes` to product `product_id`.
#[derive(Debug, Clone)]
pub struct AddImage {
    /// The product.
    pub product_id: Uuid,
    /// The uploaded file, within `MEDIA_MAX_BYTES`.
    pub bytes: Bytes,
    /// Its text alternative, as the admin sent it.
    pub alt: Option<String>,
    /// The product version the admin saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// The image as recorded, and the product's new version.
#[derive(Debug, Clone)]
pub struct AddedImage {
    /// The image recorded on the product.
    pub image: ProductImage,
    /// The product's version after the commit.
    pub version: usize,
}

/// Why the image was not added (nothing was recorded; see the module documentation for the
/// bytes).
#[derive(Debug, thiserror::Error)]
pub enum AddImageError {
    /// The upload is not an accepted image.
    #[error(transparent)]
    Image(#[from] ImageRejection),
    /// The media store failed.
    #[error(transparent)]
    Store(#[from] MediaStoreError),
    /// The product refused, or the event store failed.
    #[error(transparent)]
    Product(#[from] ExecuteError<ProductError>),
    /// A bug: the decoder crashed, or the committed events hold no image.
    #[error("adding the image failed: {0}")]
    Unexpected(String),
}

/// Adds the image; what was recorded.
#[tracing::instrument(skip_all, fields(product_id = %input.product_id), err(level = "debug"))]
pub async fn add_image(
    stores: &Stores,
    media: &MediaStore,
    input: AddImage,
    metadata: &CommandMetadata,
) -> Result<AddedImage, AddImageError> {
    let id = input.product_id.to_string();
    let decoding = input.bytes.clone();
    let inspected = tokio::task::spawn_blocking(move || inspect(&decoding))
        .await
        .map_err(|crash| AddImageError::Unexpected(crash.to_string()))??;
    let key = MediaKey::of(&input.bytes, inspected.content_type);
    let image = ProductImage {
        image_id: Uuid::new_v4(),
        key: key.as_str().to_string(),
        content_type: inspected.content_type,
        width: inspected.width,
        height: inspected.height,
        byte_size: input.bytes.len() as u64,
        alt: input.alt,
    };
    let command = ProductCommand::AddImage { image };

    let Loaded { aggregate, version } = stores.products.load(&id).await?;
    if let Some(expected) = input.expected_version.filter(|e| *e != version) {
        return Err(ExecuteError::VersionMismatch {
            expected,
            actual: version,
        }
        .into());
    }
    decide_only(aggregate, command.clone()).await?;

    media.put(&key, input.bytes).await?;
    let committed = stores
        .products
        .execute(&id, command, metadata, input.expected_version)
        .await?;
    let image = committed
        .events
        .into_iter()
        .find_map(|event| match event.payload {
            ProductEvent::ProductImageAdded { image } => Some(image),
            _ => None,
        })
        .ok_or_else(|| AddImageError::Unexpected("the product recorded no image".into()))?;
    Ok(AddedImage {
        image,
        version: committed.version,
    })
}

/// Whether `product` accepts `command`, without committing anything.
async fn decide_only(
    mut product: Product,
    command: ProductCommand,
) -> Result<(), ExecuteError<ProductError>> {
    product
        .handle(command, &(), &EventSink::default())
        .await
        .map_err(ExecuteError::Domain)
}
