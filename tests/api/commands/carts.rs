//! Cart commands: every route with its versions, prices from the catalogue, bad input,
//! someone else's cart, staff and `If-Match`.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::json;

use super::{
    active_product, admin, call, delete, draft_product, event_count, last_payload, open_cart, post,
    post_empty, put,
};
use crate::fixtures::address_json;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_customer_runs_every_cart_command_and_gets_each_version() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "WELCOME10", "discount": {"percent": 10}}),
    )
    .await
    .command(201, 1);
    let (_, token) = app.token(Role::Prime);

    // No body at all: a USD cart.
    let created = call(&app, Method::POST, "/carts", Some(&token))
        .send()
        .await;
    let cart = created.command(201, 1);
    assert_eq!(created.location(), format!("/api/v1/carts/{cart}"));
    assert_eq!(
        last_payload(&app, &cart, "CartCreated").await["currency"],
        "USD"
    );

    let item = json!({"product_id": product, "sku": "CUP-W", "quantity": 2});
    let items = format!("/carts/{cart}/items");
    post(&app, &items, &token, &item).await.command(200, 2);
    let added = last_payload(&app, &cart, "ItemAdded").await;
    assert_eq!(
        added["unit_price"],
        json!({"amount": 1250, "currency": "USD"})
    );
    post(&app, &items, &token, &item).await.command(200, 3);
    put(
        &app,
        &format!("{items}/CUP-W"),
        &token,
        &json!({"quantity": 5}),
    )
    .await
    .command(200, 4);
    assert_eq!(
        last_payload(&app, &cart, "ItemQuantityChanged").await["quantity"],
        5
    );
    let coupon = format!("/carts/{cart}/coupon");
    put(&app, &coupon, &token, &json!({"code": "welcome10"}))
        .await
        .command(200, 5);
    assert_eq!(
        last_payload(&app, &cart, "CouponApplied").await["code"],
        "WELCOME10"
    );
    delete(&app, &coupon, &token).await.command(200, 6);
    put(
        &app,
        &format!("/carts/{cart}/shipping-address"),
        &token,
        &address_json(),
    )
    .await
    .command(200, 7);
    delete(&app, &format!("{items}/CUP-W"), &token)
        .await
        .command(200, 8);

    let euros = post(&app, "/carts", &token, &json!({"currency": "eur"})).await;
    let euro_cart = euros.command(201, 1);
    assert_eq!(
        last_payload(&app, &euro_cart, "CartCreated").await["currency"],
        "EUR"
    );
}

