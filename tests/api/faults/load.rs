//! A steady HTTP load for fault tests: N customers (8 by default) running the whole shop flow
//! in a loop — cart, one or two items, address, the coupon on every other order, checkout,
//! payment, and a cancellation of every fourth paid order — against an [`Engine`] while it
//! is being killed, restarted or cut off from NATS.
//!
//! Every command carries its own `X-Request-Id`. The driver records each command answered
//! 2xx (request id, route, the id it created) and, apart, every non-2xx answer and
//! connection error (allowed during a fault: the customer backs off briefly and starts a new
//! cart). [`Load::stop`] ends the loops and returns the [`Record`].

// Building blocks shared by every fault test: not each test uses every item.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tokio::task::JoinSet;
use uuid::Uuid;

mod record;
mod shop;

pub use record::{route, Ack, Failure, Record};
pub use shop::{Item, LoadSettings, Shop};

/// The customers' password (meets the password policy).
pub(crate) const PASSWORD: &str = "Steady-Load-Lantern-71";
/// The pause after a connection error before the customer tries again.
const BACKOFF: Duration = Duration::from_millis(200);
/// Attempts of one checkout that gets no answer (about 20 s of engine downtime).
const CHECKOUT_ATTEMPTS: usize = 100;

/// Live figures of a running load.
#[derive(Debug, Default)]
pub struct Progress {
    /// Commands answered 2xx so far.
    pub acks: AtomicU64,
    /// Commands not answered 2xx so far.
    pub failures: AtomicU64,
    /// Checkouts answered 2xx so far.
    pub checkouts: AtomicU64,
}

/// A running load (see the module documentation).
pub struct Load {
    stop: Arc<AtomicBool>,
    /// Live figures.
    pub progress: Arc<Progress>,
    record: Arc<Mutex<Record>>,
    tasks: JoinSet<()>,
}

