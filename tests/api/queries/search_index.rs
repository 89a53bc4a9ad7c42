//! `GET products` from the in-memory search index (`SEARCH_INDEX=true`): facets with every
//! page, answers from memory, and every change of the catalog rows heard and applied (a row
//! changed by any writer, a replay).
//!
//! "Answered from memory" is observed by changing a row with the notification trigger turned
//! off: the index does not hear of it and keeps answering the old row.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{create_product, refresh, refresh_one, NewProduct};
use crate::fixtures::openapi_document;
use crate::helpers::{spawn_app_with, TestApp};
use crate::pipeline::wait_until;

const PATIENCE: Duration = Duration::from_secs(10);

async fn indexed_app() -> TestApp {
    spawn_app_with(&[("SEARCH_INDEX", "true")]).await
}

async fn search(app: &TestApp, query: &str) -> Value {
    let reply = app.anonymous().search_products(query).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    reply.body
}

async fn total_becomes(app: &TestApp, query: &str, wanted: i64) {
    wait_until(&format!("{query} finding {wanted}"), PATIENCE, || async {
        search(app, query).await["total"] == wanted
    })
    .await;
}

async fn set_triggers(app: &TestApp, enabled: bool) {
    let action = if enabled { "ENABLE" } else { "DISABLE" };
    sqlx::query(&format!(
        "ALTER TABLE catalog_products {action} TRIGGER USER"
    ))
    .execute(&app.db.pool)
    .await
    .expect("toggle triggers");
}

async fn rename(app: &TestApp, id: Uuid, name: &str) {
    sqlx::query("UPDATE catalog_products SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&app.db.pool)
        .await
        .expect("rename");
}

async fn two_products(app: &TestApp) -> Uuid {
    let cup = create_product(
        app,
        NewProduct {
            name: "Espresso cup",
            category: "Kitchen",
            tags: &["coffee", "Porcelain"],
            price: 1250,
            stock: 10,
            publish: true,
        },
    )
    .await;
    create_product(
        app,
        NewProduct {
            name: "Coffee grinder",
            category: "appliances",
            tags: &["coffee"],
            price: 8000,
            stock: 0,
            publish: true,
        },
    )
    .await;
    refresh(app).await;
    cup
}

#[tokio::test]
async fn the_page_carries_the_facets_of_every_match() {
    let app = indexed_app().await;
    two_products(&app).await;
    total_becomes(&app, "q=coffee", 2).await;

    let page = search(&app, "q=coffee&per_page=1").await;

    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        page["facets"],
        json!({
            "categories": [
                {"value": "appliances", "name": "appliances", "count": 1},
                {"value": "kitchen", "name": "Kitchen", "count": 1},
            ],
            "tags": [
                {"value": "coffee", "name": "coffee", "count": 2},
                {"value": "porcelain", "name": "Porcelain", "count": 1},
            ],
            "price_ranges": [
                {"min": 1000, "max": 2499, "count": 1},
                {"min": 5000, "max": 9999, "count": 1},
            ],
            "in_stock": {"true": 1, "false": 1},
        })
    );
    let in_stock = search(&app, "q=coffee&in_stock=true").await;
    assert_eq!(
        in_stock["facets"]["in_stock"],
        json!({"true": 1, "false": 0})
    );
    app.stop().await;
}

