//! Shared test fixtures: the values and set-up helpers several modules need (money, a
//! shipping address, a free port, a product, a cart ready for checkout, a confirmed order),
//! defined once.

use std::net::TcpListener;

use commerce_aggregates::{Address, Currency, Money};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::client::{AddItem, Client, NewProduct, Price, Variant};
use crate::helpers::TestApp;

/// `minor` cents of US dollars.
pub fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("valid currency"))
}

/// `amount` cents of US dollars as the API writes money: `{"amount", "currency"}`.
pub fn usd_json(amount: i64) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

/// A complete shipping address.
pub fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 St James's Square".into(),
        line2: None,
        city: "London".into(),
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
    }
}

/// [`address`] as a JSON body, for the tests that alter it into something the API refuses.
pub fn address_json() -> Value {
    serde_json::to_value(address()).expect("an address serializes")
}

/// A loopback TCP port nobody listens on (for servers the tests start themselves).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A SKU no other test uses.
pub fn unique_sku() -> String {
    format!("SKU-{}", Uuid::new_v4().simple())
}

/// A product with one variant `sku` (white) at 12.50 USD and `stock` units.
pub fn new_product(sku: &str, stock: i64) -> NewProduct {
    NewProduct {
        name: "Espresso cup".into(),
        description: "Porcelain, 80 ml".into(),
        category: "kitchen".into(),
        tags: vec!["coffee".into()],
        images: vec!["https://img.example/cup.jpg".into()],
        variants: vec![Variant::new(sku, "white", Price::usd(1250), stock)],
        low_stock_threshold: Some(2),
    }
}

/// [`new_product`] as JSON, for the tests that send it raw or alter it into something refused.
pub fn new_product_json(sku: &str, stock: i64) -> Value {
    serde_json::to_value(new_product(sku, stock)).expect("a product serializes")
}

/// Creates a draft [`new_product`] as `admin`; its id.
pub async fn draft_product(admin: &Client<'_>, sku: &str, stock: i64) -> String {
    admin
        .create_product(&new_product(sku, stock))
        .await
        .command(201, 1)
}

/// Creates and publishes a [`new_product`] as `admin`; its id.
pub async fn active_product(admin: &Client<'_>, sku: &str, stock: i64) -> String {
    let id = draft_product(admin, sku, stock).await;
    admin.publish(&id).await.command(200, 2);
    id
}

/// Opens a cart as `customer`; its id.
pub async fn open_cart(customer: &Client<'_>) -> String {
    customer.create_cart().await.command(201, 1)
}

/// A cart of `customer` holding `quantity` of `sku` (product `product`), with an address; at
/// version 3.
pub async fn ready_cart(customer: &Client<'_>, product: &str, sku: &str, quantity: i64) -> String {
    let cart = open_cart(customer).await;
    customer
        .add_item(&cart, &AddItem::new(product, sku, quantity))
        .await
        .command(200, 2);
    customer
        .set_address(&cart, &address())
        .await
        .command(200, 3);
    cart
}

/// A customer, an active product and a confirmed order (version 2) of 2 × 12.50 USD:
/// (the customer, the order id).
pub async fn confirmed_order(app: &TestApp) -> (Client<'_>, String) {
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 10).await;
    let customer = app.as_customer();
    let cart = ready_cart(&customer, &product, &sku, 2).await;
    let order = customer.checkout(&cart).await.command(201, 2);
    (customer, order)
}

/// SQL, true when row `a` was last written by the transaction that stored event `e`: `xmin`
/// is the transaction id's low 32 bits, `commit_xid` the whole 64-bit id.
pub const SAME_COMMIT: &str = "a.xmin::text = (e.commit_xid::text::bigint % 4294967296)::text";

/// A confirmed order (2 × 12.50 USD + 4.99 shipping = 29.99) its customer has paid with the
/// `test` provider (version 3): (customer, order id).
pub async fn paid_order(app: &TestApp) -> (Client<'_>, String) {
    let (customer, order) = confirmed_order(app).await;
    customer
        .pay(&order, &crate::client::Pay::test("tok_ok"))
        .await
        .command(200, 3);
    (customer, order)
}

/// Rows in the event store besides the default store's, which every engine opens when it
/// starts: what the test's own commands wrote.
pub async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE (aggregate_type, aggregate_id) <> ('store', 'default')",
    )
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

/// Polls `check` every 50 ms until it holds; panics naming `what` after `timeout`. The one
/// way the suite waits for something asynchronous to happen.
pub async fn wait_until<F, Fut>(what: &str, timeout: std::time::Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !check().await {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The engine's OpenAPI document (`GET /openapi.json`).
pub async fn openapi_document(app: &TestApp) -> Value {
    app.client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256("<t>.<body>")>`: a payment provider's webhook signature,
/// computed independently of the engine.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// The python of an emulator's venv: the path in `variable` (what `scripts/services env`
/// exports), else `<state>/<venv>/bin/python` where `scripts/services start` installs it.
pub fn emulator_python(variable: &str, venv: &str) -> std::path::PathBuf {
    if let Ok(path) = std::env::var(variable) {
        return path.into();
    }
    let state = std::env::var("COMMERCE_STATE_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.state").into());
    std::path::PathBuf::from(state)
        .join(venv)
        .join("bin/python")
}

/// Stops a process the test started: SIGTERM (it shuts down cleanly), then SIGKILL when it
/// has not exited within `grace`; waits for it either way.
pub fn terminate(mut child: std::process::Child, grace: std::time::Duration) {
    let terminated = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    let deadline = std::time::Instant::now() + grace;
    while terminated && std::time::Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().ok();
    child.wait().ok();
}

/// Waits (up to 20 s) until 127.0.0.1:`port` accepts connections; panics with the process's
/// log (`log`) when `child`, the `what` server, exits first or never listens.
pub async fn wait_listening(
    what: &str,
    port: u16,
    child: &mut std::process::Child,
    log: &std::path::Path,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what} did not listen on {port}");
}
