//! Checkout: a checked-out cart becomes exactly one confirmed order, priced with the coupon
//! and the shipping policy, its stock reserved and coupon redeemed in the same commit; a cart
//! that cannot be checked out, or whose order is refused, stays open and nothing is written.

use commerce::store::{Actor, CommandMetadata, Stores};
use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::{Currency, Money, Role};
use reqwest::Method;
use serde_json::json;

use super::{
    active_product, admin, call, event_count, events_of_type, last_payload, open_cart, post,
    post_empty, put, ready_cart,
};
use crate::helpers::spawn_app;

#[tokio::test]
async fn checkout_confirms_the_order_and_answers_201_with_its_location() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    let (customer, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &product, "CUP-W", 2).await;

    let reply = post_empty(&app, &format!("/carts/{cart}/checkout"), &token).await;
    let order = reply.command(201, 2);
    assert_eq!(reply.body["status"], "confirmed", "{}", reply.text);
    assert_eq!(reply.location(), format!("/api/v1/orders/{order}"));

    let checked_out = last_payload(&app, &cart, "CartCheckedOut").await;
    assert_eq!(checked_out["order_id"], order.as_str());
    let placed = last_payload(&app, &order, "OrderPlaced").await;
    assert_eq!(placed["cart_id"], cart.as_str());
    assert_eq!(placed["customer_id"], customer.to_string());
    assert_eq!(placed["customer_role"], "customer");
    assert_eq!(placed["lines"][0]["name"], "Espresso cup");
    assert_eq!(placed["lines"][0]["quantity"], 2);
    // 2 × 12.50 = 25.00, below the free-shipping threshold of 50.00: 4.99 shipping, no tax.
    let totals = &placed["totals"];
    assert_eq!(totals["subtotal"]["amount"], 2500);
    assert_eq!(totals["shipping"]["amount"], 499);
    assert_eq!(totals["tax"]["amount"], 0);
    assert_eq!(totals["total"]["amount"], 2999);
}

#[tokio::test]
async fn the_cart_the_order_the_stock_and_the_coupon_change_in_one_transaction() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let cup = active_product(&app, &admin, "CUP-W", 10).await;
    let mug = active_product(&app, &admin, "MUG-B", 10).await;
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "ONCE", "discount": {"percent": 10}, "max_redemptions": 1}),
    )
    .await
    .command(201, 1);
    let (_, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &cup, "CUP-W", 1).await;
    post(
        &app,
        &format!("/carts/{cart}/items"),
        &token,
        &json!({"product_id": mug, "sku": "MUG-B", "quantity": 3}),
    )
    .await
    .command(200, 4);
    put(
        &app,
        &format!("/carts/{cart}/coupon"),
        &token,
        &json!({"code": "ONCE"}),
    )
    .await
    .command(200, 5);

    let order = post_empty(&app, &format!("/carts/{cart}/checkout"), &token)
        .await
        .command(201, 2);

    let written: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT commit_xid::text, aggregate_id, event_type FROM events
          WHERE commit_xid = (SELECT commit_xid FROM events
                               WHERE aggregate_id = $1 AND event_type = 'OrderPlaced')
          ORDER BY aggregate_id, sequence",
    )
    .bind(&order)
    .fetch_all(&app.db.pool)
    .await
    .expect("events of the checkout's transaction");
    let mut seen: Vec<(&str, &str)> = written
        .iter()
        .map(|(_, id, event)| (id.as_str(), event.as_str()))
        .collect();
    seen.sort();
    let mut expected = vec![
        (cart.as_str(), "CartCheckedOut"),
        (order.as_str(), "OrderConfirmed"),
        (order.as_str(), "OrderPlaced"),
        (cup.as_str(), "StockReserved"),
        (mug.as_str(), "StockReserved"),
        ("ONCE", "CouponRedeemed"),
    ];
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_refused_order_writes_nothing_and_leaves_the_cart_open() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let cup = active_product(&app, &admin, "CUP-W", 10).await;
    let mug = active_product(&app, &admin, "MUG-B", 2).await;
    let (_, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &cup, "CUP-W", 1).await;
    post(
        &app,
        &format!("/carts/{cart}/items"),
        &token,
        &json!({"product_id": mug, "sku": "MUG-B", "quantity": 3}),
    )
    .await
    .command(200, 4);
    let before = event_count(&app).await;

    let path = format!("/carts/{cart}/checkout");
    let refused = post_empty(&app, &path, &token).await;
    refused.problem(409, "out_of_stock");
    assert!(refused.text.contains("MUG-B"), "{}", refused.text);
    assert_eq!(event_count(&app).await, before, "nothing written");
    assert_eq!(events_of_type(&app, "OrderRejected").await, 0);

    // The cart is still open: with fewer mugs it goes through.
    put(
        &app,
        &format!("/carts/{cart}/items/MUG-B"),
        &token,
        &json!({"quantity": 2}),
    )
    .await
    .command(200, 5);
    post_empty(&app, &path, &token).await.command(201, 2);
}

