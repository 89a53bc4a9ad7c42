//! The products pages: the list and its filters, creating a product from the form, its
//! page's forms (details, variants, price, stock, publish) through the same use cases as the
//! API, and their refusals (bad input, auditors, stale pages).

use super::*;
use crate::client::ProductChanges;
use crate::fixtures::{draft_product, events_of_type, unique_sku};
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

/// The new-product form's fields for a product `name` with one variant `sku`.
fn new_product_fields<'a>(csrf: &'a str, name: &'a str, sku: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("description", "Porcelain, 80 ml"),
        ("category", "kitchen"),
        ("tags", "coffee, cups"),
        ("store", "default"),
        ("low_stock_threshold", "3"),
        ("sku", sku),
        ("options", "colour=white"),
        ("price", "12.50"),
        ("currency", "USD"),
        ("stock", "10"),
    ]
}

/// The product id in a redirect to its page (`/admin/products/{id}?v=n`).
fn product_of(location: &str) -> String {
    let rest = location
        .strip_prefix("/admin/products/")
        .expect("to a product page");
    rest.split('?').next().expect("an id").to_string()
}

/// The version in a redirect to a product page (`?v=n`).
fn version_of(page: &Page) -> String {
    let location = page.location.as_deref().expect("a redirect");
    location.split("?v=").nth(1).expect("a version").to_string()
}

/// The catalog and inventory read models caught up (the tests run no projection workers).
pub(super) async fn catch_up(app: &TestApp) {
    refresh_one(&app.db.pool, "catalog").await;
    refresh_one(&app.db.pool, "inventory").await;
}

