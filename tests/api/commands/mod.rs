//! The command API through HTTP: every route's happy path with the versions it returns, bad
//! input answered with problem documents that write nothing, ownership and roles,
//! `If-Match` and `Idempotency-Key`.

mod carts;
mod checkout;
mod coupons;
mod idempotency;
mod orders;
mod products;

use reqwest::Method;
use serde_json::Value;

use crate::client::Client;
pub use crate::client::{Call, Reply};
use crate::fixtures;
use crate::helpers::TestApp;

/// A client of `app` sending `token` (none: anonymous).
fn client<'a>(app: &'a TestApp, token: Option<&str>) -> Client<'a> {
    match token {
        Some(token) => app.with_token(token),
        None => app.anonymous(),
    }
}

/// `method /api/v1<path>` with a Bearer token when given.
pub fn call(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> Call {
    client(app, token).request(method, path)
}

/// `POST path` with a JSON body.
pub async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    app.with_token(token)
        .send_json(Method::POST, path, body)
        .await
}

/// `POST path` without a body.
pub async fn post_empty(app: &TestApp, path: &str, token: &str) -> Reply {
    app.with_token(token).send(Method::POST, path).await
}

/// `PUT path` with a JSON body.
pub async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    app.with_token(token)
        .send_json(Method::PUT, path, body)
        .await
}

/// Rows in the event store.
pub async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .expect("count events")
}

/// Rows in the event store of one event type.
pub async fn events_of_type(app: &TestApp, event_type: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(&app.db.pool)
        .await
        .expect("count events")
}

/// The payload of the latest event of `event_type` of aggregate `id`.
pub async fn last_payload(app: &TestApp, id: &str, event_type: &str) -> Value {
    let payload: Value = sqlx::query_scalar(
        "SELECT payload FROM events WHERE aggregate_id = $1 AND event_type = $2
          ORDER BY sequence DESC LIMIT 1",
    )
    .bind(id)
    .bind(event_type)
    .fetch_one(&app.db.pool)
    .await
    .expect("event stored");
    payload[event_type].clone()
}

/// [`fixtures::new_product`] as JSON.
pub fn product_body(sku: &str, stock: u32) -> Value {
    serde_json::to_value(fixtures::new_product(sku, stock.into())).expect("a product serializes")
}

/// [`fixtures::active_product`] as the holder of `admin`.
pub async fn active_product(app: &TestApp, admin: &str, sku: &str, stock: u32) -> String {
    fixtures::active_product(&app.with_token(admin), sku, stock.into()).await
}

/// [`fixtures::open_cart`] as the holder of `token`.
pub async fn open_cart(app: &TestApp, token: &str) -> String {
    fixtures::open_cart(&app.with_token(token)).await
}

/// [`fixtures::ready_cart`] as the holder of `token`.
pub async fn ready_cart(
    app: &TestApp,
    token: &str,
    product: &str,
    sku: &str,
    quantity: u32,
) -> String {
    fixtures::ready_cart(&app.with_token(token), product, sku, quantity.into()).await
}

/// [`fixtures::confirmed_order`]: (customer token, order id).
pub async fn confirmed_order(app: &TestApp) -> (String, String) {
    let (customer, order) = fixtures::confirmed_order(app).await;
    (customer.token().to_string(), order)
}