#[tokio::test]
async fn bad_cart_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    let draft = draft_product(&app, &admin, "DRAFT", 10).await;
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "OLD", "discount": {"percent": 5}}),
    )
    .await
    .command(201, 1);
    post_empty(&app, "/coupons/OLD/deactivate", &admin)
        .await
        .command(200, 2);
    let (_, token) = app.token(Role::Customer);
    let cart = open_cart(&app, &token).await;
    let items = format!("/carts/{cart}/items");
    let before = event_count(&app).await;

    call(&app, Method::POST, &items, Some(&token))
        .raw("{\"quantity\": ")
        .send()
        .await
        .problem(400, "malformed_json");
    for quantity in [json!(0), json!(100), json!(-1), json!("two"), json!(1.5)] {
        post(
            &app,
            &items,
            &token,
            &json!({"product_id": product, "sku": "CUP-W", "quantity": quantity}),
        )
        .await
        .problem(422, "validation_failed");
    }
    post(
        &app,
        &items,
        &token,
        &json!({"product_id": product, "sku": "CUP-W", "quantity": 1, "price": 1}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        &items,
        &token,
        &json!({"product_id": "nope", "sku": "CUP-W", "quantity": 1}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        &items,
        &token,
        &json!({"product_id": draft, "sku": "DRAFT", "quantity": 1}),
    )
    .await
    .problem(409, "product_not_available");
    post(
        &app,
        &items,
        &token,
        &json!({"product_id": product, "sku": "CUP-B", "quantity": 1}),
    )
    .await
    .problem(422, "unknown_sku");
    post(
        &app,
        &items,
        &token,
        &json!({"product_id": uuid::Uuid::new_v4(), "sku": "CUP-W", "quantity": 1}),
    )
    .await
    .problem(422, "unknown_product");
    put(
        &app,
        &format!("{items}/CUP-W"),
        &token,
        &json!({"quantity": 1}),
    )
    .await
    .problem(422, "item_not_in_cart");
    put(
        &app,
        &format!("{items}/CUP-W"),
        &token,
        &json!({"quantity": 0}),
    )
    .await
    .problem(422, "validation_failed");
    delete(&app, &format!("{items}/CUP-W"), &token)
        .await
        .problem(422, "item_not_in_cart");
    let coupon = format!("/carts/{cart}/coupon");
    put(&app, &coupon, &token, &json!({"code": "NOSUCH"}))
        .await
        .problem(422, "coupon_invalid");
    put(&app, &coupon, &token, &json!({"code": "OLD"}))
        .await
        .problem(422, "coupon_invalid");
    put(&app, &coupon, &token, &json!({"code": "x"}))
        .await
        .problem(422, "invalid_coupon_code");
    delete(&app, &coupon, &token)
        .await
        .problem(422, "no_coupon_applied");
    let mut lower = address_json();
    lower["country"] = json!("gb");
    put(
        &app,
        &format!("/carts/{cart}/shipping-address"),
        &token,
        &lower,
    )
    .await
    .problem(422, "invalid_address");
    put(
        &app,
        &format!("/carts/{cart}/shipping-address"),
        &token,
        &json!({"name": "Ada"}),
    )
    .await
    .problem(422, "validation_failed");
    post(&app, "/carts", &token, &json!({"currency": "DOLLAR"}))
        .await
        .problem(422, "validation_failed");
    call(&app, Method::POST, "/carts", Some(&token))
        .header("content-type", "text/plain")
        .send()
        .await
        .problem(415, "unsupported_media_type");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn someone_elses_cart_is_404_and_staff_own_no_carts() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    let (_, owner) = app.token(Role::Customer);
    let cart = open_cart(&app, &owner).await;
    let item = json!({"product_id": product, "sku": "CUP-W", "quantity": 1});
    post(&app, &format!("/carts/{cart}/items"), &owner, &item)
        .await
        .command(200, 2);
    let before = event_count(&app).await;

    let (_, stranger) = app.token(Role::Customer);
    post(&app, &format!("/carts/{cart}/items"), &stranger, &item)
        .await
        .problem(404, "not_found");
    put(
        &app,
        &format!("/carts/{cart}/items/CUP-W"),
        &stranger,
        &json!({"quantity": 3}),
    )
    .await
    .problem(404, "not_found");
    delete(&app, &format!("/carts/{cart}/items/CUP-W"), &stranger)
        .await
        .problem(404, "not_found");
    delete(&app, &format!("/carts/{cart}/coupon"), &stranger)
        .await
        .problem(404, "not_found");
    put(
        &app,
        &format!("/carts/{cart}/shipping-address"),
        &stranger,
        &address_json(),
    )
    .await
    .problem(404, "not_found");
    post_empty(&app, &format!("/carts/{cart}/checkout"), &stranger)
        .await
        .problem(404, "not_found");
    let missing = uuid::Uuid::new_v4();
    post(&app, &format!("/carts/{missing}/items"), &owner, &item)
        .await
        .problem(404, "not_found");

    call(&app, Method::POST, &format!("/carts/{cart}/items"), None)
        .json(&item)
        .send()
        .await
        .problem(401, "unauthorized");
    for role in [Role::Admin, Role::Auditor] {
        let (_, staff) = app.token(role);
        post(&app, "/carts", &staff, &json!({}))
            .await
            .problem(403, "forbidden");
        post(&app, &format!("/carts/{cart}/items"), &staff, &item)
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn if_match_guards_cart_commands() {
    let app = spawn_app().await;
    let (_, token) = app.token(Role::Customer);
    let cart = open_cart(&app, &token).await;
    let path = format!("/carts/{cart}/shipping-address");
    let before = event_count(&app).await;

    call(&app, Method::PUT, &path, Some(&token))
        .header("if-match", "2")
        .json(&address_json())
        .send()
        .await
        .problem(412, "version_mismatch");
    call(&app, Method::PUT, &path, Some(&token))
        .header("if-match", "1, 2")
        .json(&address_json())
        .send()
        .await
        .problem(400, "invalid_if_match");
    assert_eq!(event_count(&app).await, before);
    call(&app, Method::PUT, &path, Some(&token))
        .header("if-match", "1")
        .json(&address_json())
        .send()
        .await
        .command(200, 2);
}