#[tokio::test]
async fn an_admin_creates_a_product_from_the_form_and_publishes_it() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let form = browser.get("/admin/products/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    for field in ["name", "category", "sku", "price", "stock", "store"] {
        assert!(
            form.body.contains(&format!(r#"<label for="{field}""#)),
            "{field}"
        );
    }
    let sku = unique_sku();
    let csrf = form.csrf();
    let created = browser
        .post(
            "/admin/products",
            &new_product_fields(&csrf, "Espresso cup", &sku),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let location = created.location.expect("to the product");
    assert!(location.ends_with("?v=1"), "{location}");
    let id = product_of(&location);
    catch_up(&app).await;
    let page = browser.get(&location).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Espresso cup"));
    assert!(page.body.contains(&sku));
    assert!(page.body.contains("12.50 USD"));
    assert!(
        page.body.contains(r#"id="product-status">draft<"#),
        "{}",
        page.body
    );
    let published = browser
        .post(
            &format!("/admin/products/{id}/publish"),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    assert_eq!(
        published.location.as_deref(),
        Some(format!("/admin/products/{id}?v=2").as_str())
    );
    catch_up(&app).await;
    let product = app.as_admin().get_product(&id).await.json_body();
    assert_eq!(product["status"], "active");
    assert_eq!(product["tags"], serde_json::json!(["coffee", "cups"]));
    assert_eq!(product["low_stock_threshold"], 3);
    let page = browser.get(&format!("/admin/products/{id}?v=2")).await;
    assert!(page.body.contains(r#"id="product-status">active<"#));
    assert!(!page.body.contains(">Publish<"));
}

#[tokio::test]
async fn a_new_product_with_bad_input_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    let sku = unique_sku();
    let mut fields = new_product_fields(&csrf, "Espresso cup", &sku);
    fields.retain(|(name, _)| *name != "price");
    fields.push(("price", "twelve"));
    let page = browser.post("/admin/products", &fields).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("price"), "{}", page.body);
    // The product itself refuses a blank name, after the SKU was claimed: it is let go.
    let blank = browser
        .post("/admin/products", &new_product_fields(&csrf, "  ", &sku))
        .await;
    assert_eq!(blank.status, 422, "{}", blank.body);
    assert!(blank.body.contains("role=\"alert\""));
    let mut elsewhere = new_product_fields(&csrf, "Espresso cup", &sku);
    elsewhere.retain(|(name, _)| *name != "store");
    elsewhere.push(("store", "nowhere"));
    let unknown_store = browser.post("/admin/products", &elsewhere).await;
    assert!(
        (400..500).contains(&unknown_store.status),
        "{}",
        unknown_store.body
    );
    assert_eq!(events_of_type(&app, "ProductCreated").await, 0);
    let again = browser
        .post(
            "/admin/products",
            &new_product_fields(&csrf, "Espresso cup", &sku),
        )
        .await;
    assert_eq!(again.status, 303, "the SKU is free again: {}", again.body);
}

#[tokio::test]
async fn an_auditor_sees_no_product_forms_and_their_posts_are_refused() {
    let app = spawn_app().await;
    let product = draft_product(&app.as_admin(), &unique_sku(), 5).await;
    catch_up(&app).await;
    auditor_account(&app, "audit@example.com").await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("audit@example.com").await.status, 303);
    let page = browser.get(&format!("/admin/products/{product}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for form in [
        ">Publish<",
        ">Archive<",
        ">Reprice<",
        ">Upload<",
        "New product",
    ] {
        assert!(!page.body.contains(form), "{form} shown to an auditor");
    }
    assert_eq!(browser.get("/admin/products/new").await.status, 403);
    let csrf = page.csrf();
    for (action, fields) in [
        ("publish", vec![("csrf", csrf.as_str()), ("version", "1")]),
        (
            "stock",
            vec![
                ("csrf", csrf.as_str()),
                ("version", "1"),
                ("sku", "X"),
                ("adjustment", "5"),
                ("reason", "count"),
            ],
        ),
    ] {
        let refused = browser
            .post(&format!("/admin/products/{product}/{action}"), &fields)
            .await;
        assert_eq!(refused.status, 403, "{action}: {}", refused.body);
    }
    let created = browser
        .post(
            "/admin/products",
            &new_product_fields(&csrf, "Cup", &unique_sku()),
        )
        .await;
    assert_eq!(created.status, 403);
    assert_eq!(events_of_type(&app, "ProductPublished").await, 0);
    assert_eq!(events_of_type(&app, "ProductCreated").await, 1);
}

#[tokio::test]
async fn a_form_posted_from_a_stale_page_is_refused_with_412() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let sku = unique_sku();
    let product = draft_product(&admin, &sku, 5).await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    // Someone else changes the product after the page showed version 1.
    let changes = ProductChanges {
        name: Some("Renamed".into()),
        ..ProductChanges::default()
    };
    admin
        .update_product(&product, &changes)
        .await
        .command(200, 2);
    let stale = browser
        .post(
            &format!("/admin/products/{product}/stock"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("sku", &sku),
                ("adjustment", "5"),
                ("reason", "delivery"),
            ],
        )
        .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    catch_up(&app).await;
    let read = admin.get_product(&product).await.json_body();
    assert_eq!(read["variants"][0]["on_hand"], 5);
    assert_eq!(read["version"], 2);
}

#[tokio::test]
async fn the_product_page_edits_details_adds_a_variant_reprices_and_adjusts_stock() {
    let app = spawn_app().await;
    let sku = unique_sku();
    let product = draft_product(&app.as_admin(), &sku, 5).await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    let path = |action: &str| format!("/admin/products/{product}/{action}");
    let edited = browser
        .post(
            &path("details"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("name", "Lungo cup"),
                ("description", "Porcelain, 120 ml"),
                ("category", "kitchen"),
                ("tags", "coffee"),
                ("images", ""),
                ("low_stock_threshold", "4"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let second = unique_sku();
    let added = browser
        .post(
            &path("variants"),
            &[
                ("csrf", &csrf),
                ("version", &version_of(&edited)),
                ("sku", &second),
                ("options", "colour=black"),
                ("price", "13"),
                ("currency", "USD"),
                ("stock", "2"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let repriced = browser
        .post(
            &path("price"),
            &[
                ("csrf", &csrf),
                ("version", &version_of(&added)),
                ("sku", &sku),
                ("price", "9.9"),
                ("currency", "USD"),
            ],
        )
        .await;
    assert_eq!(repriced.status, 303, "{}", repriced.body);
    let at = version_of(&repriced);
    let no_reason = [
        ("csrf", csrf.as_str()),
        ("version", &at),
        ("sku", &sku),
        ("adjustment", "7"),
        ("reason", " "),
    ];
    let refused = browser.post(&path("stock"), &no_reason).await;
    assert_eq!(
        refused.status, 422,
        "a reason is required: {}",
        refused.body
    );
    let adjusted = browser
        .post(
            &path("stock"),
            &[
                ("csrf", &csrf),
                ("version", &at),
                ("sku", &sku),
                ("adjustment", "-2"),
                ("reason", "breakage"),
            ],
        )
        .await;
    assert_eq!(adjusted.status, 303, "{}", adjusted.body);
    let last = version_of(&adjusted);
    assert!(last.parse::<u64>().expect("a number") > at.parse().expect("a number"));
    catch_up(&app).await;
    let read = app.as_admin().get_product(&product).await.json_body();
    assert_eq!(read["name"], "Lungo cup");
    assert_eq!(read["low_stock_threshold"], 4);
    let first = read["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .find(|v| v["sku"] == sku.as_str())
        .expect("the first variant");
    assert_eq!(first["price"]["amount"], 990);
    assert_eq!(first["on_hand"], 3);
    assert_eq!(read["variants"].as_array().map(Vec::len), Some(2));
    let page = browser
        .get(&format!("/admin/products/{product}?v={last}"))
        .await;
    assert!(page.body.contains("9.90 USD"), "{}", page.body);
    assert!(page.body.contains(&second));
}

#[tokio::test]
async fn the_products_list_searches_and_filters_by_status() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let draft = draft_product(&admin, &unique_sku(), 5).await;
    let changes = ProductChanges {
        name: Some("Teapot".into()),
        ..ProductChanges::default()
    };
    let teapot = draft_product(&admin, &unique_sku(), 5).await;
    admin
        .update_product(&teapot, &changes)
        .await
        .command(200, 2);
    admin.publish(&teapot).await.command(200, 3);
    catch_up(&app).await;
    let mut browser = signed_in_admin(&app).await;
    let all = browser.get("/admin/products").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains(&draft) && all.body.contains(&teapot));
    let drafts = browser.get("/admin/products?status=draft").await;
    assert!(drafts.body.contains(&draft) && !drafts.body.contains(&teapot));
    let found = browser.get("/admin/products?q=teapot&status=").await;
    assert!(found.body.contains(&teapot) && !found.body.contains(&draft));
    assert!(found.body.contains(r#"<label for="q""#));
    let in_store = browser.get("/admin/products?store=nowhere").await;
    assert!(!in_store.body.contains(&teapot));
    assert_eq!(browser.get("/admin/products?status=lost").await.status, 400);
}
