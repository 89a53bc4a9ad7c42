//! `POST products/{id}/images` and `GET media/{key}`: what is accepted, what is refused
//! (and then stored nowhere), and how the bytes are served.

use image::ImageFormat;
use reqwest::StatusCode;

use super::{file, picture, png, sha256_hex, MediaApp};
use crate::client::ImageFile;
use crate::fixtures::{draft_product, events_of_type, unique_sku};

#[tokio::test]
async fn each_format_round_trips_byte_identical_with_its_type_and_size() {
    let media = MediaApp::start(&[]).await;
    let admin = media.app.as_admin();
    let product = draft_product(&admin, &unique_sku(), 5).await;
    let mut keys = Vec::new();
    for (format, name, content_type, width, height) in [
        (ImageFormat::Jpeg, "photo.jpg", "image/jpeg", 40, 30),
        (ImageFormat::Png, "photo.png", "image/png", 24, 16),
        (ImageFormat::WebP, "photo.webp", "image/webp", 17, 9),
    ] {
        let bytes = picture(format, width, height, width);
        let mut image = file(bytes.clone(), name, "application/octet-stream");
        image.alt = Some("  A cup, from above ".into());

        let reply = admin.upload_image(&product, &image).await;
        let uploaded: crate::client::UploadedImage = reply.json(201);

        assert_eq!(
            (
                uploaded.width,
                uploaded.height,
                uploaded.content_type.as_str()
            ),
            (width, height, content_type)
        );
        assert_eq!(uploaded.alt.as_deref(), Some("A cup, from above"));
        let extension = name.rsplit('.').next().unwrap_or_default();
        let key = format!("{}.{extension}", sha256_hex(&bytes));
        assert_eq!(uploaded.url, format!("/api/v1/media/{key}"));
        assert_eq!(reply.location(), uploaded.url);

        let served = media.app.anonymous().media(&uploaded.url, None).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.bytes, bytes, "{name} byte-identical");
        assert_eq!(served.header("content-type"), Some(content_type));
        assert_eq!(
            served.header("etag").map(String::from),
            Some(format!("\"{}\"", sha256_hex(&bytes)))
        );
        assert_eq!(
            served.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        keys.push(key);
    }
    keys.sort();
    assert_eq!(media.stored(), keys);
    assert_eq!(events_of_type(&media.app, "ProductImageAdded").await, 3);
}

/// Uploads `image`, expecting `status` and `code`; asserts nothing was stored or recorded.
async fn refused(media: &MediaApp, product: &str, image: &ImageFile, status: u16, code: &str) {
    let reply = media.app.as_admin().upload_image(product, image).await;
    reply.problem(status, code);
    assert_eq!(
        media.stored(),
        Vec::<String>::new(),
        "{code}: nothing stored"
    );
    assert_eq!(
        events_of_type(&media.app, "ProductImageAdded").await,
        0,
        "{code}: nothing recorded"
    );
}

#[tokio::test]
async fn a_renamed_text_file_is_422_and_stores_nothing() {
    let media = MediaApp::start(&[]).await;
    let product = draft_product(&media.app.as_admin(), &unique_sku(), 5).await;
    let text = file(
        b"Not a picture at all, just words.\n".to_vec(),
        "photo.png",
        "image/png",
    );
    refused(&media, &product, &text, 422, "not_an_image").await;
    let gif = file(
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
        "x.png",
        "image/png",
    );
    refused(&media, &product, &gif, 422, "unsupported_image_format").await;
}

#[tokio::test]
async fn a_truncated_image_is_422_and_stores_nothing() {
    let media = MediaApp::start(&[]).await;
    let product = draft_product(&media.app.as_admin(), &unique_sku(), 5).await;
    for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
        let whole = picture(format, 32, 32, 7);
        let cut = file(whole[..whole.len() / 2].to_vec(), "cut", "image/png");
        refused(&media, &product, &cut, 422, "undecodable_image").await;
    }
}

#[tokio::test]
async fn an_oversize_upload_is_413_and_stores_nothing() {
    let media = MediaApp::start(&[("MEDIA_MAX_BYTES", "4096")]).await;
    let product = draft_product(&media.app.as_admin(), &unique_sku(), 5).await;
    // Over the image limit, within the form's room: read, then refused.
    let over = file(picture(ImageFormat::Png, 48, 48, 1), "big.png", "image/png");
    assert!(over.bytes.len() > 4096 && over.bytes.len() < 60_000);
    refused(&media, &product, &over, 413, "payload_too_large").await;
    // Past the whole body's limit, announced: refused before the body is read.
    let huge = picture(ImageFormat::Png, 160, 160, 2);
    assert!(huge.len() > 4096 + 64 * 1024);
    refused(
        &media,
        &product,
        &file(huge.clone(), "huge.png", "image/png"),
        413,
        "payload_too_large",
    )
    .await;
    // The same without a length (chunked): cut off while it streams in.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        huge.chunks(8192).map(|c| Ok(c.to_vec())).collect();
    let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(
        futures_util::stream::iter(chunks),
    ))
    .file_name("huge.png")
    .mime_str("image/png")
    .expect("a type");
    let reply = media
        .app
        .as_admin()
        .request(
            reqwest::Method::POST,
            &format!("/products/{product}/images"),
        )
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await;
    reply.problem(413, "payload_too_large");
    assert_eq!(media.stored(), Vec::<String>::new());
    assert_eq!(events_of_type(&media.app, "ProductImageAdded").await, 0);
}

