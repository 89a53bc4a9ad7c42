//! A product's images in its read (`GET products/{id}`, the search rows): the linked URLs
//! first, then the uploads in their order, following removals and reorders; refused changes
//! write nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{png, MediaApp};
use crate::client::UploadedImage;
use crate::fixtures::{active_product, event_count, unique_sku};
use crate::queries::refresh_one;

/// `GET products/{id}` after the catalog caught up.
async fn read(media: &MediaApp, product: &str) -> Value {
    refresh_one(&media.app.db.pool, "catalog").await;
    let reply = media
        .app
        .anonymous()
        .send(reqwest::Method::GET, &format!("/products/{product}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

/// The view of an uploaded image in a product read.
fn shown(image: &UploadedImage, alt: Option<&str>) -> Value {
    let mut view = json!({
        "url": image.url,
        "id": image.id,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
    });
    if let Some(alt) = alt {
        view["alt"] = json!(alt);
    }
    view
}

/// An active product (linking `https://img.example/cup.jpg`) with three uploaded images.
async fn with_three(media: &MediaApp) -> (String, [UploadedImage; 3]) {
    let product = active_product(&media.app.as_admin(), &unique_sku(), 5).await;
    let mut first = png(1);
    first.alt = Some("Front".into());
    let images = [
        media.upload(&product, &first).await,
        media.upload(&product, &png(2)).await,
        media.upload(&product, &png(3)).await,
    ];
    (product, images)
}

#[tokio::test]
async fn the_product_read_shows_linked_then_uploaded_images_in_order() {
    let media = MediaApp::start(&[]).await;
    let (product, [a, b, c]) = with_three(&media).await;
    let linked = "https://img.example/cup.jpg";

    let view = read(&media, &product).await;
    assert_eq!(view["images"], json!([linked, a.url, b.url, c.url]));
    assert_eq!(
        view["image_details"],
        json!([
            {"url": linked},
            shown(&a, Some("Front")),
            shown(&b, None),
            shown(&c, None)
        ])
    );
    let page = media.app.anonymous().search_products("").await.json_body();
    assert_eq!(page["items"][0]["images"], view["images"]);
    assert_eq!(page["items"][0]["image_details"], view["image_details"]);
}

#[tokio::test]
async fn removals_and_reorders_show_in_the_product_read() {
    let media = MediaApp::start(&[]).await;
    let (product, [a, b, c]) = with_three(&media).await;
    let admin = media.app.as_admin();

    admin
        .reorder_images(&product, &[&c.id, &a.id, &b.id])
        .await
        .command(200, 6);
    admin.remove_image(&product, &a.id).await.command(200, 7);

    let view = read(&media, &product).await;
    let linked = "https://img.example/cup.jpg";
    assert_eq!(view["images"], json!([linked, c.url, b.url]));
    assert_eq!(view["version"], 7);
    // The same order again is no change.
    admin
        .reorder_images(&product, &[&c.id, &b.id])
        .await
        .command(200, 7);
    // The removed image's bytes stay: other products, and history, may name them.
    assert_eq!(media.stored().len(), 3);
}

#[tokio::test]
async fn a_reorder_must_name_each_image_once_and_writes_nothing_otherwise() {
    let media = MediaApp::start(&[]).await;
    let (product, [a, b, c]) = with_three(&media).await;
    let admin = media.app.as_admin();
    let before = event_count(&media.app).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let (a, b, c) = (a.id.as_str(), b.id.as_str(), c.id.as_str());
    for order in [
        vec![a, b],
        vec![a, b, c, unknown.as_str()],
        vec![a, b, b, c],
        vec![],
    ] {
        admin
            .reorder_images(&product, &order)
            .await
            .problem(422, "invalid_image_order");
    }
    let path = format!("/products/{product}/images");
    let object = admin
        .send_json(reqwest::Method::PUT, &path, &json!({"images": [a]}))
        .await;
    object.problem(422, "validation_failed");
    let not_ids = admin
        .send_json(reqwest::Method::PUT, &path, &json!(["not-a-uuid"]))
        .await;
    not_ids.problem(422, "validation_failed");
    assert_eq!(event_count(&media.app).await, before, "nothing written");
}

#[tokio::test]
async fn removing_an_image_the_product_does_not_show_is_404() {
    let media = MediaApp::start(&[]).await;
    let (product, [a, ..]) = with_three(&media).await;
    let admin = media.app.as_admin();
    admin.remove_image(&product, &a.id).await.command(200, 6);
    admin
        .remove_image(&product, &a.id)
        .await
        .problem(404, "image_not_found");
}

#[tokio::test]
async fn only_admins_remove_or_reorder_images() {
    let media = MediaApp::start(&[]).await;
    let (product, [a, b, c]) = with_three(&media).await;
    let customer = media.app.as_customer();
    customer
        .remove_image(&product, &a.id)
        .await
        .problem(403, "forbidden");
    customer
        .reorder_images(&product, &[&c.id, &b.id, &a.id])
        .await
        .problem(403, "forbidden");
}
