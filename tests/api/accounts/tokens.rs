//! Access-token validation: foreign keys, `alg: none`, expiry and garbage are all 401.

use std::time::Duration;

use commerce::auth::jwt;
use commerce_aggregates::Role;
use uuid::Uuid;

use reqwest::Method;

use super::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// `GET /admin/users` with `token`.
async fn users(app: &TestApp, token: &str) -> Reply {
    app.with_token(token)
        .send(Method::GET, "/admin/users")
        .await
}

/// Asserts `GET /admin/users` with `token` is 401 `unauthorized`.
async fn assert_refused(app: &TestApp, token: &str) {
    let (code, _) = problem(users(app, token).await, 401).await;
    assert_eq!(code, "unauthorized");
}

#[tokio::test]
async fn an_admin_token_signed_with_the_engines_key_is_accepted() {
    let app = spawn_app().await;
    let (_, valid) = app.token(Role::Admin);

    assert_eq!(users(&app, &valid).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_401() {
    let app = spawn_app().await;

    let foreign = jwt::issue(
        "another-key-another-key-another-key!!",
        Uuid::new_v4(),
        Role::Admin,
        Duration::from_secs(600),
    )
    .expect("signs")
    .token;

    assert_refused(&app, &foreign).await;
    app.stop().await;
}

#[tokio::test]
async fn an_unsigned_token_is_401() {
    let app = spawn_app().await;
    let (_, valid) = app.token(Role::Admin);

    // {"alg":"none","typ":"JWT"} over the valid token's claims, without a signature.
    let payload = valid.split('.').nth(1).expect("payload");
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");

    assert_refused(&app, &unsigned).await;
    app.stop().await;
}

#[tokio::test]
async fn an_expired_token_is_401() {
    let app = spawn_app().await;

    let expired = jwt::issue(
        app.config.jwt_secret.expose(),
        Uuid::new_v4(),
        Role::Admin,
        Duration::ZERO,
    )
    .expect("signs")
    .token;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    assert_refused(&app, &expired).await;
    app.stop().await;
}

#[tokio::test]
async fn a_garbage_or_empty_token_is_401() {
    let app = spawn_app().await;

    for token in ["garbage", ""] {
        assert_refused(&app, token).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn no_authorization_header_or_basic_auth_is_401() {
    let app = spawn_app().await;

    let no_header = app
        .anonymous()
        .request(Method::GET, "/admin/users")
        .send()
        .await;
    problem(no_header, 401).await;
    let basic = app
        .anonymous()
        .request(Method::GET, "/me")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await;
    problem(basic, 401).await;
    app.stop().await;
}

#[tokio::test]
async fn an_access_token_expires_after_its_ttl_and_refresh_gets_a_new_one() {
    let app = spawn_app_with(&[("ACCESS_TOKEN_TTL_SECONDS", "1")]).await;
    registered(&app, "short@example.com").await;
    let session = logged_in(&app, "short@example.com").await;
    assert_eq!(me(&app, &session.access).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    problem(me(&app, &session.access).await, 401).await;
    let renewed = tokens(refresh(&app, &session.refresh).await).await;
    assert_eq!(me(&app, &renewed.access).await.status, 200);
    app.stop().await;
}
