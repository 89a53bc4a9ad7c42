//! Checkout: a checked-out cart becomes exactly one confirmed order, priced with the coupon
//! and the shipping policy, its stock reserved and coupon redeemed in the same commit; a cart
//! that cannot be checked out, or whose order is refused, stays open and nothing is written.

use commerce::store::{Actor, CommandMetadata, Stores};
use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::Role;

use crate::client::{AddItem, Client, NewCoupon, Price, Reply};
use crate::fixtures::{active_product, open_cart, ready_cart, usd};
use crate::fixtures::{event_count, events_of_type, last_payload};
use crate::helpers::{spawn_app, TestApp};

/// A customer checking out a ready cart of 2 × `CUP-W` (12.50 USD):
/// (customer, cart id, the checkout's reply).
async fn checked_out(app: &TestApp) -> (Client<'_>, String, Reply) {
    let product = active_product(&app.as_admin(), "CUP-W", 10).await;
    let customer = app.as_customer();
    let cart = ready_cart(&customer, &product, "CUP-W", 2).await;
    let reply = customer.checkout(&cart).await;
    (customer, cart, reply)
}

/// A customer's ready cart of one `CUP-W` and 3 `MUG-B` of which `mugs` are in stock:
/// (customer, cup id, mug id, cart id at version 4).
async fn cart_of_cups_and_mugs(app: &TestApp, mugs: i64) -> (Client<'_>, String, String, String) {
    let admin = app.as_admin();
    let cup = active_product(&admin, "CUP-W", 10).await;
    let mug = active_product(&admin, "MUG-B", mugs).await;
    let customer = app.as_customer();
    let cart = ready_cart(&customer, &cup, "CUP-W", 1).await;
    customer
        .add_item(&cart, &AddItem::new(&mug, "MUG-B", 3))
        .await
        .command(200, 4);
    (customer, cup, mug, cart)
}

#[tokio::test]
async fn checkout_confirms_the_order_and_answers_201_with_its_location() {
    let app = spawn_app().await;

    let (_, _, reply) = checked_out(&app).await;

    let order = reply.command(201, 2);
    assert_eq!(reply.body["status"], "confirmed", "{}", reply.text);
    assert_eq!(reply.location(), format!("/api/v1/orders/{order}"));
}

#[tokio::test]
async fn the_checked_out_cart_and_the_placed_order_name_each_other() {
    let app = spawn_app().await;

    let (customer, cart, reply) = checked_out(&app).await;

    let order = reply.command(201, 2);
    let checked_out = last_payload(&app, &cart, "CartCheckedOut").await;
    assert_eq!(checked_out["order_id"], order.as_str());
    let placed = last_payload(&app, &order, "OrderPlaced").await;
    assert_eq!(placed["cart_id"], cart.as_str());
    assert_eq!(placed["customer_id"], customer.user().to_string());
    assert_eq!(placed["customer_role"], "customer");
    assert_eq!(placed["lines"][0]["name"], "Espresso cup");
    assert_eq!(placed["lines"][0]["quantity"], 2);
}

