//! The scenarios: each is a loop one simulated customer runs until the deadline, recording
//! every request. A run starts one such loop per connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api::Api;
use crate::catalog::SEARCH_WORDS;
use crate::fixture::{Fixture, Item, WORDS};
use crate::stats::Stats;

/// Route names used in reports.
pub mod route {
    /// Reading one product.
    pub const GET_PRODUCT: &str = "GET products/{id}";
    /// Searching the catalog.
    pub const SEARCH: &str = "GET products?q";
    /// Searching the generated catalogue (facets included).
    pub const SEARCH_CATALOG: &str = "GET products?q (catalogue)";
    /// Creating a cart.
    pub const CREATE_CART: &str = "POST carts";
    /// Adding an item.
    pub const ADD_ITEM: &str = "POST carts/{id}/items";
    /// Setting the address.
    pub const ADDRESS: &str = "PUT carts/{id}/shipping-address";
    /// Applying the coupon.
    pub const COUPON: &str = "PUT carts/{id}/coupon";
    /// Checking out (201 confirmed, or 409 refused).
    pub const CHECKOUT: &str = "POST carts/{id}/checkout";
    /// Confirmed orders (the headline of the checkout scenarios), timed from the cart's
    /// creation.
    pub const CONFIRMED: &str = "order confirmed";
    /// Paying.
    pub const PAY: &str = "POST orders/{id}/pay";
    /// Reads that wait for a command to become visible.
    pub const LAG_PROBE: &str = "GET carts/{id} (lag probe)";
}

/// In the lag scenario, one command in this many is followed until it is visible.
const LAG_SAMPLE: usize = 4;
/// The pause before a lag probe asks again after its read timed out in the engine.
const PROBE_RETRY: Duration = Duration::from_millis(10);

/// A scenario's name on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Read one product by id.
    GetProduct,
    /// Search the catalog by a word and category.
    Search,
    /// Search the generated catalogue (`--catalog-size` products) by one word that matches
    /// about half of it, in stock only, with facets.
    SearchCatalog,
    /// Add items to carts (a new cart every 40 items).
    AddToCart,
    /// Cart → item → address → coupon (every other order) → checkout → pay, over the whole
    /// catalogue.
    Checkout,
    /// The same flow where every customer buys the same product with the same limited
    /// coupon: every checkout turns on one product and one coupon.
    CheckoutHotSpot,
    /// Add items at a fixed rate and measure how long each takes to reach the read model.
    Lag,
}

/// How one worker runs.
pub struct Worker {
    /// Its client (logged in as its own customer).
    pub api: Api,
    /// The run's data.
    pub fixture: Arc<Fixture>,
    /// Its number, for varying what it picks.
    pub index: usize,
    /// When to stop.
    pub deadline: Instant,
    /// For `lag`: the pause between two commands of this worker.
    pub pace: Option<Duration>,
}