#[tokio::test]
async fn a_price_changed_since_the_item_was_added_refuses_the_order() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let cup = active_product(&app, &admin, "CUP-W", 10).await;
    let (_, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &cup, "CUP-W", 1).await;
    put(
        &app,
        &format!("/products/{cup}/variants/CUP-W/price"),
        &admin,
        &json!({"price": {"amount": 1300, "currency": "USD"}}),
    )
    .await
    .command(200, 3);
    let before = event_count(&app).await;

    let refused = post_empty(&app, &format!("/carts/{cart}/checkout"), &token).await;
    refused.problem(409, "price_changed");
    assert!(refused.text.contains("CUP-W"), "{}", refused.text);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn checking_out_twice_answers_with_the_same_order_and_places_one() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    let (_, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &product, "CUP-W", 1).await;
    let path = format!("/carts/{cart}/checkout");

    let first = post_empty(&app, &path, &token).await;
    let order = first.command(201, 2);
    let events = event_count(&app).await;
    let second = post_empty(&app, &path, &token).await;
    assert_eq!(second.command(201, 2), order);
    assert_eq!(second.location(), first.location());
    assert_eq!(event_count(&app).await, events);
    assert_eq!(events_of_type(&app, "OrderPlaced").await, 1);

    // The closed cart refuses changes.
    put(
        &app,
        &format!("/carts/{cart}/items/CUP-W"),
        &token,
        &json!({"quantity": 2}),
    )
    .await
    .problem(409, "cart_closed");
}

#[tokio::test]
async fn parallel_checkouts_of_one_cart_place_one_order() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    let (_, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &product, "CUP-W", 1).await;
    let path = format!("/carts/{cart}/checkout");

    let replies =
        futures_util::future::join_all((0..8).map(|_| post_empty(&app, &path, &token))).await;
    let orders: std::collections::BTreeSet<String> =
        replies.iter().map(|reply| reply.command(201, 2)).collect();
    assert_eq!(orders.len(), 1, "{replies:?}");
    assert_eq!(events_of_type(&app, "OrderPlaced").await, 1);
    assert_eq!(events_of_type(&app, "CartCheckedOut").await, 1);
    assert_eq!(events_of_type(&app, "StockReserved").await, 1);
}

#[tokio::test]
async fn checkout_applies_the_coupon_and_free_shipping() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "TEN", "discount": {"percent": 10}}),
    )
    .await
    .command(201, 1);
    let (_, token) = app.token(Role::Prime);
    let cart = ready_cart(&app, &token, &product, "CUP-W", 5).await;
    put(
        &app,
        &format!("/carts/{cart}/coupon"),
        &token,
        &json!({"code": "TEN"}),
    )
    .await
    .command(200, 4);

    let order = post_empty(&app, &format!("/carts/{cart}/checkout"), &token)
        .await
        .command(201, 2);
    let placed = last_payload(&app, &order, "OrderPlaced").await;
    assert_eq!(placed["coupon"]["code"], "TEN");
    assert_eq!(placed["customer_role"], "prime");
    // 5 × 12.50 = 62.50, 10 % off = 56.25 ≥ 50.00: free shipping.
    let totals = &placed["totals"];
    assert_eq!(totals["discount"]["amount"], 625);
    assert_eq!(totals["shipping"]["amount"], 0);
    assert_eq!(totals["total"]["amount"], 5625);
}

