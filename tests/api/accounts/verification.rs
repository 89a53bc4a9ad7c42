//! Email verification that matters: the verification email asked for again (throttled), and
//! `REQUIRE_VERIFIED_EMAIL` keeping unverified customers from checking out.

use std::time::Duration;

use commerce::auth::email_tokens::Purpose;

use super::*;
use crate::fixtures::{active_product, event_count, ready_cart, unique_sku};
use crate::helpers::{spawn_app, spawn_app_with};
use crate::mailer::{engine, mail_dir, message_to, token_in};

#[tokio::test]
async fn asking_for_the_verification_email_again_is_throttled_with_retry_after() {
    let app = spawn_app().await;
    let user = registered(&app, "again@example.com").await;
    let session = logged_in(&app, "again@example.com").await;
    let client = app.with_token(&session.access);

    let first = client.resend_verification().await;
    assert_eq!(first.status, 202, "{}", first.text);
    let (event_type, payload, metadata) = account_events(&app, user).await.pop().expect("event");
    assert_eq!(event_type, "VerificationResent");
    assert_eq!(payload["VerificationResent"]["email"], "again@example.com");
    assert_eq!(metadata["actor_id"], user.to_string());
    let before = account_event_count(&app).await;

    let second = client.resend_verification().await;

    second.problem(429, "rate_limited");
    let wait: u64 = second
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(account_event_count(&app).await, before, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn asking_again_for_a_verified_address_is_409() {
    let app = spawn_app().await;
    let user = registered(&app, "done@example.com").await;
    let token = email_token(&app, user, Purpose::VerifyEmail).await;
    assert_eq!(app.anonymous().verify_email(&token).await.status, 204);
    let session = logged_in(&app, "done@example.com").await;
    let before = account_event_count(&app).await;

    app.with_token(&session.access)
        .resend_verification()
        .await
        .problem(409, "email_already_verified");

    assert_eq!(account_event_count(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn a_resent_verification_email_carries_a_working_link() {
    let dir = mail_dir();
    let crate::checkout::Engine { app, nats: _nats } = engine(&dir).await;
    let email = format!("resend-{}@example.com", uuid::Uuid::new_v4().simple());
    let user = registered(&app, &email).await;
    let session = logged_in(&app, &email).await;
    assert_eq!(
        app.with_token(&session.access)
            .resend_verification()
            .await
            .status,
        202
    );

    // The resent email is its own, with its own token (not the registration's).
    let resent_event: uuid::Uuid = sqlx::query_scalar(
        "SELECT event_id FROM events WHERE aggregate_id = $1 AND event_type = 'VerificationResent'",
    )
    .bind(user.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("event");
    let outbox = "SELECT recipient, text_body FROM emails WHERE event_id = $1";
    crate::fixtures::wait_until("the resent email", Duration::from_secs(30), || async {
        sqlx::query(outbox)
            .bind(resent_event)
            .fetch_optional(&app.db.pool)
            .await
            .expect("outbox")
            .is_some()
    })
    .await;
    let (recipient, body): (String, String) = sqlx::query_as(outbox)
        .bind(resent_event)
        .fetch_one(&app.db.pool)
        .await
        .expect("email");
    assert_eq!(recipient, email);
    let token = token_in(&body, "verify-email");
    message_to(&dir, &email, &token).await;
    assert_eq!(app.anonymous().verify_email(&token).await.status, 204);
    assert_eq!(
        me(&app, &session.access).await.json_body()["email_verified"],
        true
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn with_require_verified_email_an_unverified_customer_checks_out_only_once_verified() {
    let app = spawn_app_with(&[("REQUIRE_VERIFIED_EMAIL", "true")]).await;
    let user = registered(&app, "buyer@example.com").await;
    let session = logged_in(&app, "buyer@example.com").await;
    let customer = app.with_token(&session.access);
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 5).await;
    let cart = ready_cart(&customer, &product, &sku, 1).await;
    let before = event_count(&app).await;

    customer
        .checkout(&cart)
        .await
        .problem(403, "email_unverified");
    assert_eq!(event_count(&app).await, before, "nothing written");

    let token = email_token(&app, user, Purpose::VerifyEmail).await;
    assert_eq!(app.anonymous().verify_email(&token).await.status, 204);
    let order = customer.checkout(&cart).await;
    assert_eq!(order.status, 201, "{}", order.text);
    app.stop().await;
}

#[tokio::test]
async fn without_require_verified_email_an_unverified_customer_checks_out() {
    let app = spawn_app().await;
    registered(&app, "relaxed@example.com").await;
    let session = logged_in(&app, "relaxed@example.com").await;
    let customer = app.with_token(&session.access);
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 5).await;
    let cart = ready_cart(&customer, &product, &sku, 1).await;

    let order = customer.checkout(&cart).await;

    assert_eq!(order.status, 201, "{}", order.text);
    app.stop().await;
}
