//! The rendered-product cache of `GET products/{id}`: it serves repeated reads, forgets a
//! product as soon as any of its catalog rows changes (whoever changed it), is bypassed by a
//! `min_version` newer than the cached row, and never shows drafts to the public.
//!
//! "Served from the cache" is observed by changing a row with the invalidation trigger turned
//! off: a cached read still shows the old value.

use std::time::Duration;

use commerce_aggregates::product::ProductCommand;
use commerce_aggregates::Role;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use super::{create_product, get_json, refresh, refresh_one, NewProduct};
use crate::fixtures::usd;
use crate::helpers::{admin_metadata, spawn_app_with, TestApp};
use crate::pipeline::wait_until;

const PATIENCE: Duration = Duration::from_secs(10);

async fn cached_app() -> TestApp {
    spawn_app_with(&[("PRODUCT_CACHE_ENTRIES", "100")]).await
}

async fn product(app: &TestApp, id: Uuid, token: Option<&str>) -> Value {
    let (status, body) = get_json(app, &format!("/products/{id}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn set_triggers(app: &TestApp, enabled: bool) {
    let action = if enabled { "ENABLE" } else { "DISABLE" };
    for table in [
        "catalog_products",
        "catalog_variants",
        "catalog_product_images",
    ] {
        sqlx::query(&format!("ALTER TABLE {table} {action} TRIGGER USER"))
            .execute(&app.db.pool)
            .await
            .expect("toggle triggers");
    }
}

/// Reads the product until a read comes from the cache: each round renames the row behind
/// the cache's back (no notification) and reads again; a cached read keeps the old name.
/// Leaves the row renamed and the triggers on; returns the cached name.
async fn until_cached(app: &TestApp, id: Uuid, token: Option<&str>) -> String {
    for round in 0..200 {
        let before = product(app, id, token).await["name"].clone();
        set_triggers(app, false).await;
        sqlx::query("UPDATE catalog_products SET name = $2 WHERE id = $1")
            .bind(id)
            .bind(format!("Shadow {round}"))
            .execute(&app.db.pool)
            .await
            .expect("rename");
        set_triggers(app, true).await;
        let after = product(app, id, token).await["name"].clone();
        if after == before {
            return after.as_str().expect("a name").to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the product was never served from the cache");
}

async fn name_becomes(app: &TestApp, id: Uuid, wanted: &str) {
    wait_until(&format!("the name {wanted}"), PATIENCE, || async {
        product(app, id, None).await["name"] == wanted
    })
    .await;
}

#[tokio::test]
async fn cached_products_are_dropped_when_any_of_their_rows_change() {
    let app = cached_app().await;
    let id = create_product(
        &app,
        NewProduct {
            name: "Espresso cup",
            category: "kitchen",
            tags: &["coffee"],
            price: 1250,
            stock: 10,
            publish: true,
        },
    )
    .await;
    refresh(&app).await;
    until_cached(&app, id, None).await;

    // A product row changed by any writer: the trigger's notification drops the entry.
    sqlx::query("UPDATE catalog_products SET name = 'Renamed cup' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("rename");
    name_becomes(&app, id, "Renamed cup").await;

    // A variant row of the product: same.
    until_cached(&app, id, None).await;
    sqlx::query("UPDATE catalog_variants SET reserved = on_hand - 3 WHERE product_id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("variant change");
    wait_until("the new availability", PATIENCE, || async {
        product(&app, id, None).await["variants"][0]["available"] == 3
    })
    .await;

    // An uploaded image's row: same.
    until_cached(&app, id, None).await;
    sqlx::query(
        "INSERT INTO catalog_product_images (product_id, image_id, position, key, \
         content_type, width, height, byte_size) \
         VALUES ($1, $2, 0, 'shadow.png', 'image/png', 1, 1, 1)",
    )
    .bind(id)
    .bind(Uuid::new_v4())
    .execute(&app.db.pool)
    .await
    .expect("image row");
    wait_until("the new image", PATIENCE, || async {
        let images = product(&app, id, None).await["images"].clone();
        images.to_string().contains("/api/v1/media/shadow.png")
    })
    .await;

    // A replay truncates the tables: everything is dropped, the rebuilt row is served.
    until_cached(&app, id, None).await;
    refresh_one(&app.db.pool, "catalog").await;
    name_becomes(&app, id, "Espresso cup").await;
    app.stop().await;
}

#[tokio::test]
async fn a_min_version_newer_than_the_cached_row_is_read_from_the_read_model() {
    let app = cached_app().await;
    let id = create_product(
        &app,
        NewProduct {
            name: "Tea pot",
            category: "kitchen",
            tags: &["tea"],
            price: 3000,
            stock: 4,
            publish: true,
        },
    )
    .await;
    refresh(&app).await;
    let cached = until_cached(&app, id, None).await;
    let cached_version = product(&app, id, None).await["version"]
        .as_i64()
        .expect("version");

    // A new event reaches the read model while the cache does not hear of it.
    let committed = app
        .stores
        .products
        .execute(
            &id.to_string(),
            ProductCommand::ChangeVariantPrice {
                sku: super::sku_of("Tea pot"),
                price: usd(2500),
            },
            &admin_metadata(),
            None,
        )
        .await
        .expect("price changed");
    set_triggers(&app, false).await;
    refresh_one(&app.db.pool, "catalog").await;
    set_triggers(&app, true).await;
    let stale = product(&app, id, None).await;
    assert_eq!(
        (stale["name"].as_str(), stale["version"].as_i64()),
        (Some(cached.as_str()), Some(cached_version)),
        "without min_version the cached row is served"
    );

    let version = committed.version;
    let (status, fresh) =
        get_json(&app, &format!("/products/{id}?min_version={version}"), None).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(fresh["version"].as_u64(), Some(version as u64));
    assert_eq!(
        fresh["name"], "Tea pot",
        "the rebuilt row, not the cached one"
    );
    assert_eq!(fresh["variants"][0]["price"]["amount"], 2500);
    app.stop().await;
}

#[tokio::test]
async fn a_draft_cached_for_an_admin_stays_hidden_from_everybody_else() {
    let app = cached_app().await;
    let id = create_product(
        &app,
        NewProduct {
            name: "Secret mug",
            category: "kitchen",
            tags: &["coffee"],
            price: 900,
            stock: 3,
            publish: false,
        },
    )
    .await;
    refresh(&app).await;
    let (_, admin) = app.token(Role::Admin);
    until_cached(&app, id, Some(&admin)).await;

    let (status, body) = get_json(&app, &format!("/products/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, customer) = app.token(Role::Customer);
    let (status, _) = get_json(&app, &format!("/products/{id}"), Some(&customer)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get_json(&app, &format!("/products/{id}"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

/// Every notification on the caches' channel until none comes for 300 ms.
async fn drain(listener: &mut sqlx::postgres::PgListener) -> Vec<String> {
    let mut payloads = Vec::new();
    while let Ok(received) = tokio::time::timeout(Duration::from_millis(300), listener.recv()).await
    {
        payloads.push(received.expect("notification").payload().to_owned());
    }
    payloads
}

/// A replay tells the caches once to drop everything (its `TRUNCATE`), not once per row it
/// writes; a row changed outside a replay still names its product.
#[tokio::test]
async fn a_replay_notifies_the_caches_once() {
    let app = cached_app().await;
    let mut ids = Vec::new();
    for name in ["Mug", "Saucer", "Teapot"] {
        let product = NewProduct {
            name,
            category: "kitchen",
            tags: &["tea"],
            price: 900,
            stock: 5,
            publish: true,
        };
        ids.push(create_product(&app, product).await);
    }
    refresh(&app).await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&app.db.pool)
        .await
        .expect("listener");
    listener
        .listen(commerce::http::queries::product_cache::CHANNEL)
        .await
        .expect("listening");
    drain(&mut listener).await;

    refresh_one(&app.db.pool, "catalog").await;
    assert_eq!(drain(&mut listener).await, ["*"]);

    sqlx::query("UPDATE catalog_variants SET reserved = 1 WHERE product_id = $1")
        .bind(ids[1])
        .execute(&app.db.pool)
        .await
        .expect("variant change");
    assert_eq!(drain(&mut listener).await, [ids[1].to_string()]);
    app.stop().await;
}
