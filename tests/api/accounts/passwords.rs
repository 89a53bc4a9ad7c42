//! Password policy, duplicate emails, failed-login throttling and password reset.

use std::net::IpAddr;

use commerce::auth::email_tokens::Purpose;
use commerce::auth::{throttle, AuthError};
use reqwest::Method;
use serde_json::{json, Value};

use super::*;
use crate::helpers::{spawn_app, TestApp, TestDatabase};

#[tokio::test]
async fn password_policy_violations_are_422_with_field_errors_and_write_nothing() {
    let app = spawn_app().await;

    for (password, why) in [
        ("Short1!", "too short"),
        ("aaaaaaaaaaaaaaaa", "too repetitive"),
        ("Password123", "too common"),
        ("xx-ada.lovelace-xx", "contains the email"),
        (&"Long-enough!".repeat(11), "too long"),
    ] {
        let response = register(&app, "ada.lovelace@example.com", password).await;
        let (code, fields) = problem(response, 422).await;
        assert_eq!(code, "validation_failed", "{why}");
        assert_eq!(fields, ["password"], "{why}");
    }

    assert_eq!(count(&app, "users").await, 0);
    assert_eq!(account_event_count(&app).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn every_invalid_registration_field_is_listed_at_once() {
    let app = spawn_app().await;

    let everything_wrong = app
        .anonymous()
        .send_json(
            Method::POST,
            "/auth/register",
            &json!({"email": "not-an-email", "password": "short", "name": "  "}),
        )
        .await;

    let (_, mut fields) = problem(everything_wrong, 422).await;
    fields.sort();
    fields.dedup();
    assert_eq!(fields, ["email", "name", "password"]);
    assert_eq!(count(&app, "users").await, 0);
    assert_eq!(account_event_count(&app).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_registration_field_of_the_wrong_type_is_422() {
    let app = spawn_app().await;

    let wrong_type = app
        .anonymous()
        .send_json(
            Method::POST,
            "/auth/register",
            &json!({"email": "a@example.com", "password": 1234567890, "name": "A"}),
        )
        .await;

    problem(wrong_type, 422).await;
    assert_eq!(count(&app, "users").await, 0);
    assert_eq!(account_event_count(&app).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn registering_an_email_twice_is_409_whatever_its_case() {
    let app = spawn_app().await;
    registered(&app, "dup@example.com").await;
    let (code, _) = problem(register(&app, " DUP@example.com", PASSWORD).await, 409).await;
    assert_eq!(code, "email_taken");
    assert_eq!(count(&app, "users").await, 1);
    assert_eq!(account_event_count(&app).await, 2);
    app.stop().await;
}

/// Two registered accounts, `target@` locked by five wrong passwords and `bystander@`.
async fn a_locked_account(app: &TestApp) {
    registered(app, "target@example.com").await;
    registered(app, "bystander@example.com").await;
    for _ in 0..5 {
        let response = login(app, "target@example.com", "guess guess guess").await;
        assert_eq!(response.status, 401);
    }
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_429_and_retry_after() {
    let app = spawn_app().await;
    a_locked_account(&app).await;

    // Locked: even the right password is refused until the window passes.
    let response = login(&app, "target@example.com", PASSWORD).await;

    let retry_after: u64 = response.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=15 * 60 + 1).contains(&retry_after), "{retry_after}");
    let (code, _) = problem(response, 429).await;
    assert_eq!(code, "rate_limited");
    app.stop().await;
}

#[tokio::test]
async fn the_lock_is_per_account_so_another_account_from_the_same_address_logs_in() {
    let app = spawn_app().await;
    a_locked_account(&app).await;

    logged_in(&app, "bystander@example.com").await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_emails_are_throttled_the_same_way() {
    // No enumeration through the limiter.
    let app = spawn_app().await;

    for _ in 0..5 {
        assert_eq!(login(&app, "ghost@example.com", PASSWORD).await.status, 401);
    }
    assert_eq!(login(&app, "ghost@example.com", PASSWORD).await.status, 429);
    app.stop().await;
}

#[tokio::test]
async fn failures_from_one_address_throttle_that_address_across_accounts() {
    let db = TestDatabase::create().await;
    let limits = throttle::Limits::default();
    let attacker: IpAddr = "203.0.113.7".parse().expect("ip");
    let neighbour: IpAddr = "203.0.113.8".parse().expect("ip");
    for i in 0..limits.per_client {
        let account = format!("victim{i}@example.com");
        throttle::check(&db.pool, limits, &account, Some(attacker))
            .await
            .expect("below the limit");
        throttle::record_failure(&db.pool, limits, &account, Some(attacker))
            .await
            .expect("recorded");
    }
    let refused = throttle::check(&db.pool, limits, "fresh@example.com", Some(attacker)).await;
    assert!(
        matches!(refused, Err(AuthError::Throttled { .. })),
        "{refused:?}"
    );
    throttle::check(&db.pool, limits, "fresh@example.com", Some(neighbour))
        .await
        .expect("another address is not throttled");
}

#[tokio::test]
async fn a_password_reset_changes_the_password_with_a_single_use_token() {
    let app = spawn_app().await;
    let user = registered(&app, "forgetful@example.com").await;
    let old_session = logged_in(&app, "forgetful@example.com").await;
    let reset = |email: &'static str| {
        app.anonymous()
            .request(Method::POST, "/auth/password-reset")
            .json(&json!({ "email": email }))
            .send()
    };
    assert_eq!(reset("Forgetful@example.com").await.status, 202);
    let events_before = account_event_count(&app).await;
    assert_eq!(reset("nobody@example.com").await.status, 202);
    assert_eq!(
        account_event_count(&app).await,
        events_before,
        "no event for an unknown email"
    );
    let types: Vec<String> = account_events(&app, user)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        types.last().map(String::as_str),
        Some("PasswordResetRequested")
    );

    let token = email_token(&app, user, Purpose::PasswordReset).await;
    let confirm = |token: String, password: &'static str| {
        app.anonymous()
            .request(Method::POST, "/auth/password-reset/confirm")
            .json(&json!({ "token": token, "new_password": password }))
            .send()
    };
    // A weak new password is refused and does not use the token up.
    let (_, fields) = problem(confirm(token.clone(), "weakpass1").await, 422).await;
    assert_eq!(fields, ["new_password"]);
    let new_password = "a brand new passphrase";
    assert_eq!(confirm(token.clone(), new_password).await.status, 204);
    let (code, _) = problem(confirm(token.clone(), new_password).await, 422).await;
    assert_eq!(code, "invalid_token", "a reset token is single use");

    problem(login(&app, "forgetful@example.com", PASSWORD).await, 401).await;
    let fresh = tokens(login(&app, "forgetful@example.com", new_password).await).await;
    assert_eq!(me(&app, &fresh.access).await.status, 200);
    // Every session from before the reset has ended.
    problem(me(&app, &old_session.access).await, 401).await;
    problem(refresh(&app, &old_session.refresh).await, 401).await;

    let types: Vec<String> = account_events(&app, user)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(types.last().map(String::as_str), Some("PasswordChanged"));
    let everything = all_events_text(&app).await;
    for secret in [PASSWORD, new_password, token.as_str()] {
        assert!(!everything.contains(secret), "an event holds a secret");
    }
    let body: Value = me(&app, &fresh.access).await.json_body();
    assert_eq!(body["email"], "forgetful@example.com");
    app.stop().await;
}
