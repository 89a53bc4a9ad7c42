//! `min_version`: a query waits (bounded) for its read model to reach the version a command
//! answered with, and gives up with 503 `read_model_behind` when it does not in time.

use std::time::{Duration, Instant};

use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::product::ProductCommand;
use commerce_aggregates::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use super::{
    create_cart, create_product, metadata_of, pay_order, place_order, refresh, refresh_one,
    NewProduct,
};
use crate::client::Client;
use crate::helpers::{admin_metadata, spawn_app, spawn_app_with, TestApp};

/// How long after the query starts the read model catches up in these tests.
const CATCH_UP_AFTER: Duration = Duration::from_millis(300);

/// Rebuilds read model `name` after [`CATCH_UP_AFTER`], in the background.
fn catch_up_later(app: &TestApp, name: &'static str) -> tokio::task::JoinHandle<()> {
    let pool = app.db.pool.clone();
    tokio::spawn(async move {
        tokio::time::sleep(CATCH_UP_AFTER).await;
        refresh_one(&pool, name).await;
    })
}

async fn product(app: &TestApp, publish: bool) -> Uuid {
    create_product(
        app,
        NewProduct {
            name: "Mug",
            category: "kitchen",
            tags: &[],
            price: 1250,
            stock: 10,
            publish,
        },
    )
    .await
}

/// Sets the quantity of the `MUG-1` line of `cart` (one more cart version).
async fn change_quantity(app: &TestApp, cart: Uuid, customer: Uuid) {
    app.stores
        .carts
        .execute(
            &cart.to_string(),
            CartCommand::ChangeItemQuantity {
                shopper: customer.into(),
                sku: "MUG-1".into(),
                quantity: 5,
            },
            &metadata_of(customer, Role::Customer),
            None,
        )
        .await
        .expect("quantity changed");
}

#[tokio::test]
async fn a_query_for_a_version_already_reached_is_answered_at_once() {
    let app = spawn_app().await;
    let product = product(&app, true).await;
    let customer = app.as_customer();
    let cart = create_cart(&app, customer.user(), product, "MUG-1").await;
    refresh(&app).await;
    change_quantity(&app, cart, customer.user()).await;

    // Answered with the version the read model has.
    let reply = customer.get_cart_at(&cart.to_string(), 2).await;

    assert_eq!(
        (reply.status, reply.json_body()["version"].as_i64()),
        (StatusCode::OK, Some(2))
    );
}

#[tokio::test]
async fn a_query_waits_until_the_read_model_reaches_min_version() {
    let app = spawn_app().await;
    let product = product(&app, true).await;
    let customer = app.as_customer();
    let cart = create_cart(&app, customer.user(), product, "MUG-1").await;
    refresh(&app).await;
    change_quantity(&app, cart, customer.user()).await;

    let catch_up = catch_up_later(&app, "carts");
    let started = Instant::now();
    let reply = customer.get_cart_at(&cart.to_string(), 3).await;
    let waited = started.elapsed();

    let body = reply.json_body();
    assert_eq!(reply.status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 3);
    assert_eq!(body["lines"][0]["quantity"], 5);
    assert!(
        waited >= Duration::from_millis(250),
        "answered after {waited:?}"
    );
    catch_up.await.expect("catch-up task");
}

#[tokio::test]
async fn a_query_waits_for_a_row_that_does_not_exist_yet() {
    let app = spawn_app().await;
    let product = product(&app, true).await;
    refresh(&app).await;
    let customer = app.as_customer();
    let cart = create_cart(&app, customer.user(), product, "MUG-1")
        .await
        .to_string();

    // Without min_version the missing row is a plain 404.
    assert_eq!(customer.get_cart(&cart).await.status, StatusCode::NOT_FOUND);

    let catch_up = catch_up_later(&app, "carts");
    let reply = customer.get_cart_at(&cart, 1).await;
    let body = reply.json_body();
    assert_eq!(reply.status, StatusCode::OK, "{body}");
    assert_eq!(body["customer_id"], customer.user().to_string());
    catch_up.await.expect("catch-up task");
}

