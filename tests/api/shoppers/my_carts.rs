//! `GET me/carts`: the caller's open carts only, most recently changed first, paged.

use serde_json::Value;

use crate::client::AddItem;
use crate::fixtures::{active_product, open_cart, ready_cart, unique_sku};
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|cart| cart["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn a_customer_lists_their_open_carts_only() {
    let app = spawn_app().await;
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 20).await;
    let ada = app.as_customer();
    let bob = app.as_customer();
    let checked_out = ready_cart(&ada, &product, &sku, 1).await;
    ada.checkout(&checked_out).await.command(201, 2);
    let empty = open_cart(&ada).await;
    let filled = open_cart(&ada).await;
    ada.add_item(&filled, &AddItem::new(&product, &sku, 3))
        .await
        .command(200, 2);
    let bobs = open_cart(&bob).await;
    refresh_one(&app.db.pool, "carts").await;

    let page: Value = ada.my_carts("").await.json(200);

    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(ids(&page), [filled.clone(), empty]);
    let first = &page["items"][0];
    assert_eq!(
        (&first["store"], &first["line_count"], &first["item_count"]),
        (&"default".into(), &1.into(), &3.into())
    );
    assert_eq!(
        first["subtotal"],
        serde_json::json!({"amount": 3750, "currency": "USD"})
    );
    assert!(first["updated_at"].is_string());
    let bobs_page: Value = bob.my_carts("").await.json(200);
    assert_eq!(ids(&bobs_page), [bobs]);
    let none: Value = app.as_admin().my_carts("").await.json(200);
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn the_list_is_paged_and_refuses_bad_parameters() {
    let app = spawn_app().await;
    let ada = app.as_customer();
    let older = open_cart(&ada).await;
    let newer = open_cart(&ada).await;
    refresh_one(&app.db.pool, "carts").await;

    let first: Value = ada.my_carts("per_page=1").await.json(200);
    let second: Value = ada.my_carts("per_page=1&page=2").await.json(200);

    assert_eq!(
        (&first["total"], &first["per_page"]),
        (&2.into(), &1.into())
    );
    assert_eq!(ids(&first), [newer]);
    assert_eq!(ids(&second), [older]);
    ada.my_carts("page=0")
        .await
        .problem(422, "validation_failed");
    ada.my_carts("per_page=101")
        .await
        .problem(422, "validation_failed");
    app.anonymous()
        .my_carts("")
        .await
        .problem(401, "unauthorized");
}
