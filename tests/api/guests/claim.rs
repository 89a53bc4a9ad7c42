//! `POST carts/{id}/claim`: a guest cart merged into the customer's open cart (quantities
//! summed and capped, the coupon kept) or adopted; never without the right token.

use crate::checkout::start_engine;
use crate::client::{AddItem, NewCoupon};
use std::time::Duration;

use crate::fixtures::{active_product, event_count, unique_sku, wait_until};
use crate::helpers::spawn_app;

use super::{guest, guest_cart, ready_guest_cart};

#[tokio::test]
async fn a_guest_cart_is_merged_into_the_customers_open_cart_with_its_coupon() {
    let engine = start_engine().await;
    let app = &engine.app;
    let admin = app.as_admin();
    let code = format!("G{}", &uuid::Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    admin
        .create_coupon(&NewCoupon::percent(&code, 10))
        .await
        .command(201, 1);
    let (guest_cart_id, token, product, sku) = ready_guest_cart(app, 20).await;
    let mug = unique_sku();
    let mug_product = active_product(&admin, &mug, 10).await;
    guest(app, &token)
        .add_item(&guest_cart_id, &AddItem::new(&mug_product, &mug, 1))
        .await
        .command(200, 4);
    guest(app, &token)
        .apply_coupon(&guest_cart_id, &code)
        .await
        .command(200, 5);
    let customer = app.as_customer();
    let own = customer.create_cart().await.command(201, 1);
    customer
        .add_item(&own, &AddItem::new(&product, &sku, 90))
        .await
        .command(200, 2);
    // The claim finds the customer's cart through the cart read model.
    wait_until(
        "the customer's cart in the read model",
        Duration::from_secs(60),
        || async { customer.get_cart_at(&own, 2).await.status == 200 },
    )
    .await;

    let reply = customer.claim_cart(&guest_cart_id, &token).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "merged");
    assert_eq!(reply.body["id"], own.as_str());
    let version = reply.body["version"].as_i64().expect("version");
    wait_until(
        "the merged cart in the read model",
        Duration::from_secs(60),
        || async { customer.get_cart_at(&own, version).await.status == 200 },
    )
    .await;
    let cart = customer.get_cart_at(&own, version).await;
    let quantity = |sku: &str| {
        cart.body["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|line| line["sku"] == sku)
            .map(|line| line["quantity"].as_i64().expect("quantity"))
    };
    assert_eq!(quantity(&sku), Some(99), "90 + 20 capped at 99");
    assert_eq!(quantity(&mug), Some(1));
    assert_eq!(cart.body["coupon_code"], code.as_str());
    // The guest cart is closed: its token opens nothing to change.
    guest(app, &token)
        .add_item(&guest_cart_id, &AddItem::new(&mug_product, &mug, 1))
        .await
        .problem(409, "cart_closed");
}

#[tokio::test]
async fn a_guest_cart_is_adopted_when_the_customer_has_no_open_cart() {
    let app = spawn_app().await;
    let (cart, token, product, sku) = ready_guest_cart(&app, 2).await;
    let customer = app.as_customer();

    let reply = customer.claim_cart(&cart, &token).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "adopted");
    assert_eq!(reply.body["id"], cart.as_str());
    assert_eq!(reply.body["version"], 4);
    let item = AddItem::new(&product, &sku, 1);
    customer.add_item(&cart, &item).await.command(200, 5);
    guest(&app, &token)
        .add_item(&cart, &item)
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_claim_without_the_right_token_is_404_and_writes_nothing() {
    let app = spawn_app().await;
    let (cart, _token, _, _) = ready_guest_cart(&app, 1).await;
    let (_, other) = guest_cart(&app).await;
    let customer = app.as_customer();
    let before = event_count(&app).await;

    customer
        .claim_cart(&cart, &other)
        .await
        .problem(404, "not_found");
    customer
        .claim_cart(&cart, "")
        .await
        .problem(404, "not_found");
    customer
        .send(reqwest::Method::POST, &format!("/carts/{cart}/claim"))
        .await
        .problem(404, "not_found");
    let missing = uuid::Uuid::new_v4().to_string();
    customer
        .claim_cart(&missing, &other)
        .await
        .problem(404, "not_found");
    app.anonymous()
        .claim_cart(&cart, &other)
        .await
        .problem(401, "unauthorized");
    let malformed = customer.claim_cart("not-a-cart-id", &other).await;
    assert!(
        malformed.status.is_client_error() && malformed.body["code"].is_string(),
        "{}",
        malformed.text
    );

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_customers_own_cart_cannot_be_claimed_with_a_token() {
    let app = spawn_app().await;
    let owner = app.as_customer();
    let cart = owner.create_cart().await.command(201, 1);
    let (_, token) = guest_cart(&app).await;

    let reply = app.as_customer().claim_cart(&cart, &token).await;

    reply.problem(404, "not_found");
}