#[tokio::test]
async fn a_matching_if_none_match_is_304_and_any_other_is_200() {
    let media = MediaApp::start(&[]).await;
    let product = draft_product(&media.app.as_admin(), &unique_sku(), 5).await;
    let image = png(3);
    let uploaded = media.upload(&product, &image).await;
    let etag = format!("\"{}\"", sha256_hex(&image.bytes));
    let anonymous = media.app.anonymous();

    for matching in [etag.clone(), format!("W/{etag}"), format!("\"0\", {etag}")] {
        let cached = anonymous.media(&uploaded.url, Some(&matching)).await;
        assert_eq!(cached.status, StatusCode::NOT_MODIFIED, "{matching}");
        assert!(cached.bytes.is_empty());
        assert_eq!(cached.header("etag"), Some(etag.as_str()));
        assert_eq!(
            cached.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
    let stale = anonymous.media(&uploaded.url, Some("\"another\"")).await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.bytes, image.bytes);
}

#[tokio::test]
async fn media_never_stored_or_malformed_keys_are_404() {
    let media = MediaApp::start(&[]).await;
    let anonymous = media.app.anonymous();
    for key in [
        format!("{}.png", "0".repeat(64)),
        format!("{}.gif", "0".repeat(64)),
        "..%2F..%2Fetc%2Fpasswd".to_string(),
        format!("{}.PNG", "A".repeat(64)),
    ] {
        let reply = anonymous
            .send(reqwest::Method::GET, &format!("/media/{key}"))
            .await;
        reply.problem(404, "not_found");
    }
}

#[tokio::test]
async fn only_admins_upload_images() {
    let media = MediaApp::start(&[]).await;
    let product = draft_product(&media.app.as_admin(), &unique_sku(), 5).await;
    let image = png(4);
    let customer = media.app.as_customer().upload_image(&product, &image).await;
    customer.problem(403, "forbidden");
    let anonymous = media.app.anonymous().upload_image(&product, &image).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    assert_eq!(media.stored(), Vec::<String>::new());
}

#[tokio::test]
async fn the_same_bytes_are_stored_once() {
    let media = MediaApp::start(&[]).await;
    let admin = media.app.as_admin();
    let (cup, mug) = (
        draft_product(&admin, &unique_sku(), 5).await,
        draft_product(&admin, &unique_sku(), 5).await,
    );
    let image = png(5);
    let first = media.upload(&cup, &image).await;
    let second = media.upload(&mug, &image).await;
    assert_eq!(first.url, second.url);
    assert_ne!(first.id, second.id);
    assert_eq!(media.stored().len(), 1);
    // On one product the same picture twice is a mistake.
    let again = admin.upload_image(&cup, &image).await;
    again.problem(409, "duplicate_image");
    assert!(again.text.contains(&first.id), "{}", again.text);
}

#[tokio::test]
async fn uploads_refused_by_the_product_store_nothing() {
    let media = MediaApp::start(&[]).await;
    let admin = media.app.as_admin();
    let missing = uuid::Uuid::new_v4().to_string();
    refused(&media, &missing, &png(6), 404, "not_found").await;

    let archived = draft_product(&admin, &unique_sku(), 5).await;
    admin.archive(&archived).await.command(200, 2);
    refused(&media, &archived, &png(6), 409, "product_archived").await;

    let product = draft_product(&admin, &unique_sku(), 5).await;
    let mut wordy = png(6);
    wordy.alt = Some("x".repeat(501));
    refused(&media, &product, &wordy, 422, "field_too_long").await;
    let stale = admin.if_match("7").upload_image(&product, &png(6)).await;
    stale.problem(412, "version_mismatch");
    assert_eq!(media.stored(), Vec::<String>::new());
}

#[tokio::test]
async fn a_form_without_a_file_or_not_a_form_is_refused() {
    let media = MediaApp::start(&[]).await;
    let admin = media.app.as_admin();
    let product = draft_product(&admin, &unique_sku(), 5).await;
    let path = format!("/products/{product}/images");
    let json = admin
        .send_json(
            reqwest::Method::POST,
            &path,
            &serde_json::json!({"file": "x"}),
        )
        .await;
    json.problem(415, "unsupported_media_type");
    let no_file = admin
        .request(reqwest::Method::POST, &path)
        .multipart(reqwest::multipart::Form::new().text("alt", "lonely"))
        .send()
        .await;
    no_file.problem(422, "validation_failed");
    let stranger = admin
        .request(reqwest::Method::POST, &path)
        .multipart(png(7).form().text("caption", "?"))
        .send()
        .await;
    stranger.problem(422, "validation_failed");
    assert_eq!(media.stored(), Vec::<String>::new());
}

/// `image` as a `multipart/form-data` body with a fixed boundary: a retry sends the very
/// same bytes (the key's request is compared byte for byte).
fn form_body(image: &[u8]) -> Vec<u8> {
    let mut body = b"--fixed-boundary\r\nContent-Disposition: form-data; name=\"file\"; \
        filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n"
        .to_vec();
    body.extend_from_slice(image);
    body.extend_from_slice(b"\r\n--fixed-boundary--\r\n");
    body
}

#[tokio::test]
async fn a_retried_upload_with_its_idempotency_key_answers_the_first_reply() {
    let media = MediaApp::start(&[]).await;
    let admin = media.app.as_admin();
    let product = draft_product(&admin, &unique_sku(), 5).await;
    let keyed = admin.idempotency_key("upload-1");
    let path = format!("/products/{product}/images");
    let upload = || {
        keyed.request(reqwest::Method::POST, &path).bytes(
            "multipart/form-data; boundary=fixed-boundary",
            form_body(&png(8).bytes),
        )
    };
    let first: crate::client::UploadedImage = upload().send().await.json(201);
    let retry = upload().send().await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let again: crate::client::UploadedImage = retry.json(201);
    assert_eq!(again.id, first.id);
    assert_eq!(events_of_type(&media.app, "ProductImageAdded").await, 1);
    assert_eq!(media.stored().len(), 1);
}
