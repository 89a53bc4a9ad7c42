//! The media store: uploaded product images, checked by decoding them ([`inspect`]) and kept
//! content-addressed through `object_store`, in a folder or an S3-compatible bucket
//! (`MEDIA_STORE_URL`).
//!
//! An object's key is the SHA-256 of its bytes and the extension of its format
//! (`<64 hex>.png`): equal bytes are one object whoever uploads them, an object never
//! changes once written, and the hash is its entity tag. Nothing is ever deleted: a key is
//! named by the events of every product that showed it, and no product owns it alone.

mod inspect;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use commerce_aggregates::product::ImageType;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use sha2::{Digest, Sha256};

pub use inspect::{inspect, ImageRejection, Inspected};

use crate::auth::secret::hex;
use crate::config::{MediaSettings, MediaStoreLocation};

/// Where an object lives in the media store: `<sha-256 hex of its bytes>.<extension>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaKey {
    key: String,
    content_type: ImageType,
}

impl MediaKey {
    /// The key of `bytes` decoded as `content_type`.
    pub fn of(bytes: &[u8], content_type: ImageType) -> Self {
        Self {
            key: format!(
                "{}.{}",
                hex(&Sha256::digest(bytes)),
                content_type.extension()
            ),
            content_type,
        }
    }

    /// `key` when it is one this store could have written (64 lower-case hex digits, a dot and
    /// the extension of an accepted format); `None` for anything else.
    pub fn parse(key: &str) -> Option<Self> {
        let (hash, extension) = key.split_once('.')?;
        let content_type = [ImageType::Jpeg, ImageType::Png, ImageType::Webp]
            .into_iter()
            .find(|kind| kind.extension() == extension)?;
        let hex_digits = hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        hex_digits.then(|| Self {
            key: key.to_string(),
            content_type,
        })
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The format of the object.
    pub fn content_type(&self) -> ImageType {
        self.content_type
    }

    /// The object's strong entity tag (`"<sha-256 hex>"`): the key names its bytes.
    pub fn etag(&self) -> String {
        let hash = self
            .key
            .split_once('.')
            .map_or(self.key.as_str(), |(h, _)| h);
        format!("\"{hash}\"")
    }

    fn path(&self) -> Path {
        Path::from(self.key.as_str())
    }
}

/// The media store failed (unreachable, refused the credentials…).
#[derive(Debug, thiserror::Error)]
#[error("media store: {0}")]
pub struct MediaStoreError(#[from] object_store::Error);

/// A stored object being read.
pub struct StoredObject {
    /// Its size in bytes.
    pub size: u64,
    /// Its bytes.
    pub bytes: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// The media store of this process (cheap to clone). An S3 request is retried a few times
/// within seconds, not for minutes: an upload or a read waiting on a store that is down
/// answers 503 while its client is still there to retry.
#[derive(Clone)]
pub struct MediaStore {
    objects: Arc<dyn ObjectStore>,
    max_bytes: usize,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStore")
            .field("objects", &self.objects.to_string())
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl MediaStore {
    /// The store `settings` describe; a folder is created when missing.
    pub fn from_settings(settings: &MediaSettings) -> anyhow::Result<Self> {
        let objects: Arc<dyn ObjectStore> = match &settings.location {
            MediaStoreLocation::Folder(folder) => {
                std::fs::create_dir_all(folder).map_err(|e| {
                    anyhow::anyhow!("MEDIA_STORE_URL: creating {}: {e}", folder.display())
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(folder)?)
            }
            MediaStoreLocation::S3(s3) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_allow_http(s3.allow_http)
                    .with_retry(RetryConfig {
                        max_retries: 3,
                        retry_timeout: Duration::from_secs(10),
                        ..RetryConfig::default()
                    });
                if let Some(id) = &s3.access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose());
                }
                if let Some(token) = &s3.session_token {
                    builder = builder.with_token(token.expose());
                }
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                Arc::new(builder.build()?)
            }
        };
        Ok(Self {
            objects,
            max_bytes: settings.max_bytes,
        })
    }

    /// The largest image accepted (`MEDIA_MAX_BYTES`).
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Stores `bytes` under `key` unless an object is there already: equal keys hold equal
    /// bytes, so a second upload of the same image writes nothing.
    pub async fn put(&self, key: &MediaKey, bytes: Bytes) -> Result<(), MediaStoreError> {
        let path = key.path();
        match self.objects.head(&path).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        self.objects.put(&path, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The object under `key`, `None` when there is none.
    pub async fn get(&self, key: &MediaKey) -> Result<Option<StoredObject>, MediaStoreError> {
        match self.objects.get(&key.path()).await {
            Ok(result) => Ok(Some(StoredObject {
                size: result.meta.size,
                bytes: result.into_stream(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }
}
