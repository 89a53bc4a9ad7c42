//! The throttle: `CONTACT_MESSAGES_PER_HOUR` per client address and per sender email, 429
//! with `Retry-After` beyond it, nothing written for a refused message. Requests come from
//! other loopback addresses (127.0.0.2, …) to tell the address apart from the email.

use std::net::IpAddr;

use commerce::store::Stores;
use commerce::usecases::contact::{
    send_contact_message, ContactLimits, NewContactMessage, SendContactError,
};
use uuid::Uuid;

use super::{engine, event_count, ContactForm};
use crate::client::Reply;
use crate::helpers::TestApp;

/// `POST contact` with `form`, sent from the loopback address `from`.
async fn send_from(app: &TestApp, from: [u8; 4], form: &ContactForm) -> Reply {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::from(from))
        .build()
        .expect("client");
    let response = client
        .post(app.api("/contact"))
        .json(form)
        .send()
        .await
        .expect("sent");
    Reply::from_response(response).await
}

/// A message from a new address.
fn form() -> ContactForm {
    ContactForm::new(&format!("s-{}@example.com", Uuid::new_v4().simple()), "Hi")
}

/// Asserts a 429 whose `Retry-After` is within the hour.
#[track_caller]
fn assert_throttled(reply: &Reply) {
    reply.problem(429, "rate_limited");
    let seconds: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=3600).contains(&seconds), "{seconds}");
}

#[tokio::test]
async fn a_client_address_is_throttled_whatever_email_it_signs() {
    let engine = engine(&[("CONTACT_MESSAGES_PER_HOUR", "2")]).await;
    let app = &engine.app;
    for _ in 0..2 {
        send_from(app, [127, 0, 0, 2], &form())
            .await
            .command(202, 1);
    }
    let events = event_count(app).await;
    assert_throttled(&send_from(app, [127, 0, 0, 2], &form()).await);
    assert_eq!(event_count(app).await, events, "nothing written");
    // Another address is not held back.
    send_from(app, [127, 0, 0, 3], &form())
        .await
        .command(202, 1);
}

#[tokio::test]
async fn a_sender_email_is_throttled_from_every_address() {
    let engine = engine(&[("CONTACT_MESSAGES_PER_HOUR", "2")]).await;
    let app = &engine.app;
    let same = form();
    send_from(app, [127, 0, 0, 4], &same).await.command(202, 1);
    // The address is compared as the message records it: trimmed, lower-cased.
    let mut shouted = same.clone();
    shouted.email = format!(" {} ", same.email.to_uppercase());
    send_from(app, [127, 0, 0, 5], &shouted)
        .await
        .command(202, 1);
    let events = event_count(app).await;
    assert_throttled(&send_from(app, [127, 0, 0, 6], &same).await);
    assert_eq!(event_count(app).await, events, "nothing written");
    send_from(app, [127, 0, 0, 6], &form())
        .await
        .command(202, 1);
}

#[tokio::test]
async fn the_counts_are_shared_by_every_process() {
    // What one engine accepted counts in another process's decision: here the use case run
    // with stores of its own over the same database, as another process would.
    let engine = engine(&[("CONTACT_MESSAGES_PER_HOUR", "1")]).await;
    let app = &engine.app;
    let first = form();
    send_from(app, [127, 0, 0, 7], &first).await.command(202, 1);
    let elsewhere = Stores::new(app.db.pool.clone(), 10);
    let input = NewContactMessage {
        name: "Ann".into(),
        email: first.email.clone(),
        subject: "Again".into(),
        message: "Hello again".into(),
        sender: None,
        client: Some(IpAddr::from([10, 0, 0, 1])),
    };
    let limits = ContactLimits { per_hour: 1 };
    let outcome =
        send_contact_message(&elsewhere, &app.db.pool, limits, input, "other-process").await;
    assert!(
        matches!(outcome, Err(SendContactError::Throttled(_))),
        "{outcome:?}"
    );
}
