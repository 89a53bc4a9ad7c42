//! `min_version`: a query waits (bounded) for its read model to reach the version a command
//! answered with, and gives up with 503 `read_model_behind` when it does not in time.

use std::time::{Duration, Instant};

use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::product::ProductCommand;
use commerce_aggregates::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use super::{
    create_cart, create_product, get, get_json, metadata_of, pay_order, place_order, refresh,
    refresh_one, NewProduct,
};
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
                customer_id: customer,
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
async fn a_query_waits_until_the_read_model_reaches_min_version() {
    let app = spawn_app().await;
    let product = product(&app, true).await;
    let (customer, token) = app.token(Role::Customer);
    let cart = create_cart(&app, customer, product, "MUG-1").await;
    refresh(&app).await;
    change_quantity(&app, cart, customer).await;

    // Already reached: answered at once, with the version the read model has.
    let (status, body) =
        get_json(&app, &format!("/carts/{cart}?min_version=2"), Some(&token)).await;
    assert_eq!(
        (status, body["version"].as_i64()),
        (StatusCode::OK, Some(2))
    );

    let catch_up = catch_up_later(&app, "carts");
    let started = Instant::now();
    let (status, body) =
        get_json(&app, &format!("/carts/{cart}?min_version=3"), Some(&token)).await;
    let waited = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
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
    let (customer, token) = app.token(Role::Customer);
    let cart = create_cart(&app, customer, product, "MUG-1").await;
    let path = format!("/carts/{cart}");

    // Without min_version the missing row is a plain 404.
    assert_eq!(
        get(&app, &path, Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );

    let catch_up = catch_up_later(&app, "carts");
    let (status, body) = get_json(&app, &format!("{path}?min_version=1"), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["customer_id"], customer.to_string());
    catch_up.await.expect("catch-up task");
}

#[tokio::test]
async fn an_order_and_its_timeline_are_read_after_the_payment() {
    let app = spawn_app().await;
    let (customer, token) = app.token(Role::Customer);
    let order = place_order(&app, customer).await;
    refresh(&app).await;
    pay_order(&app, order, customer).await;

    let catch_up = catch_up_later(&app, "orders");
    let (status, body) = get_json(
        &app,
        &format!("/orders/{order}?min_version=3"),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "paid");
    assert_eq!(body["timeline"].as_array().map(Vec::len), Some(3));
    catch_up.await.expect("catch-up task");
}

#[tokio::test]
async fn a_draft_is_waited_for_until_it_is_published() {
    let app = spawn_app().await;
    let product = product(&app, false).await;
    refresh(&app).await;
    let (_, customer) = app.token(Role::Customer);
    let path = format!("/products/{product}");
    assert_eq!(
        get(&app, &path, Some(&customer)).await.status,
        StatusCode::NOT_FOUND
    );

    app.stores
        .products
        .execute(
            &product.to_string(),
            ProductCommand::PublishProduct,
            &admin_metadata(),
            None,
        )
        .await
        .expect("published");
    let catch_up = catch_up_later(&app, "catalog");
    let (status, body) = get_json(&app, &format!("{path}?min_version=2"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["version"].as_i64()),
        (Some("active"), Some(2))
    );
    catch_up.await.expect("catch-up task");
}

#[tokio::test]
async fn a_read_model_that_never_catches_up_is_503_read_model_behind() {
    let app = spawn_app_with(&[("READ_WAIT_TIMEOUT_MS", "300")]).await;
    let (customer, token) = app.token(Role::Customer);
    let cart = Uuid::new_v4();
    app.stores
        .carts
        .execute(
            &cart.to_string(),
            CartCommand::CreateCart {
                cart_id: cart,
                customer_id: customer,
                currency: commerce_aggregates::Currency::parse("USD").expect("currency"),
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
                customer_id: customer,
                code: "SPRING".into(),
            },
            &metadata_of(customer, Role::Customer),
            None,
        )
        .await
        .expect("coupon applied");

    let started = Instant::now();
    let response = get(&app, &format!("/carts/{cart}?min_version=2"), Some(&token)).await;
    let waited = started.elapsed();
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers["retry-after"], "1");
    assert_eq!(response.headers["content-type"], "application/problem+json");
    let problem: serde_json::Value = response.body.clone();
    assert_eq!(problem["code"], "read_model_behind");
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
        "gave up after {waited:?}"
    );

    // A version no command has produced can never be reached: 422 at once.
    let started = Instant::now();
    let response = get(&app, &format!("/carts/{cart}?min_version=3"), Some(&token)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = response.body.clone();
    assert_eq!(problem["code"], "min_version_ahead");
    assert!(started.elapsed() < Duration::from_millis(250));

    // An aggregate with no events at all is a 404 at once.
    let started = Instant::now();
    let response = get(
        &app,
        &format!("/carts/{}?min_version=1", Uuid::new_v4()),
        Some(&token),
    )
    .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(started.elapsed() < Duration::from_millis(250));

    // min_version 0, or one already reached, does not wait.
    for version in [0, 1] {
        let response = get(
            &app,
            &format!("/carts/{cart}?min_version={version}"),
            Some(&token),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK);
    }

    // Someone else's cart is a 404 at once, whatever version is asked for.
    let (_, stranger) = app.token(Role::Customer);
    let started = Instant::now();
    let response = get(
        &app,
        &format!("/carts/{cart}?min_version=99"),
        Some(&stranger),
    )
    .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(started.elapsed() < Duration::from_millis(250));
}
