//! Delivery through a real SMTP server (aiosmtpd, see [`SmtpServer`]): every lifecycle email
//! arrives with the right recipient, subject and content; redelivered events send nothing
//! twice; with the server down nothing is lost; a hung server times out; a bad `SMTP_URL`
//! stops the engine at startup.

mod lifecycle;
mod outage;

use std::collections::HashMap;

use commerce_aggregates::Role;
use serde_json::Value;
use uuid::Uuid;

use super::smtp_server::{Received, SmtpServer};
use crate::checkout::{start_engine_with, Engine};
use crate::helpers::TestApp;

/// The sender address of these tests.
const FROM: &str = "Shop <shop@example.com>";

/// The engine delivering through `smtp`, polling often and retrying fast.
async fn engine(smtp: &SmtpServer) -> Engine {
    let url = smtp.url();
    start_engine_with(&[
        ("SMTP_URL", &url),
        ("SMTP_TIMEOUT_SECONDS", "5"),
        ("MAIL_FROM", FROM),
        ("MAIL_POLL_INTERVAL_MS", "50"),
        ("MAIL_RETRY_BASE_MS", "200"),
        ("PUBLIC_BASE_URL", "https://shop.example"),
    ])
    .await
}

/// A fresh address.
fn address(name: &str) -> String {
    format!("{name}-{}@example.com", Uuid::new_v4().simple())
}

/// The token of the link `/<path>?token=` in `text`.
fn token_in(text: &str, path: &str) -> String {
    let marker = format!("https://shop.example/{path}?token=");
    let start = text.find(&marker).expect("link") + marker.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// How many times each (recipient, subject) was received.
fn tally(received: &[Received]) -> HashMap<(String, String), usize> {
    let mut counts = HashMap::new();
    for message in received {
        for to in &message.rcpt_tos {
            *counts
                .entry((to.clone(), message.subject.clone()))
                .or_insert(0) += 1;
        }
    }
    counts
}

/// Asserts that no (recipient, subject) was received twice and returns how many arrived.
fn assert_each_once(smtp: &SmtpServer) -> usize {
    let received = smtp.received();
    let duplicates: Vec<_> = tally(&received)
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .collect();
    assert!(duplicates.is_empty(), "received twice: {duplicates:?}");
    received.len()
}

/// `GET admin/emails?status=<status>&per_page=100` as an admin.
async fn email_log(app: &TestApp, status: &str) -> Vec<Value> {
    let page: Value = app
        .client
        .get(app.api(&format!("/admin/emails?status={status}&per_page=100")))
        .bearer_auth(app.token(Role::Admin).1)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    page["items"].as_array().cloned().unwrap_or_default()
}
