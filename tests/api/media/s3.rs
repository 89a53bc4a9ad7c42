//! The media store in an S3-compatible server (moto on loopback): the same round trip, the
//! same refusals, one object per distinct image.

use image::ImageFormat;
use reqwest::StatusCode;

use super::moto::Moto;
use super::{file, picture, png, sha256_hex};
use crate::fixtures::{draft_product, unique_sku};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn uploads_round_trip_through_an_s3_compatible_server() {
    let moto = Moto::start().await;
    moto.create_bucket("shop-media").await;
    let settings = moto.engine_settings("shop-media");
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&overrides).await;
    let admin = app.as_admin();
    let (cup, mug) = (
        draft_product(&admin, &unique_sku(), 5).await,
        draft_product(&admin, &unique_sku(), 5).await,
    );

    let bytes = picture(ImageFormat::WebP, 33, 21, 9);
    let image = file(bytes.clone(), "cup.webp", "image/webp");
    let uploaded: crate::client::UploadedImage = admin.upload_image(&cup, &image).await.json(201);
    assert_eq!((uploaded.width, uploaded.height), (33, 21));
    let key = format!("{}.webp", sha256_hex(&bytes));
    assert_eq!(uploaded.url, format!("/api/v1/media/{key}"));
    assert_eq!(moto.keys("shop-media").await, vec![key.clone()]);

    let served = app.anonymous().media(&uploaded.url, None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.bytes, bytes);
    assert_eq!(served.header("content-type"), Some("image/webp"));
    let etag = served.header("etag").expect("an etag").to_string();
    let cached = app.anonymous().media(&uploaded.url, Some(&etag)).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);

    // The same bytes for another product: still one object. A fake image: none more.
    admin
        .upload_image(&mug, &image)
        .await
        .json::<serde_json::Value>(201);
    let fake = file(
        b"<html>not an image</html>".to_vec(),
        "x.webp",
        "image/webp",
    );
    admin
        .upload_image(&mug, &fake)
        .await
        .problem(422, "not_an_image");
    assert_eq!(moto.keys("shop-media").await, vec![key]);

    let other = png(10);
    let second: crate::client::UploadedImage = admin.upload_image(&mug, &other).await.json(201);
    let served = app.anonymous().media(&second.url, None).await;
    assert_eq!(served.bytes, other.bytes);
    assert_eq!(moto.keys("shop-media").await.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn an_unreachable_media_store_is_503_and_records_nothing() {
    // Nothing listens there.
    let endpoint = format!("http://127.0.0.1:{}", crate::fixtures::free_port());
    let app = spawn_app_with(&[
        ("MEDIA_STORE_URL", "s3://shop-media"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "key"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ])
    .await;
    let admin = app.as_admin();
    let product = draft_product(&admin, &unique_sku(), 5).await;
    admin
        .upload_image(&product, &png(11))
        .await
        .problem(503, "service_unavailable");
    assert_eq!(
        crate::fixtures::events_of_type(&app, "ProductImageAdded").await,
        0
    );
    let never = format!("/media/{}.png", "1".repeat(64));
    app.anonymous()
        .send(reqwest::Method::GET, &never)
        .await
        .problem(503, "service_unavailable");
    app.stop().await;
}
