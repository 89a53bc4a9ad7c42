//! The contact form through HTTP against the whole engine (per-test nats-server): messages
//! from anyone accepted and listed for admins ([`messages`]), emailed to every admin once
//! ([`emails`]), throttled per client address and per sender email ([`throttle`]), bad input
//! refused without a write ([`validation`]).

mod emails;
mod messages;
mod throttle;
mod validation;

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::checkout::{start_engine_with, Engine};
use crate::client::Client;
use crate::helpers::TestApp;

/// The body of `POST contact`.
#[derive(Debug, Clone, Serialize)]
pub struct ContactForm {
    /// The sender's name.
    pub name: String,
    /// The sender's address.
    pub email: String,
    /// The subject.
    pub subject: String,
    /// The message.
    pub message: String,
}

impl ContactForm {
    /// A message signed `email`, about `subject`.
    pub fn new(email: &str, subject: &str) -> Self {
        Self {
            name: "Ann Smith".into(),
            email: email.into(),
            subject: subject.into(),
            message: "Hello,\nwhere is my order?\n\nAnn".into(),
        }
    }
}

/// The whole engine (HTTP, relay, workers) with `overrides`.
async fn engine(overrides: &[(&str, &str)]) -> Engine {
    start_engine_with(overrides).await
}

/// `GET admin/messages?<query>` as `admin` once its answer satisfies `ready` (the read model
/// catches up with the events).
async fn messages_when(admin: &Client<'_>, query: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = admin.contact_messages(query).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        if ready(&reply.body) {
            return reply.body;
        }
        assert!(
            Instant::now() < deadline,
            "the messages read model never showed it: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The message `id` of a page of messages.
fn item<'v>(page: &'v Value, id: &str) -> Option<&'v Value> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["id"] == id)
}

/// How many events are stored.
async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// `(actor_id, actor_role)` of the event `event_type` of message `id`.
async fn actor_of(app: &TestApp, id: &str, event_type: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT metadata ->> 'actor_id', metadata ->> 'actor_role' FROM events
          WHERE aggregate_type = 'contact_message' AND aggregate_id = $1 AND event_type = $2",
    )
    .bind(id)
    .bind(event_type)
    .fetch_one(&app.db.pool)
    .await
    .expect("event")
}
