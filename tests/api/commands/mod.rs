//! The command API through HTTP: every route's happy path with the versions it returns, bad
//! input answered with problem documents that write nothing, ownership and roles,
//! `If-Match` and `Idempotency-Key`.

mod carts;
mod checkout;
mod coupons;
mod idempotency;
mod orders;
mod products;

use commerce_aggregates::Role;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::address_json;
use crate::helpers::TestApp;

/// An answer: status, headers and the body (JSON, or `Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as JSON.
    pub body: Value,
    /// The raw body.
    pub text: String,
}

impl Reply {
    /// Asserts a problem document with `status` and `code`; returns self for more checks.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status, "{}", self.text);
        self
    }

    /// Asserts `status` and `{id, version}` with that version; returns the id.
    #[track_caller]
    pub fn command(&self, status: u16, version: u64) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.body["version"], version, "{}", self.text);
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.text))
            .to_string()
    }

    /// The `Location` header.
    #[track_caller]
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no Location in {:?}", self.headers))
            .to_string()
    }
}

/// A request under construction.
pub struct Call<'a> {
    app: &'a TestApp,
    request: reqwest::RequestBuilder,
}

impl Call<'_> {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: &Value) -> Self {
        self.request = self.request.json(body);
        self
    }

    /// Sends `body` verbatim as `application/json`.
    pub fn raw(mut self, body: &str) -> Self {
        self.request = self
            .request
            .header("content-type", "application/json")
            .body(body.to_string());
        self
    }

    /// Sends it.
    pub async fn send(self) -> Reply {
        let _ = self.app;
        let response = self.request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }
}

/// `method /api/v1<path>` with a Bearer token when given.
pub fn call<'a>(app: &'a TestApp, method: Method, path: &str, token: Option<&str>) -> Call<'a> {
    let mut request = app.client.request(method, app.api(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Call { app, request }
}

/// `POST path` with a JSON body.
pub async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    call(app, Method::POST, path, Some(token))
        .json(body)
        .send()
        .await
}

/// `POST path` without a body.
pub async fn post_empty(app: &TestApp, path: &str, token: &str) -> Reply {
    call(app, Method::POST, path, Some(token)).send().await
}

/// `PUT path` with a JSON body.
pub async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    call(app, Method::PUT, path, Some(token))
        .json(body)
        .send()
        .await
}

/// `PATCH path` with a JSON body.
pub async fn patch(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    call(app, Method::PATCH, path, Some(token))
        .json(body)
        .send()
        .await
}

/// `DELETE path`.
pub async fn delete(app: &TestApp, path: &str, token: &str) -> Reply {
    call(app, Method::DELETE, path, Some(token)).send().await
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

/// A product body with one variant `sku` at 12.50 USD and `stock` units.
pub fn product_body(sku: &str, stock: u32) -> Value {
    json!({
        "name": "Espresso cup",
        "description": "Porcelain, 80 ml",
        "category": "kitchen",
        "tags": ["coffee"],
        "images": ["https://img.example/cup.jpg"],
        "variants": [{
            "sku": sku,
            "options": {"colour": "white"},
            "price": {"amount": 1250, "currency": "USD"},
            "stock": stock
        }],
        "low_stock_threshold": 2
    })
}

/// A new admin's token.
pub fn admin(app: &TestApp) -> String {
    app.token(Role::Admin).1
}

/// Creates a draft product through the API; its id.
pub async fn draft_product(app: &TestApp, admin: &str, sku: &str, stock: u32) -> String {
    post(app, "/products", admin, &product_body(sku, stock))
        .await
        .command(201, 1)
}

/// Creates and publishes a product through the API; its id.
pub async fn active_product(app: &TestApp, admin: &str, sku: &str, stock: u32) -> String {
    let id = draft_product(app, admin, sku, stock).await;
    post_empty(app, &format!("/products/{id}/publish"), admin)
        .await
        .command(200, 2);
    id
}

/// Opens a cart for `token`; its id.
pub async fn open_cart(app: &TestApp, token: &str) -> String {
    post(app, "/carts", token, &json!({})).await.command(201, 1)
}

/// A cart of `token` holding `quantity` of `sku` (product `product`), with an address; at
/// version 3.
pub async fn ready_cart(
    app: &TestApp,
    token: &str,
    product: &str,
    sku: &str,
    quantity: u32,
) -> String {
    let cart = open_cart(app, token).await;
    post(
        app,
        &format!("/carts/{cart}/items"),
        token,
        &json!({"product_id": product, "sku": sku, "quantity": quantity}),
    )
    .await
    .command(200, 2);
    put(
        app,
        &format!("/carts/{cart}/shipping-address"),
        token,
        &address_json(),
    )
    .await
    .command(200, 3);
    cart
}

/// A customer, an active product and a confirmed order (version 2) of 2 × 12.50 USD:
/// (customer token, order id).
pub async fn confirmed_order(app: &TestApp) -> (String, String) {
    let admin = admin(app);
    let sku = format!("SKU-{}", Uuid::new_v4().simple());
    let product = active_product(app, &admin, &sku, 10).await;
    let (_, token) = app.token(Role::Customer);
    let cart = ready_cart(app, &token, &product, &sku, 2).await;
    let reply = post_empty(app, &format!("/carts/{cart}/checkout"), &token).await;
    let order = reply.command(201, 2);
    (token, order)
}
