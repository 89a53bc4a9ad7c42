//! Access-token validation: every refusal is 401 with a `WWW-Authenticate: Bearer` challenge
//! and a code — `token_invalid` (foreign key, `alg: none`, garbage, missing claims),
//! `token_expired`, `token_revoked`, or `unauthorized` without a bearer token.

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

/// The challenge of a refused bearer token, per RFC 6750.
fn challenge(description: &str) -> String {
    format!(
        "Bearer realm=\"commerce\", error=\"invalid_token\", error_description=\"{description}\""
    )
}

/// Asserts `reply` is 401 `code` with the `invalid_token` challenge saying `description`.
#[track_caller]
fn assert_token_refused(reply: &Reply, code: &str, description: &str) {
    reply.problem(401, code);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(challenge(description).as_str()),
        "{}",
        reply.text
    );
}

/// Asserts `GET /admin/users` with `token` is 401 `token_invalid`, saying nothing more.
async fn assert_refused(app: &TestApp, token: &str) {
    let reply = users(app, token).await;
    assert_token_refused(&reply, "token_invalid", "The access token is invalid");
    assert_eq!(reply.body["detail"], "The access token is invalid");
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
async fn an_expired_token_is_401_token_expired() {
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

    let reply = users(&app, &expired).await;
    assert_token_refused(&reply, "token_expired", "The access token expired");
    app.stop().await;
}

#[tokio::test]
async fn an_expired_token_signed_with_another_key_is_only_token_invalid() {
    let app = spawn_app().await;

    let forged = jwt::issue(
        "another-key-another-key-another-key!!",
        Uuid::new_v4(),
        Role::Admin,
        Duration::ZERO,
    )
    .expect("signs")
    .token;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    assert_refused(&app, &forged).await;
    app.stop().await;
}

#[tokio::test]
async fn a_token_signed_with_the_engines_key_but_missing_claims_is_token_invalid() {
    let app = spawn_app().await;
    let key = jsonwebtoken::EncodingKey::from_secret(app.config.jwt_secret.expose().as_bytes());
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let now = chrono::Utc::now().timestamp();

    // No `sub`; then no `jti`.
    let claims = [
        serde_json::json!({"role": "admin", "jti": Uuid::new_v4(), "iat": now, "exp": now + 600, "iss": "commerce"}),
        serde_json::json!({"sub": Uuid::new_v4(), "role": "admin", "iat": now, "exp": now + 600, "iss": "commerce"}),
    ];
    for claims in claims {
        let token = jsonwebtoken::encode(&header, &claims, &key).expect("signs");
        assert_refused(&app, &token).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_token_of_a_session_that_logged_out_is_401_token_revoked() {
    let app = spawn_app().await;
    registered(&app, "gone@example.com").await;
    let session = logged_in(&app, "gone@example.com").await;
    let logout = app.with_token(&session.access).logout(None).await;
    assert_eq!(logout.status, 204, "{}", logout.text);

    let reply = app.with_token(&session.access).me().await;

    assert_token_refused(&reply, "token_revoked", "The access token was revoked");
    app.stop().await;
}

#[tokio::test]
async fn a_garbage_token_is_token_invalid_and_an_empty_one_no_token_at_all() {
    let app = spawn_app().await;

    for token in ["garbage", "a.b.c"] {
        assert_refused(&app, token).await;
    }
    users(&app, "").await.problem(401, "unauthorized");
    app.stop().await;
}

#[tokio::test]
async fn no_authorization_header_or_basic_auth_is_401_with_a_bare_bearer_challenge() {
    let app = spawn_app().await;

    let no_header = app
        .anonymous()
        .request(Method::GET, "/admin/users")
        .send()
        .await;
    let basic = app
        .anonymous()
        .request(Method::GET, "/me")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await;
    for reply in [no_header, basic] {
        reply.problem(401, "unauthorized");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"commerce\"")
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn an_access_token_expires_after_its_ttl_and_refresh_gets_a_new_one() {
    let app = spawn_app_with(&[("ACCESS_TOKEN_TTL_SECONDS", "1")]).await;
    registered(&app, "short@example.com").await;
    let session = logged_in(&app, "short@example.com").await;
    assert_eq!(me(&app, &session.access).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    me(&app, &session.access)
        .await
        .problem(401, "token_expired");
    let renewed = tokens(refresh(&app, &session.refresh).await).await;
    assert_eq!(me(&app, &renewed.access).await.status, 200);
    app.stop().await;
}