#[tokio::test]
async fn searches_come_from_memory_and_follow_every_change_of_the_rows() {
    let app = indexed_app().await;
    let cup = two_products(&app).await;
    total_becomes(&app, "q=espresso", 1).await;

    // Unheard (trigger off): the index keeps the row it has.
    set_triggers(&app, false).await;
    rename(&app, cup, "Ristretto cup").await;
    set_triggers(&app, true).await;
    assert_eq!(search(&app, "q=ristretto").await["total"], 0);
    assert_eq!(search(&app, "q=espresso").await["total"], 1);

    // Heard: any writer's change of the row is applied.
    rename(&app, cup, "Lungo cup").await;
    total_becomes(&app, "q=lungo", 1).await;
    // (Its description still says espresso.)
    assert_eq!(
        search(&app, "q=espresso").await["items"][0]["name"],
        "Lungo cup"
    );

    // A replay (every row rewritten, one notification for all) reloads the whole index.
    refresh_one(&app.db.pool, "catalog").await;
    // Wait for what only the reload changes (espresso matches before and after it).
    total_becomes(&app, "q=lungo", 0).await;
    assert_eq!(search(&app, "q=espresso").await["total"], 1);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_facets() {
    let app = indexed_app().await;

    let document = openapi_document(&app).await;

    let schemas = &document["components"]["schemas"];
    assert!(schemas["ProductPage"]["properties"]["facets"].is_object());
    for field in ["categories", "tags", "price_ranges", "in_stock"] {
        assert!(
            schemas["CatalogFacets"]["properties"][field].is_object(),
            "{field}"
        );
    }
    for (schema, field) in [
        ("FacetValue", "value"),
        ("PriceRange", "max"),
        ("StockCounts", "true"),
        ("StockCounts", "false"),
    ] {
        assert!(
            schemas[schema]["properties"][field].is_object(),
            "{schema}.{field}"
        );
    }
    app.stop().await;
}

/// Creates and publishes a product through the API: `category` (text or a slug), `store`,
/// priced in `currency`; links the created tag `tag` when given. Its id.
async fn product_through_the_api(
    app: &TestApp,
    name: &str,
    (store, currency): (&str, &str),
    category: &str,
    tag: Option<&str>,
) -> String {
    let admin = app.as_admin();
    let sku = format!("SKU-{}", Uuid::new_v4().simple());
    let body = json!({"name": name, "category": category, "store": store,
        "variants": [{"sku": sku, "price": {"amount": 1500, "currency": currency}, "stock": 4}]});
    let id = admin
        .send_json(reqwest::Method::POST, "/products", &body)
        .await
        .command(201, 1);
    admin.publish(&id).await.command(200, 2);
    if let Some(tag) = tag {
        let path = format!("/products/{id}/tags/{tag}");
        admin
            .send(reqwest::Method::PUT, &path)
            .await
            .command(200, 3);
    }
    id
}

fn names_of(page: &Value) -> Vec<String> {
    let mut names: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_index_filters_by_store_category_subtree_and_tag_slug_as_postgres_does() {
    let app = indexed_app().await;
    let admin = app.as_admin();
    let post = |path: &'static str, body: Value| {
        let admin = &admin;
        async move {
            admin
                .send_json(reqwest::Method::POST, path, &body)
                .await
                .command(201, 1);
        }
    };
    post(
        "/stores",
        json!({"slug": "eu-outlet", "name": "EU Outlet", "currency": "EUR",
                           "contact_email": "eu@example.com"}),
    )
    .await;
    post("/categories", json!({"slug": "home", "name": "Home"})).await;
    post(
        "/categories",
        json!({"slug": "kitchen", "name": "Kitchen", "parent": "home"}),
    )
    .await;
    post("/tags", json!({"name": "Gift"})).await;
    let usd = ("default", "USD");
    let kettle = product_through_the_api(&app, "Kettle", usd, "kitchen", Some("gift")).await;
    product_through_the_api(&app, "Lamp", ("eu-outlet", "EUR"), "home", Some("gift")).await;
    product_through_the_api(&app, "Rake", usd, "Garden", None).await;
    refresh(&app).await;
    total_becomes(&app, "", 3).await;

    for (query, expected) in [
        ("store=eu-outlet", vec!["Lamp"]),
        ("store=default", vec!["Kettle", "Rake"]),
        ("category=home", vec!["Kettle", "Lamp"]),
        ("category=HOME", vec!["Kettle", "Lamp"]),
        ("category=kitchen", vec!["Kettle"]),
        ("category=garden", vec!["Rake"]),
        ("tag=gift", vec!["Kettle", "Lamp"]),
        ("store=default&category=home&tag=gift", vec!["Kettle"]),
    ] {
        assert_eq!(names_of(&search(&app, query).await), expected, "{query}");
    }

    // And the answers came from memory: an unheard rename is not seen.
    set_triggers(&app, false).await;
    rename(&app, Uuid::parse_str(&kettle).expect("uuid"), "Teapot").await;
    set_triggers(&app, true).await;
    assert_eq!(
        names_of(&search(&app, "category=kitchen").await),
        ["Kettle"]
    );
    app.stop().await;
}