#[tokio::test]
async fn an_order_and_its_timeline_are_read_after_the_payment() {
    let app = spawn_app().await;
    let customer = app.as_customer();
    let order = place_order(&app, customer.user()).await;
    refresh(&app).await;
    pay_order(&app, order, customer.user()).await;

    let catch_up = catch_up_later(&app, "orders");
    let reply = customer.get_order_at(&order.to_string(), 3).await;

    let body = reply.json_body();
    assert_eq!(reply.status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "paid");
    assert_eq!(body["timeline"].as_array().map(Vec::len), Some(3));
    catch_up.await.expect("catch-up task");
}

#[tokio::test]
async fn a_draft_is_waited_for_until_it_is_published() {
    let app = spawn_app().await;
    let product = product(&app, false).await;
    refresh(&app).await;
    let id = product.to_string();
    assert_eq!(
        app.as_customer().get_product(&id).await.status,
        StatusCode::NOT_FOUND
    );

    app.stores
        .products
        .execute(&id, ProductCommand::PublishProduct, &admin_metadata(), None)
        .await
        .expect("published");
    let catch_up = catch_up_later(&app, "catalog");
    let reply = app.anonymous().get_product_at(&id, 2).await;

    let body = reply.json_body();
    assert_eq!(reply.status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["version"].as_i64()),
        (Some("active"), Some(2))
    );
    catch_up.await.expect("catch-up task");
}

/// An engine giving up waiting after 300 ms, and a customer's cart at version 2 whose read
/// model is never told about version 2: (app, customer's token, cart id).
async fn a_cart_its_read_model_lags() -> (TestApp, String, String) {
    let app = spawn_app_with(&[("READ_WAIT_TIMEOUT_MS", "300")]).await;
    let (customer, token) = app.token(Role::Customer);
    let cart = Uuid::new_v4();
    app.stores
        .carts
        .execute(
            &cart.to_string(),
            CartCommand::CreateCart {
                cart_id: cart,
                owner: customer.into(),
                currency: commerce_aggregates::Currency::parse("USD").expect("currency"),
                store: "default".into(),
            },
            &metadata_of(customer, Role::Customer),
            None,
        )
        .await
        .expect("cart created");
    refresh_one(&app.db.pool, "carts").await;
    // Version 2 exists in the event store, but the read model is never told.
    app.stores
        .carts
        .execute(
            &cart.to_string(),
            CartCommand::ApplyCoupon {
                shopper: customer.into(),
                code: "SPRING".into(),
            },
            &metadata_of(customer, Role::Customer),
            None,
        )
        .await
        .expect("coupon applied");
    (app, token, cart.to_string())
}

/// The owner of the lagging cart.
fn owner<'a>(app: &'a TestApp, token: &str) -> Client<'a> {
    app.with_token(token)
}

#[tokio::test]
async fn a_read_model_that_never_catches_up_is_503_read_model_behind() {
    let (app, token, cart) = a_cart_its_read_model_lags().await;

    let started = Instant::now();
    let response = owner(&app, &token).get_cart_at(&cart, 2).await;
    let waited = started.elapsed();

    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers["retry-after"], "1");
    assert_eq!(response.headers["content-type"], "application/problem+json");
    let problem: serde_json::Value = response.json_body();
    assert_eq!(problem["code"], "read_model_behind");
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
        "gave up after {waited:?}"
    );
}

#[tokio::test]
async fn a_version_no_command_has_produced_is_422_min_version_ahead_at_once() {
    let (app, token, cart) = a_cart_its_read_model_lags().await;

    let started = Instant::now();
    let response = owner(&app, &token).get_cart_at(&cart, 3).await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = response.json_body();
    assert_eq!(problem["code"], "min_version_ahead");
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn an_aggregate_with_no_events_is_404_at_once() {
    let (app, token, _) = a_cart_its_read_model_lags().await;

    let started = Instant::now();
    let response = owner(&app, &token)
        .get_cart_at(&Uuid::new_v4().to_string(), 1)
        .await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn min_version_0_or_one_already_reached_does_not_wait() {
    let (app, token, cart) = a_cart_its_read_model_lags().await;

    for version in [0, 1] {
        let response = owner(&app, &token).get_cart_at(&cart, version).await;
        assert_eq!(response.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn someone_elses_cart_is_404_at_once_whatever_version_is_asked_for() {
    let (app, _, cart) = a_cart_its_read_model_lags().await;

    let started = Instant::now();
    let response = app.as_customer().get_cart_at(&cart, 99).await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(started.elapsed() < Duration::from_millis(250));
}
