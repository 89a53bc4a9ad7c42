//! What an upload really is: its format read from its bytes (never from its name or the
//! client's content type), and the whole image decoded, so a truncated or corrupt file is
//! refused along with anything that is not a JPEG, PNG or WebP image.

use std::io::Cursor;

use commerce_aggregates::product::ImageType;
use image::{ImageError, ImageFormat, ImageReader, Limits};

/// Widest and tallest image accepted, in pixels.
pub const MAX_DIMENSION: u32 = 16_384;
/// Most memory one decode may take: a small file may describe a huge picture.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// An upload decoded as an accepted image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspected {
    /// Its format.
    pub content_type: ImageType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Why an upload is not an accepted image (a 422 for the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRejection {
    /// The bytes are no image format at all.
    #[error("the file is not an image (JPEG, PNG or WebP expected)")]
    NotAnImage,
    /// An image, of a format not accepted.
    #[error("{0} images are not accepted (JPEG, PNG or WebP expected)")]
    UnsupportedFormat(String),
    /// The bytes start like an accepted image but do not decode (truncated or corrupt).
    #[error("the {format} image does not decode: {reason}")]
    Undecodable {
        /// The format the bytes claimed.
        format: &'static str,
        /// The decoder's complaint.
        reason: String,
    },
    /// The picture is larger than [`MAX_DIMENSION`] or would take too much memory to decode.
    #[error("the image is too large to decode (at most {MAX_DIMENSION}×{MAX_DIMENSION} pixels)")]
    TooManyPixels,
}

impl ImageRejection {
    /// The stable problem code.
    pub fn code(&self) -> &'static str {
        match self {
            ImageRejection::NotAnImage => "not_an_image",
            ImageRejection::UnsupportedFormat(_) => "unsupported_image_format",
            ImageRejection::Undecodable { .. } => "undecodable_image",
            ImageRejection::TooManyPixels => "image_too_large",
        }
    }
}

/// Decodes `bytes` entirely: their format and dimensions, or why they are refused. CPU-bound
/// (run it off the async workers).
pub fn inspect(bytes: &[u8]) -> Result<Inspected, ImageRejection> {
    let format = image::guess_format(bytes).map_err(|_| ImageRejection::NotAnImage)?;
    let content_type = match format {
        ImageFormat::Jpeg => ImageType::Jpeg,
        ImageFormat::Png => ImageType::Png,
        ImageFormat::WebP => ImageType::Webp,
        other => {
            let name = other.extensions_str().first().copied().unwrap_or("these");
            return Err(ImageRejection::UnsupportedFormat(name.to_uppercase()));
        }
    };
    if content_type == ImageType::Jpeg && !jpeg_ends_its_last_scan(bytes) {
        return Err(ImageRejection::Undecodable {
            format: content_type.extension(),
            reason: "the last scan is not closed by an end-of-image marker (truncated)".into(),
        });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|error| match error {
        ImageError::Limits(_) => ImageRejection::TooManyPixels,
        other => ImageRejection::Undecodable {
            format: content_type.extension(),
            reason: other.to_string(),
        },
    })?;
    Ok(Inspected {
        content_type,
        width: decoded.width(),
        height: decoded.height(),
    })
}

/// Whether an end-of-image marker (`FF D9`) follows the last start-of-scan (`FF DA`). The JPEG
/// decoder fills the pixels of a file cut short instead of failing, so a truncated JPEG is
/// found here; neither marker can occur inside entropy-coded data (an `FF` there is followed
/// by `00`), and bytes after the end marker are allowed.
fn jpeg_ends_its_last_scan(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|pair| pair == [0xFF, marker]);
    match (last(0xDA), last(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use image::{DynamicImage, RgbImage};

    use super::*;

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let picture = RgbImage::from_fn(31, 17, |x, y| image::Rgb([x as u8 * 8, y as u8 * 15, 99]));
        encode(picture, format)
    }

    fn encode(picture: RgbImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut out, format)
            .expect("encodes");
        out.into_inner()
    }

    #[test]
    fn reads_the_format_and_size_of_each_accepted_kind() {
        for (format, content_type) in [
            (ImageFormat::Jpeg, ImageType::Jpeg),
            (ImageFormat::Png, ImageType::Png),
            (ImageFormat::WebP, ImageType::Webp),
        ] {
            let inspected = inspect(&encoded(format)).expect("accepted");
            assert_eq!(
                inspected,
                Inspected {
                    content_type,
                    width: 31,
                    height: 17
                }
            );
        }
    }

    #[test]
    fn text_is_not_an_image() {
        assert_eq!(
            inspect(b"just some text, named photo.png"),
            Err(ImageRejection::NotAnImage)
        );
    }

    #[test]
    fn other_formats_are_refused_by_name() {
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(
            inspect(gif),
            Err(ImageRejection::UnsupportedFormat("GIF".into()))
        );
    }

    #[test]
    fn a_truncated_image_does_not_decode() {
        let noise = RgbImage::from_fn(32, 32, |x, y| {
            image::Rgb([(x * 97 + y * 31) as u8, (x * y) as u8, (x ^ y) as u8 * 7])
        });
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            for whole in [encoded(format), encode(noise.clone(), format)] {
                let rejection = inspect(&whole[..whole.len() / 2]).expect_err("refused");
                assert_eq!(rejection.code(), "undecodable_image", "{format:?}");
            }
        }
    }

    #[test]
    fn a_jpeg_without_its_end_marker_is_truncated() {
        let whole = encoded(ImageFormat::Jpeg);
        let rejection = inspect(&whole[..whole.len() - 2]).expect_err("refused");
        assert_eq!(rejection.code(), "undecodable_image");
    }

    #[test]
    fn bytes_after_a_jpegs_end_are_allowed() {
        let mut jpeg = encoded(ImageFormat::Jpeg);
        jpeg.extend_from_slice(b"trailing camera data");
        assert!(inspect(&jpeg).is_ok());
    }

    #[test]
    fn a_picture_too_large_is_refused() {
        let wide = encode(RgbImage::new(MAX_DIMENSION + 1, 1), ImageFormat::Png);
        assert_eq!(inspect(&wide), Err(ImageRejection::TooManyPixels));
    }
}