impl Load {
    /// Starts one loop per customer of `shop`.
    pub fn start(shop: &Shop) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Progress::default());
        let record = Arc::new(Mutex::new(Record::default()));
        let mut tasks = JoinSet::new();
        for (index, customer) in shop.customers.iter().enumerate() {
            let shopper = Shopper {
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("client"),
                base: shop.base.clone(),
                token: customer.token.clone(),
                items: shop.items.clone(),
                coupon: shop.coupon.clone(),
                index,
                progress: progress.clone(),
                record: record.clone(),
                sent: 0,
                retrying: false,
                last_status: 0,
            };
            tasks.spawn(shopper.run(stop.clone()));
        }
        Self {
            stop,
            progress,
            record,
            tasks,
        }
    }

    /// Acknowledged commands so far.
    pub fn acks(&self) -> u64 {
        self.progress.acks.load(Ordering::Relaxed)
    }

    /// Acknowledged checkouts so far.
    pub fn checkouts(&self) -> u64 {
        self.progress.checkouts.load(Ordering::Relaxed)
    }

    /// Waits until `more` further commands have been acknowledged (panics after `patience`).
    pub async fn wait_for_acks(&self, more: u64, patience: Duration) {
        let target = self.acks() + more;
        let started = Instant::now();
        while self.acks() < target {
            assert!(
                started.elapsed() < patience,
                "the load stalled: {} of {target} commands acknowledged",
                self.acks()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `more` further checkouts have been acknowledged (panics after `patience`).
    pub async fn wait_for_checkouts(&self, more: u64, patience: Duration) {
        let target = self.checkouts() + more;
        let started = Instant::now();
        while self.checkouts() < target {
            assert!(started.elapsed() < patience, "checkouts stalled");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A copy of what was recorded so far.
    pub fn snapshot(&self) -> Record {
        self.record.lock().expect("record").clone()
    }

    /// Stops every loop (each finishes its request in flight) and returns the record.
    pub async fn stop(mut self) -> Record {
        self.stop.store(true, Ordering::Relaxed);
        while self.tasks.join_next().await.is_some() {}
        let record = self.record.lock().expect("record").clone();
        record
    }
}

/// One customer's loop.
struct Shopper {
    http: reqwest::Client,
    base: String,
    token: String,
    items: Vec<Item>,
    coupon: String,
    index: usize,
    progress: Arc<Progress>,
    record: Arc<Mutex<Record>>,
    sent: u64,
    retrying: bool,
    /// The status of this customer's last command (0: no answer).
    last_status: u16,
}

/// A command's answer: the status (0: none) and the body.
struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Shopper {
    async fn run(mut self, stop: Arc<AtomicBool>) {
        // Orders answered 202 (still processing): paid once they are confirmed.
        let mut undecided: Vec<String> = Vec::new();
        let mut round = 0usize;
        while !stop.load(Ordering::Relaxed) {
            round += 1;
            let mut still = Vec::new();
            for order in std::mem::take(&mut undecided) {
                match self.order_status(&order).await.as_deref() {
                    Some("confirmed") => self.pay(&order, round).await,
                    Some("placed") | None => still.push(order),
                    Some(_) => {}
                }
            }
            undecided = still;
            match self.order_once(round).await {
                Some((order, true)) => self.pay(&order, round).await,
                Some((order, false)) => undecided.push(order),
                None => {}
            }
        }
    }

    /// Cart → items → address → coupon (every other round) → checkout; the order and
    /// whether it is confirmed already, or `None` when a step failed.
    async fn order_once(&mut self, round: usize) -> Option<(String, bool)> {
        let cart = self
            .command(route::CREATE_CART, Method::POST, "/carts".into(), None)
            .await?;
        let cart = cart.body["id"].as_str()?.to_string();
        let lines = 1 + (round + self.index) % 2;
        for line in 0..lines {
            let item = &self.items[(round * 7 + self.index * 3 + line) % self.items.len()];
            let body =
                json!({"product_id": item.product_id, "sku": item.sku, "quantity": 1 + line});
            self.command(
                route::ADD_ITEM,
                Method::POST,
                format!("/carts/{cart}/items"),
                Some(body),
            )
            .await?;
        }
        let address = json!({"name": "Fault Customer", "line1": "9 Crash Lane",
                             "city": "Testville", "postal_code": "12345", "country": "US"});
        let path = format!("/carts/{cart}/shipping-address");
        self.command(route::ADDRESS, Method::PUT, path, Some(address))
            .await?;
        if round % 2 == 0 {
            let body = json!({"code": self.coupon});
            let path = format!("/carts/{cart}/coupon");
            self.command(route::COUPON, Method::PUT, path, Some(body))
                .await?;
        }
        // A checkout that got no answer (or a 5xx) is sent again, as a real client would:
        // the first attempt may have closed the cart, and only a retry places its order.
        let path = format!("/carts/{cart}/checkout");
        let mut reply = None;
        for attempt in 0..CHECKOUT_ATTEMPTS {
            self.retrying = attempt > 0;
            reply = self
                .command(route::CHECKOUT, Method::POST, path.clone(), None)
                .await;
            let unanswered = self.last_status == 0 || self.last_status >= 500;
            if reply.is_some() || !unanswered {
                break;
            }
        }
        self.retrying = false;
        let reply = reply?;
        self.progress.checkouts.fetch_add(1, Ordering::Relaxed);
        let order = reply.body["id"].as_str()?.to_string();
        Some((order, reply.body["status"] == "confirmed"))
    }

    /// Pays a confirmed order; cancels every fourth one after paying.
    async fn pay(&mut self, order: &str, round: usize) {
        let body = json!({"provider": "test", "token": "tok_ok"});
        let path = format!("/orders/{order}/pay");
        if self
            .command(route::PAY, Method::POST, path, Some(body))
            .await
            .is_some()
            && round % 4 == self.index % 4
        {
            let body = json!({"reason": "changed my mind"});
            let path = format!("/orders/{order}/cancel");
            self.command(route::CANCEL, Method::POST, path, Some(body))
                .await;
        }
    }

    /// The order's status from the query side (`None`: not visible yet or no answer).
    async fn order_status(&self, order: &str) -> Option<String> {
        let response = self
            .http
            .get(format!("{}/orders/{order}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .ok()?;
        let body: Value = response.json().await.ok()?;
        body["status"].as_str().map(str::to_owned)
    }

    /// Sends one command with a fresh request id and records the outcome; the reply when 2xx.
    async fn command(
        &mut self,
        route: &'static str,
        method: Method,
        path: String,
        body: Option<Value>,
    ) -> Option<Reply> {
        self.sent += 1;
        let request_id = format!(
            "load-{}-{}-{}",
            self.index,
            self.sent,
            Uuid::new_v4().simple()
        );
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("x-request-id", &request_id);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let reply = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(bytes) => Reply {
                        status,
                        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                    },
                    // The answer was cut off (the engine died mid-response).
                    Err(_) => Reply {
                        status: 0,
                        body: Value::Null,
                    },
                }
            }
            Err(_) => Reply {
                status: 0,
                body: Value::Null,
            },
        };
        let at = Instant::now();
        self.last_status = reply.status;
        if reply.ok() {
            self.progress.acks.fetch_add(1, Ordering::Relaxed);
            let id = reply.body["id"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| path.split('/').nth(2).map(str::to_owned));
            let retry = self.retrying;
            let ack = Ack {
                request_id,
                route,
                status: reply.status,
                id,
                at,
                retry,
            };
            self.record.lock().expect("record").acks.push(ack);
            Some(reply)
        } else {
            self.progress.failures.fetch_add(1, Ordering::Relaxed);
            let code = reply.body["code"].as_str().map(str::to_owned);
            let failure = Failure {
                route,
                status: reply.status,
                code,
                at,
            };
            self.record.lock().expect("record").failures.push(failure);
            if reply.status == 0 || reply.status >= 500 {
                tokio::time::sleep(BACKOFF).await;
            }
            None
        }
    }
}