#[tokio::test]
async fn an_order_below_the_free_shipping_threshold_pays_shipping_and_no_tax() {
    let app = spawn_app().await;

    let (_, _, reply) = checked_out(&app).await;

    let order = reply.command(201, 2);
    let placed = last_payload(&app, &order, "OrderPlaced").await;
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
    app.as_admin()
        .create_coupon(&NewCoupon {
            max_redemptions: Some(1),
            ..NewCoupon::percent("ONCE", 10)
        })
        .await
        .command(201, 1);
    let (customer, cup, mug, cart) = cart_of_cups_and_mugs(&app, 10).await;
    customer.apply_coupon(&cart, "ONCE").await.command(200, 5);

    let order = customer.checkout(&cart).await.command(201, 2);

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
async fn an_order_refused_for_stock_is_409_out_of_stock_and_writes_nothing() {
    let app = spawn_app().await;
    let (customer, _, _, cart) = cart_of_cups_and_mugs(&app, 2).await;
    let before = event_count(&app).await;

    let refused = customer.checkout(&cart).await;

    refused.problem(409, "out_of_stock");
    assert!(refused.text.contains("MUG-B"), "{}", refused.text);
    assert_eq!(event_count(&app).await, before, "nothing written");
    assert_eq!(events_of_type(&app, "OrderRejected").await, 0);
}

#[tokio::test]
async fn a_cart_whose_order_was_refused_stays_open_and_goes_through_when_fixed() {
    let app = spawn_app().await;
    let (customer, _, _, cart) = cart_of_cups_and_mugs(&app, 2).await;
    customer.checkout(&cart).await.problem(409, "out_of_stock");

    // With fewer mugs it goes through.
    customer
        .change_quantity(&cart, "MUG-B", 2)
        .await
        .command(200, 5);
    customer.checkout(&cart).await.command(201, 2);
}

#[tokio::test]
async fn a_price_changed_since_the_item_was_added_refuses_the_order() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let cup = active_product(&admin, "CUP-W", 10).await;
    let customer = app.as_customer();
    let cart = ready_cart(&customer, &cup, "CUP-W", 1).await;
    admin
        .change_price(&cup, "CUP-W", &Price::usd(1300))
        .await
        .command(200, 3);
    let before = event_count(&app).await;

    let refused = customer.checkout(&cart).await;

    refused.problem(409, "price_changed");
    assert!(refused.text.contains("CUP-W"), "{}", refused.text);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn checking_out_twice_answers_with_the_same_order_and_places_one() {
    let app = spawn_app().await;
    let (customer, cart, first) = checked_out(&app).await;
    let order = first.command(201, 2);
    let events = event_count(&app).await;

    let second = customer.checkout(&cart).await;

    assert_eq!(second.command(201, 2), order);
    assert_eq!(second.location(), first.location());
    assert_eq!(event_count(&app).await, events);
    assert_eq!(events_of_type(&app, "OrderPlaced").await, 1);
}

#[tokio::test]
async fn a_checked_out_cart_refuses_changes_with_409_cart_closed() {
    let app = spawn_app().await;
    let (customer, cart, first) = checked_out(&app).await;
    first.command(201, 2);

    customer
        .change_quantity(&cart, "CUP-W", 2)
        .await
        .problem(409, "cart_closed");
}

#[tokio::test]
async fn parallel_checkouts_of_one_cart_place_one_order() {
    let app = spawn_app().await;
    let product = active_product(&app.as_admin(), "CUP-W", 10).await;
    let customer = app.as_customer();
    let cart = ready_cart(&customer, &product, "CUP-W", 1).await;

    let replies = futures_util::future::join_all((0..8).map(|_| customer.checkout(&cart))).await;

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
    let admin = app.as_admin();
    let product = active_product(&admin, "CUP-W", 10).await;
    admin
        .create_coupon(&NewCoupon::percent("TEN", 10))
        .await
        .command(201, 1);
    let customer = app.as_role(Role::Prime);
    let cart = ready_cart(&customer, &product, "CUP-W", 5).await;
    customer.apply_coupon(&cart, "TEN").await.command(200, 4);

    let order = customer.checkout(&cart).await.command(201, 2);

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
async fn checkout_of_an_empty_cart_is_refused_with_409_empty_cart() {
    let app = spawn_app().await;
    let customer = app.as_customer();
    let empty = open_cart(&customer).await;
    let before = event_count(&app).await;

    customer.checkout(&empty).await.problem(409, "empty_cart");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn checkout_of_a_cart_without_an_address_is_409_missing_shipping_address() {
    let app = spawn_app().await;
    let product = active_product(&app.as_admin(), "CUP-W", 10).await;
    let customer = app.as_customer();
    let no_address = open_cart(&customer).await;
    customer
        .add_item(&no_address, &AddItem::new(&product, "CUP-W", 1))
        .await
        .command(200, 2);
    let before = event_count(&app).await;

    customer
        .checkout(&no_address)
        .await
        .problem(409, "missing_shipping_address");

    assert_eq!(event_count(&app).await, before);
}

/// A customer's ready cart (version 4) holding coupon `GONE`, deactivated since:
/// (customer, cart id).
async fn cart_with_a_deactivated_coupon(app: &TestApp) -> (Client<'_>, String) {
    let admin = app.as_admin();
    let product = active_product(&admin, "CUP-W", 10).await;
    admin
        .create_coupon(&NewCoupon::percent("GONE", 10))
        .await
        .command(201, 1);
    let customer = app.as_customer();
    let with_coupon = ready_cart(&customer, &product, "CUP-W", 1).await;
    customer
        .apply_coupon(&with_coupon, "GONE")
        .await
        .command(200, 4);
    admin.deactivate_coupon("GONE").await.command(200, 2);
    (customer, with_coupon)
}

#[tokio::test]
async fn checkout_with_a_deactivated_coupon_is_422_coupon_invalid_and_the_cart_stays_open() {
    let app = spawn_app().await;
    let (customer, with_coupon) = cart_with_a_deactivated_coupon(&app).await;
    let before = event_count(&app).await;

    customer
        .checkout(&with_coupon)
        .await
        .problem(422, "coupon_invalid");
    assert_eq!(event_count(&app).await, before);

    // Without the coupon it goes through.
    customer
        .if_match("4")
        .remove_coupon(&with_coupon)
        .await
        .command(200, 5);
    customer.checkout(&with_coupon).await.command(201, 2);
}

#[tokio::test]
async fn checkout_with_if_match_of_another_version_is_412() {
    let app = spawn_app().await;
    let (customer, with_coupon) = cart_with_a_deactivated_coupon(&app).await;
    let before = event_count(&app).await;

    customer
        .if_match("3")
        .checkout(&with_coupon)
        .await
        .problem(412, "version_mismatch");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn checkout_places_the_cart_as_stored_when_another_process_changed_it() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let cup = active_product(&admin, "CUP-W", 10).await;
    let mug = active_product(&admin, "MUG-B", 10).await;
    let client = app.as_customer();
    let customer = client.user();
    // At version 3, as the engine keeps it.
    let cart = ready_cart(&client, &cup, "CUP-W", 1).await;

    // Another engine process adds two mugs: the kept cart does not show them.
    let elsewhere = Stores::new(app.db.pool.clone(), 20);
    let meta = CommandMetadata::new(Actor::user(customer, Role::Customer), "req-elsewhere");
    let mugs = CartCommand::AddItem {
        shopper: customer.into(),
        product_id: mug.parse().expect("uuid"),
        sku: "MUG-B".into(),
        quantity: 2,
        unit_price: usd(1250),
        store: "default".into(),
    };
    let added = elsewhere
        .carts
        .execute(&cart, mugs, &meta, None)
        .await
        .expect("added elsewhere");
    assert_eq!(added.version, 4);

    // The version the engine keeps is not the cart's: 412, nothing written.
    let before = event_count(&app).await;
    client
        .if_match("3")
        .checkout(&cart)
        .await
        .problem(412, "version_mismatch");
    assert_eq!(event_count(&app).await, before);

    // Without If-Match, the order holds both lines.
    let order = client.checkout(&cart).await.command(201, 2);
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
    let admin = app.as_admin();
    let product = active_product(&admin, "CUP-W", 10).await;
    admin
        .create_coupon(&NewCoupon::percent("GONE", 10))
        .await
        .command(201, 1);
    let client = app.as_customer();
    let customer = client.user();
    let cart = ready_cart(&client, &product, "CUP-W", 1).await;
    client.apply_coupon(&cart, "GONE").await.command(200, 4);
    admin.deactivate_coupon("GONE").await.command(200, 2);

    // Another engine process removes the coupon: the kept cart still has it, and its order
    // would be refused (the coupon is inactive); the stored cart's goes through.
    let elsewhere = Stores::new(app.db.pool.clone(), 20);
    let meta = CommandMetadata::new(Actor::user(customer, Role::Customer), "req-elsewhere");
    let removed = elsewhere
        .carts
        .execute(
            &cart,
            CartCommand::RemoveCoupon {
                shopper: customer.into(),
            },
            &meta,
            None,
        )
        .await
        .expect("removed elsewhere");
    assert_eq!(removed.version, 5);

    let order = client.checkout(&cart).await.command(201, 2);
    let placed = last_payload(&app, &order, "OrderPlaced").await;
    assert!(placed["coupon"].is_null(), "{placed}");
}
