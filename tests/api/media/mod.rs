//! Product media: uploads decoded and stored content-addressed, served with their type and
//! cache headers, removed and reordered, shown in the product read; in a folder and in a
//! real S3-compatible server (moto).

mod gallery;
mod moto;
mod s3;
mod uploads;

use std::io::Cursor;
use std::path::PathBuf;

use image::{DynamicImage, ImageFormat, RgbImage};
use sha2::{Digest, Sha256};

use crate::client::{ImageFile, UploadedImage};
use crate::helpers::{spawn_app_with, TestApp};

/// A `width`×`height` picture of pseudo-random pixels (they compress badly, so the file's
/// size follows its area) encoded as `format`; `seed` makes distinct files.
pub fn picture(format: ImageFormat, width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let pixels = RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(pixels)
        .write_to(&mut out, format)
        .expect("the picture encodes");
    out.into_inner()
}

/// `bytes` sent as `file_name` of type `content_type`, without alt text.
pub fn file(bytes: Vec<u8>, file_name: &str, content_type: &str) -> ImageFile {
    ImageFile {
        bytes,
        file_name: file_name.into(),
        content_type: content_type.into(),
        alt: None,
    }
}

/// A small PNG (`seed` tells files apart).
pub fn png(seed: u32) -> ImageFile {
    file(
        picture(ImageFormat::Png, 24, 16, seed),
        "picture.png",
        "image/png",
    )
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An engine whose media store is a folder of its own.
pub struct MediaApp {
    /// The engine.
    pub app: TestApp,
    /// The media store's folder.
    pub folder: PathBuf,
}

impl MediaApp {
    /// Starts the engine with a fresh, empty media folder and `overrides`.
    pub async fn start(overrides: &[(&str, &str)]) -> Self {
        let folder = std::env::temp_dir().join(format!("commerce-media-{}", uuid::Uuid::new_v4()));
        let url = format!("file://{}", folder.display());
        let mut settings = vec![("MEDIA_STORE_URL", url.as_str())];
        settings.extend_from_slice(overrides);
        let app = spawn_app_with(&settings).await;
        Self { app, folder }
    }

    /// The keys of the objects in the store, sorted.
    pub fn stored(&self) -> Vec<String> {
        let mut keys: Vec<String> = std::fs::read_dir(&self.folder)
            .expect("the media folder exists")
            .map(|entry| {
                entry
                    .expect("a folder entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        keys.sort();
        keys
    }

    /// Uploads `image` to `product` as an admin, asserting 201; the answer.
    pub async fn upload(&self, product: &str, image: &ImageFile) -> UploadedImage {
        self.app
            .as_admin()
            .upload_image(product, image)
            .await
            .json(201)
    }
}

impl Drop for MediaApp {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.folder).ok();
    }
}
