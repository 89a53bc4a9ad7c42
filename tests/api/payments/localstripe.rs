//! A real Stripe emulator for one test: localstripe (from the venv `scripts/services start`
//! installs, found through `STRIPE_TEST_PYTHON`) run by `localstripe_loopback.py` on its own
//! loopback port with its own state file; stopped by its PID and restartable on the same port
//! with its payments kept.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::fixtures::{free_port, terminate};

/// The secret key the engine is configured with (localstripe takes any `sk_…`).
pub const SECRET_KEY: &str = "sk_test_commerce";
/// The webhook signing secret localstripe signs with and the engine verifies.
pub const WEBHOOK_SECRET: &str = "whsec_commerce_test";

/// The python with localstripe.
fn python() -> PathBuf {
    crate::fixtures::emulator_python("STRIPE_TEST_PYTHON", "stripe-venv")
}

/// A running (or stopped) localstripe.
pub struct LocalStripe {
    /// Its port on 127.0.0.1.
    pub port: u16,
    root: PathBuf,
    child: Option<Child>,
    http: reqwest::Client,
}

impl LocalStripe {
    /// Starts an emulator with no payments on a free port.
    pub async fn start() -> Self {
        let root = std::env::temp_dir().join(format!("commerce-stripe-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&root).expect("state folder");
        let mut server = Self {
            port: free_port(),
            root,
            child: None,
            http: reqwest::Client::new(),
        };
        server.restart().await;
        server
    }

    /// `http://127.0.0.1:<port>`: the engine's `STRIPE_API_BASE`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The engine's configuration for this emulator.
    pub fn engine_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STRIPE_SECRET_KEY", SECRET_KEY.to_string()),
            ("STRIPE_API_BASE", self.url()),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
        ]
    }

    /// Starts the emulator again on the same port (after [`LocalStripe::stop`]).
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "localstripe already running");
        let python = python();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/api/payments/localstripe_loopback.py"
        );
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("server.log"))
            .expect("server log");
        let mut child = Command::new(&python)
            .arg(script)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--state")
            .arg(self.root.join("state.pickle"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{} does not start ({e}): run `scripts/services start` (it installs \
                     localstripe) and `eval \"$(scripts/services env)\"`",
                    python.display()
                )
            });
        let log = self.root.join("server.log");
        crate::fixtures::wait_listening("localstripe", self.port, &mut child, &log).await;
        self.child = Some(child);
    }

    /// Stops the emulator and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child, Duration::from_secs(5));
        }
    }

    /// Has localstripe deliver its events to `url`, signed with [`WEBHOOK_SECRET`], under the
    /// endpoint name `name` (two names to the same URL deliver every event twice).
    pub async fn deliver_webhooks(&self, name: &str, url: &str) {
        let response = self
            .http
            .post(format!("{}/_config/webhooks/{name}", self.url()))
            .form(&[("url", url), ("secret", WEBHOOK_SECRET)])
            .send()
            .await
            .expect("localstripe answers");
        assert!(response.status().is_success(), "webhook registered");
    }

    /// The next `count` PaymentIntent creations are carried out but their answer is lost.
    pub async fn lose_next_answers(&self, count: u32) {
        let response = self
            .http
            .post(format!("{}/_config/lose_next_answers", self.url()))
            .json(&json!({"count": count}))
            .send()
            .await
            .expect("localstripe answers");
        assert!(response.status().is_success());
    }

    /// How many deliveries of events of `event_type` the engine acknowledged (2xx).
    pub fn acknowledged(&self, event_type: &str) -> usize {
        let line = format!("webhook \"{event_type}\" successfully delivered");
        std::fs::read_to_string(self.root.join("server.log"))
            .unwrap_or_default()
            .matches(&line)
            .count()
    }

    /// A card payment method whose number is `number` (Stripe's test cards: 4000002500003155
    /// requires authentication, 4000000000000341 is declined when charged).
    pub async fn card(&self, number: &str) -> String {
        let method: Value = self
            .http
            .post(format!("{}/v1/payment_methods", self.url()))
            .bearer_auth(SECRET_KEY)
            .form(&[
                ("type", "card"),
                ("card[number]", number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2034"),
                ("card[cvc]", "123"),
            ])
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("a payment method");
        method["id"].as_str().expect("an id").to_string()
    }

    /// Every PaymentIntent created for order `order_id` (metadata `order_id`).
    pub async fn intents_of(&self, order_id: &str) -> Vec<Value> {
        let list: Value = self
            .http
            .get(format!("{}/v1/payment_intents?limit=100", self.url()))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("a list");
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter(|intent| intent["metadata"]["order_id"] == order_id)
            .cloned()
            .collect()
    }

    /// Every refund of PaymentIntent `intent`.
    pub async fn refunds_of(&self, intent: &str) -> Vec<Value> {
        let list: Value = self
            .http
            .get(format!("{}/v1/refunds?payment_intent={intent}", self.url()))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("a list");
        list["data"].as_array().expect("data").clone()
    }

    /// Refunds `amount` of PaymentIntent `intent` directly, as in Stripe's dashboard.
    pub async fn refund_directly(&self, intent: &str, amount: i64) -> Value {
        self.http
            .post(format!("{}/v1/refunds", self.url()))
            .bearer_auth(SECRET_KEY)
            .form(&[("payment_intent", intent), ("amount", &amount.to_string())])
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("a refund")
    }

    /// Completes (or fails) the customer's authentication of intent `id`, as Stripe.js would
    /// after 3-D Secure.
    pub async fn authenticate(&self, id: &str, client_secret: &str, success: bool) -> Value {
        self.http
            .post(format!(
                "{}/v1/payment_intents/{id}/_authenticate",
                self.url()
            ))
            .bearer_auth(SECRET_KEY)
            .form(&[
                ("client_secret", client_secret),
                ("success", if success { "true" } else { "false" }),
            ])
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("an intent")
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        self.stop();
        std::fs::remove_dir_all(&self.root).ok();
    }
}