#[tokio::test]
async fn a_cart_that_cannot_be_checked_out_stays_open_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "GONE", "discount": {"percent": 10}}),
    )
    .await
    .command(201, 1);
    let (_, token) = app.token(Role::Customer);
    let empty = open_cart(&app, &token).await;
    let no_address = open_cart(&app, &token).await;
    post(
        &app,
        &format!("/carts/{no_address}/items"),
        &token,
        &json!({"product_id": product, "sku": "CUP-W", "quantity": 1}),
    )
    .await
    .command(200, 2);
    let with_coupon = ready_cart(&app, &token, &product, "CUP-W", 1).await;
    put(
        &app,
        &format!("/carts/{with_coupon}/coupon"),
        &token,
        &json!({"code": "GONE"}),
    )
    .await
    .command(200, 4);
    post_empty(&app, "/coupons/GONE/deactivate", &admin)
        .await
        .command(200, 2);
    let before = event_count(&app).await;

    post_empty(&app, &format!("/carts/{empty}/checkout"), &token)
        .await
        .problem(409, "empty_cart");
    post_empty(&app, &format!("/carts/{no_address}/checkout"), &token)
        .await
        .problem(409, "missing_shipping_address");
    post_empty(&app, &format!("/carts/{with_coupon}/checkout"), &token)
        .await
        .problem(422, "coupon_invalid");
    call(
        &app,
        Method::POST,
        &format!("/carts/{with_coupon}/checkout"),
        Some(&token),
    )
    .header("if-match", "3")
    .send()
    .await
    .problem(412, "version_mismatch");
    assert_eq!(event_count(&app).await, before);

    // Without the coupon it goes through.
    call(
        &app,
        Method::DELETE,
        &format!("/carts/{with_coupon}/coupon"),
        Some(&token),
    )
    .header("if-match", "4")
    .send()
    .await
    .command(200, 5);
    post_empty(&app, &format!("/carts/{with_coupon}/checkout"), &token)
        .await
        .command(201, 2);
}

#[tokio::test]
async fn checkout_places_the_cart_as_stored_when_another_process_changed_it() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let cup = active_product(&app, &admin, "CUP-W", 10).await;
    let mug = active_product(&app, &admin, "MUG-B", 10).await;
    let (customer, token) = app.token(Role::Customer);
    // At version 3, as the engine keeps it.
    let cart = ready_cart(&app, &token, &cup, "CUP-W", 1).await;

    // Another engine process adds two mugs: the kept cart does not show them.
    let elsewhere = Stores::new(app.db.pool.clone(), 20);
    let meta = CommandMetadata::new(Actor::user(customer, Role::Customer), "req-elsewhere");
    let mugs = CartCommand::AddItem {
        customer_id: customer,
        product_id: mug.parse().expect("uuid"),
        sku: "MUG-B".into(),
        quantity: 2,
        unit_price: Money::new(1250, Currency::parse("USD").expect("valid")),
    };
    let added = elsewhere
        .carts
        .execute(&cart, mugs, &meta, None)
        .await
        .expect("added elsewhere");
    assert_eq!(added.version, 4);

    // The version the engine keeps is not the cart's: 412, nothing written.
    let path = format!("/carts/{cart}/checkout");
    let before = event_count(&app).await;
    call(&app, Method::POST, &path, Some(&token))
        .header("if-match", "3")
        .send()
        .await
        .problem(412, "version_mismatch");
    assert_eq!(event_count(&app).await, before);

    // Without If-Match, the order holds both lines.
    let order = post_empty(&app, &path, &token).await.command(201, 2);
    let placed = last_payload(&app, &order, "OrderPlaced").await;
    let mut lines: Vec<(String, u64)> = placed["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|line| {
            let sku = line["sku"].as_str().expect("sku").to_string();
            (sku, line["quantity"].as_u64().expect("quantity"))
        })
        .collect();
    lines.sort();
    assert_eq!(lines, [("CUP-W".to_string(), 1), ("MUG-B".to_string(), 2)]);
    let checked_out = last_payload(&app, &cart, "CartCheckedOut").await;
    assert_eq!(checked_out["order_id"], order.as_str());
}

#[tokio::test]
async fn a_refusal_of_the_kept_cart_is_checked_on_the_stored_one() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = active_product(&app, &admin, "CUP-W", 10).await;
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "GONE", "discount": {"percent": 10}}),
    )
    .await
    .command(201, 1);
    let (customer, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &product, "CUP-W", 1).await;
    put(
        &app,
        &format!("/carts/{cart}/coupon"),
        &token,
        &json!({"code": "GONE"}),
    )
    .await
    .command(200, 4);
    post_empty(&app, "/coupons/GONE/deactivate", &admin)
        .await
        .command(200, 2);

    // Another engine process removes the coupon: the kept cart still has it, and its order
    // would be refused (the coupon is inactive); the stored cart's goes through.
    let elsewhere = Stores::new(app.db.pool.clone(), 20);
    let meta = CommandMetadata::new(Actor::user(customer, Role::Customer), "req-elsewhere");
    let removed = elsewhere
        .carts
        .execute(
            &cart,
            CartCommand::RemoveCoupon {
                customer_id: customer,
            },
            &meta,
            None,
        )
        .await
        .expect("removed elsewhere");
    assert_eq!(removed.version, 5);

    let order = post_empty(&app, &format!("/carts/{cart}/checkout"), &token)
        .await
        .command(201, 2);
    let placed = last_payload(&app, &order, "OrderPlaced").await;
    assert!(placed["coupon"].is_null(), "{placed}");
}
