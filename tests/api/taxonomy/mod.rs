//! Categories and tags through HTTP: the tree with its counts, refused cycles and deletes,
//! descendant filtering; tags with counts, rename, link and unlink as the catalogue shows
//! them; bad input and roles.
//!
//! As in the query tests, the app runs without projection workers: after the commands the
//! read models are rebuilt from the event store ([`crate::queries::refresh`]).

mod categories;
mod tags;

use serde_json::Value;

use crate::helpers::TestApp;
use crate::queries::{create_product, refresh, NewProduct};

/// An active product named `name` in `category`, tagged `tags`; its id.
async fn product_in(app: &TestApp, name: &str, category: &str, tags: &[&str]) -> String {
    let product = NewProduct {
        name,
        category,
        tags,
        price: 1000,
        stock: 1,
        publish: true,
    };
    create_product(app, product).await.to_string()
}

/// The names of the products `GET /products?<query>` answers, sorted.
async fn names(app: &TestApp, query: &str) -> Vec<String> {
    refresh(app).await;
    let reply = app.anonymous().search_products(query).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.text);
    let mut names: Vec<String> = reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

/// `GET /products/{id}` after a rebuild of the read models.
async fn product(app: &TestApp, id: &str) -> Value {
    refresh(app).await;
    let reply = app.anonymous().get_product(id).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

/// The read side keys products in SQL (`taxonomy_slug`), the domain in Rust (`slugify`):
/// both must give the same key for any text, or a product would drift out of its category.
#[tokio::test]
async fn the_sql_slug_is_the_domain_slug() {
    let db = crate::helpers::TestDatabase::create().await;
    for text in [
        "Men's Shoes",
        "  T-Shirts  ",
        "--a--B--",
        "Café au lait",
        "ÉTÉ 2024",
        "€",
        "日本",
        "tab\there\nnewline",
        "x-41",
        "K",
        "ǅungla",
    ] {
        let sql: String = sqlx::query_scalar("SELECT taxonomy_slug($1)")
            .bind(text)
            .fetch_one(&db.pool)
            .await
            .expect("slug");
        assert_eq!(sql, commerce_aggregates::slug::slugify(text), "{text:?}");
    }
}