impl Worker {
    /// Runs `scenario` until the deadline and returns what it saw.
    pub async fn run(self, scenario: Scenario) -> Stats {
        let mut stats = Stats::default();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((self.index as u64 + 1) * 0x2545_F491));
        match scenario {
            Scenario::GetProduct => {
                while Instant::now() < self.deadline {
                    let item = &self.fixture.items[rng.below(self.fixture.items.len())];
                    let path = format!("products/{}", item.product_id);
                    self.api
                        .send(&mut stats, route::GET_PRODUCT, Method::GET, &path, None)
                        .await;
                }
            }
            Scenario::Search | Scenario::SearchCatalog => {
                let (words, name) = match scenario {
                    Scenario::Search => (&WORDS[..], route::SEARCH),
                    _ => (&SEARCH_WORDS[..], route::SEARCH_CATALOG),
                };
                while Instant::now() < self.deadline {
                    let word = words[rng.below(words.len())];
                    let path = format!("products?q={word}&in_stock=true&per_page=20");
                    self.api
                        .send(&mut stats, name, Method::GET, &path, None)
                        .await;
                }
            }
            Scenario::AddToCart | Scenario::Lag => self.add_items(&mut stats, &mut rng).await,
            Scenario::Checkout => {
                let mut n = 0usize;
                while Instant::now() < self.deadline {
                    let lines: Vec<&Item> = (0..1 + rng.below(2))
                        .map(|_| &self.fixture.items[rng.below(self.fixture.items.len())])
                        .collect();
                    let coupon = (n % 2 == 0).then_some(self.fixture.coupon.as_str());
                    self.checkout_once(&mut stats, &lines, coupon).await;
                    n += 1;
                }
            }
            Scenario::CheckoutHotSpot => {
                let hot = [&self.fixture.items[0]];
                while Instant::now() < self.deadline {
                    let coupon = Some(self.fixture.limited_coupon.as_str());
                    self.checkout_once(&mut stats, &hot, coupon).await;
                }
            }
        }
        stats
    }

    async fn create_cart(&self, stats: &mut Stats) -> Option<String> {
        let reply = self
            .api
            .send(stats, route::CREATE_CART, Method::POST, "carts", None)
            .await?;
        reply.str("id").ok()
    }

    /// Adds one unit of a different product each time, 40 per cart; with a pace, also waits
    /// after each command until the cart's read model shows it (the lag sample).
    async fn add_items(&self, stats: &mut Stats, rng: &mut Rng) {
        let lines = self.fixture.items.len().min(40);
        let mut next = Instant::now();
        // Probes run beside the commands, so a slow read model does not slow the pace.
        let mut probes = tokio::task::JoinSet::new();
        'carts: while Instant::now() < self.deadline {
            let Some(cart) = self.create_cart(stats).await else {
                continue;
            };
            let offset = rng.below(self.fixture.items.len());
            for line in 0..lines {
                if let Some(pace) = self.pace {
                    tokio::time::sleep_until(next.into()).await;
                    next += pace;
                }
                if Instant::now() >= self.deadline {
                    break 'carts;
                }
                let item = &self.fixture.items[(offset + line) % self.fixture.items.len()];
                let body = json!({"product_id": item.product_id, "sku": item.sku, "quantity": 1});
                let path = format!("carts/{cart}/items");
                let reply = self
                    .api
                    .send(stats, route::ADD_ITEM, Method::POST, &path, Some(&body))
                    .await;
                let acknowledged = Instant::now();
                let version = match reply {
                    Some(reply) if reply.status.is_success() => reply.u64("version").ok(),
                    _ => None,
                };
                // Every LAG_SAMPLE-th command is followed until it is visible: probing them
                // all would add more reads than the commands being measured.
                let sampled = (line + self.index) % LAG_SAMPLE == 0;
                if let (Some(version), Some(_), true) = (version, self.pace, sampled) {
                    probes.spawn(probe(self.api.clone(), cart.clone(), version, acknowledged));
                }
            }
        }
        while let Some(result) = probes.join_next().await {
            if let Ok(probe_stats) = result {
                stats.merge(probe_stats);
            }
        }
    }

    /// One order: cart, `lines` (one unit each), address, the coupon if any, checkout, and
    /// payment.
    async fn checkout_once(&self, stats: &mut Stats, lines: &[&Item], coupon: Option<&str>) {
        let started = Instant::now();
        let Some(cart) = self.create_cart(stats).await else {
            return;
        };
        for item in lines {
            let body = json!({"product_id": item.product_id, "sku": item.sku, "quantity": 1});
            let path = format!("carts/{cart}/items");
            self.api
                .send(stats, route::ADD_ITEM, Method::POST, &path, Some(&body))
                .await;
        }
        let address = json!({"name": "Load Customer", "line1": "1 Bench Street",
                             "city": "Testville", "postal_code": "12345", "country": "US"});
        let path = format!("carts/{cart}/shipping-address");
        self.api
            .send(stats, route::ADDRESS, Method::PUT, &path, Some(&address))
            .await;
        if let Some(code) = coupon {
            let body = json!({"code": code});
            let path = format!("carts/{cart}/coupon");
            self.api
                .send(stats, route::COUPON, Method::PUT, &path, Some(&body))
                .await;
        }
        let path = format!("carts/{cart}/checkout");
        let Some(reply) = self
            .api
            .send(stats, route::CHECKOUT, Method::POST, &path, None)
            .await
        else {
            return;
        };
        let Ok(order) = reply.str("id") else {
            return;
        };
        if reply.status != StatusCode::CREATED || reply.body["status"] != "confirmed" {
            stats.error(route::CONFIRMED, reply.status.as_u16());
            return;
        }
        stats.ok(route::CONFIRMED, started.elapsed());
        let body = json!({"provider": "test", "token": "tok_ok"});
        let path = format!("orders/{order}/pay");
        self.api
            .send(stats, route::PAY, Method::POST, &path, Some(&body))
            .await;
    }
}

/// Reads the cart with `min_version` (the engine answers once its read model shows the
/// command) and records the lag: from the command's acknowledgement to that answer. A 503
/// `read_model_behind` (not visible within the engine's wait) is asked again.
async fn probe(api: Api, cart: String, version: u64, since: Instant) -> Stats {
    let mut stats = Stats::default();
    let path = format!("carts/{cart}?min_version={version}");
    let give_up = since + Duration::from_secs(10);
    while Instant::now() < give_up {
        let sent = Instant::now();
        match api.fetch(Method::GET, &path, None).await {
            Some(reply) if reply.status == StatusCode::OK => {
                stats.ok(route::LAG_PROBE, sent.elapsed());
                if reply.u64("version").unwrap_or(0) >= version {
                    stats.lag(since.elapsed());
                    return stats;
                }
            }
            Some(reply) if reply.status == StatusCode::SERVICE_UNAVAILABLE => {
                stats.error(route::LAG_PROBE, reply.status.as_u16());
            }
            Some(reply) => {
                stats.error(route::LAG_PROBE, reply.status.as_u16());
                return stats;
            }
            None => stats.error(route::LAG_PROBE, 0),
        }
        tokio::time::sleep(PROBE_RETRY).await;
    }
    stats.error("lag probe gave up after 10 s", 0);
    stats
}

/// A small deterministic generator (xorshift64*): varied picks without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}
