//! Checkouts end to end under concurrency: HTTP, relay and workers against a per-test
//! nats-server; each checkout decided and committed in one transaction, never overselling
//! stock or coupons.

mod coupons;
mod expiry;
mod legacy;
mod overlap;
mod stock;
mod wakeups;

use commerce::store::Loaded;
use std::time::{Duration, Instant};

use commerce::app::Roles;
use commerce_aggregates::cart::CartStatus;
use commerce_aggregates::product::ProductEvent;
use futures_util::future::join_all;
use uuid::Uuid;

use crate::client::{Client, Reply};
use crate::fixtures::ready_cart;
use crate::helpers::{spawn_app_with_roles, TestApp};
use crate::nats_server::NatsServer;

/// The whole engine and the NATS server it uses (kept alive as long as the engine).
pub struct Engine {
    /// The engine.
    pub app: TestApp,
    /// Its NATS server.
    pub nats: NatsServer,
}

/// Starts NATS and the engine with every role.
pub async fn start_engine() -> Engine {
    start_engine_with(&[]).await
}

/// [`start_engine`] with more configuration overrides.
pub async fn start_engine_with(overrides: &[(&str, &str)]) -> Engine {
    let nats = NatsServer::start().await;
    let url = nats.url();
    let mut all = vec![
        ("NATS_URL", url.as_str()),
        ("DATABASE_MAX_CONNECTIONS", "40"),
    ];
    all.extend_from_slice(overrides);
    let app = spawn_app_with_roles(&all, Roles::SERVE).await;
    Engine { app, nats }
}

/// One customer ready to check out: the customer and their cart.
pub struct Shopper<'a> {
    /// The customer.
    pub customer: Client<'a>,
    /// Cart id.
    pub cart: String,
}

/// `count` customers, each with a cart of `quantity` × `sku` and an address (and `coupon`
/// applied when given), prepared concurrently.
pub async fn shoppers<'a>(
    app: &'a TestApp,
    count: usize,
    product: &str,
    sku: &str,
    coupon: Option<&str>,
) -> Vec<Shopper<'a>> {
    join_all((0..count).map(|_| async move {
        let customer = app.as_customer();
        let cart = ready_cart(&customer, product, sku, 1).await;
        if let Some(code) = coupon {
            customer.apply_coupon(&cart, code).await.command(200, 4);
        }
        Shopper { customer, cart }
    }))
    .await
}

/// The answers of every shopper checking out at once, with each one's latency, and the
/// time until the last answer.
pub async fn check_out_all(shoppers: &[Shopper<'_>]) -> (Vec<Reply>, Vec<Duration>, Duration) {
    let started = Instant::now();
    let answers = join_all(shoppers.iter().map(|shopper| async move {
        let sent = Instant::now();
        let reply = shopper.customer.checkout(&shopper.cart).await;
        (reply, sent.elapsed())
    }))
    .await;
    let elapsed = started.elapsed();
    let (replies, latencies) = answers.into_iter().unzip();
    (replies, latencies, elapsed)
}

/// The `q` quantile of `latencies`.
pub fn quantile(latencies: &[Duration], q: f64) -> Duration {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// Order ids of the `StockReserved` events of `product`.
pub async fn reserved_orders(app: &TestApp, product: &str) -> Vec<Uuid> {
    app.stores
        .products
        .events(product)
        .await
        .expect("product events")
        .into_iter()
        .filter_map(|envelope| match envelope.payload {
            ProductEvent::StockReserved { order_id, .. } => Some(order_id),
            _ => None,
        })
        .collect()
}

/// True when `cart` is still open (a refused checkout leaves it so).
pub async fn cart_is_open(app: &TestApp, cart: &str) -> bool {
    let Loaded {
        aggregate: cart, ..
    } = app.stores.carts.load(cart).await.expect("cart");
    cart.status() == Some(CartStatus::Open)
}
