//! A product's images from its page: an upload is a multipart form whose CSRF token the
//! guard checks (within the media upload limit, on that route only), a new order and a
//! removal.

use reqwest::header::COOKIE;
use reqwest::multipart::{Form, Part};

use super::products::catch_up;
use super::*;
use crate::fixtures::{draft_product, events_of_type, unique_sku};
use crate::media::{picture, MediaApp};

/// Posts an image upload form of a small PNG to `product`'s page as `browser`, with `csrf`
/// when given.
async fn upload(browser: &Browser<'_>, product: &str, csrf: Option<&str>, version: &str) -> Page {
    let png = picture(image::ImageFormat::Png, 24, 16, 7);
    upload_file(browser, product, csrf, version, png).await
}

/// Posts an image upload form of `bytes` to `product`'s page as `browser`.
async fn upload_file(
    browser: &Browser<'_>,
    product: &str,
    csrf: Option<&str>,
    version: &str,
    bytes: Vec<u8>,
) -> Page {
    let file = Part::bytes(bytes)
        .file_name("cup.png")
        .mime_str("image/png")
        .expect("a type");
    let mut form = Form::new();
    if let Some(csrf) = csrf {
        form = form.text("csrf", csrf.to_string());
    }
    let form = form
        .text("version", version.to_string())
        .text("alt", "A white cup")
        .part("file", file);
    let response = browser
        .http
        .post(
            browser
                .app
                .url(&format!("/admin/products/{product}/images")),
        )
        .header(COOKIE, browser.cookie_header())
        .multipart(form)
        .send()
        .await
        .expect("POST");
    Page::read(response).await
}

#[tokio::test]
async fn an_image_upload_needs_the_forms_token_and_then_shows_on_the_page() {
    let media = MediaApp::start(&[]).await;
    let app = &media.app;
    let product = draft_product(&app.as_admin(), &unique_sku(), 5).await;
    let mut browser = signed_in_admin(app).await;
    let csrf = browser.csrf().await;
    let refused = upload(&browser, &product, None, "1").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let forged = upload(&browser, &product, Some("not-the-token"), "1").await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(!media.folder.exists() || media.stored().is_empty());
    assert_eq!(events_of_type(app, "ProductImageAdded").await, 0);
    // The larger multipart limit is the upload route's only: another form sent so is refused.
    let other = browser
        .http
        .post(app.url(&format!("/admin/products/{product}/publish")))
        .header(COOKIE, browser.cookie_header())
        .multipart(Form::new().text("csrf", csrf.clone()).text("version", "1"))
        .send()
        .await
        .expect("POST");
    assert_eq!(other.status().as_u16(), 403);
    let stale = upload(&browser, &product, Some(&csrf), "0").await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let uploaded = upload(&browser, &product, Some(&csrf), "1").await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    assert_eq!(
        uploaded.location.as_deref(),
        Some(format!("/admin/products/{product}?v=2").as_str())
    );
    assert_eq!(media.stored().len(), 1);
    catch_up(app).await;
    let page = browser.get(&format!("/admin/products/{product}?v=2")).await;
    assert!(
        page.body.contains(r#"<img src="/api/v1/media/"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"alt="A white cup""#));
    let read = app.as_admin().get_product(&product).await.json_body();
    let uploaded = |read: &serde_json::Value| -> Vec<String> {
        read["image_details"]
            .as_array()
            .expect("images")
            .iter()
            .filter_map(|image| image["id"].as_str().map(str::to_string))
            .collect()
    };
    let first = uploaded(&read).pop().expect("the uploaded image's id");
    let second = picture(image::ImageFormat::Png, 24, 16, 8);
    let added = upload_file(&browser, &product, Some(&csrf), "2", second).await;
    assert_eq!(added.status, 303, "{}", added.body);
    catch_up(app).await;
    let page = browser.get(&format!("/admin/products/{product}?v=3")).await;
    let order = page_field(&page, "order");
    let later = uploaded(&app.as_admin().get_product(&product).await.json_body())[1].clone();
    assert_eq!(order, format!("{later},{first}"));
    let moved = [("csrf", csrf.as_str()), ("version", "3"), ("order", &order)];
    let moved = browser
        .post(&format!("/admin/products/{product}/images/order"), &moved)
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    catch_up(app).await;
    let read = app.as_admin().get_product(&product).await.json_body();
    assert_eq!(uploaded(&read), vec![later.clone(), first.clone()]);
    let remove = [
        ("csrf", csrf.as_str()),
        ("version", "4"),
        ("image_id", &first),
    ];
    let removed = browser
        .post(&format!("/admin/products/{product}/images/remove"), &remove)
        .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    catch_up(app).await;
    let read = app.as_admin().get_product(&product).await.json_body();
    assert_eq!(uploaded(&read), vec![later]);
    assert_eq!(
        read["images"].as_array().map(Vec::len),
        Some(2),
        "the linked one stays"
    );
}

/// The value of the page's first hidden field `name`.
fn page_field(page: &Page, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page.body.find(&marker).expect("the field") + marker.len();
    let end = page.body[start..].find('"').expect("closing quote");
    page.body[start..start + end].to_string()
}

#[tokio::test]
async fn an_upload_beyond_the_media_limit_is_refused_with_413_and_stores_nothing() {
    let media = MediaApp::start(&[("MEDIA_MAX_BYTES", "2000")]).await;
    let app = &media.app;
    let product = draft_product(&app.as_admin(), &unique_sku(), 5).await;
    let mut browser = signed_in_admin(app).await;
    let csrf = browser.csrf().await;
    // Well past the limit and the form's allowance: cut off while the guard reads it.
    let large = picture(image::ImageFormat::Png, 300, 300, 3);
    assert!(large.len() > 2000 + 64 * 1024);
    let refused = upload_file(&browser, &product, Some(&csrf), "1", large).await;
    assert_eq!(refused.status, 413, "{}", refused.body);
    // Within the form's allowance but past the file limit: refused by the handler.
    let medium = picture(image::ImageFormat::Png, 40, 40, 3);
    assert!(medium.len() > 2000);
    let refused = upload_file(&browser, &product, Some(&csrf), "1", medium).await;
    assert_eq!(refused.status, 413, "{}", refused.body);
    assert!(!media.folder.exists() || media.stored().is_empty());
    assert_eq!(events_of_type(app, "ProductImageAdded").await, 0);
}
