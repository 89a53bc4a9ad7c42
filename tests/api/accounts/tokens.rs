//! Access-token validation: foreign keys, `alg: none`, expiry and garbage are all 401.

use std::time::Duration;

use commerce::auth::jwt;
use commerce_aggregates::Role;
use uuid::Uuid;

use reqwest::Method;

use super::*;
use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn tokens_signed_with_another_key_unsigned_or_expired_are_401() {
    let app = spawn_app().await;
    let (_, valid) = app.token(Role::Admin);
    let users = |token: String| {
        app.with_token(&token)
            .request(Method::GET, "/admin/users")
            .send()
    };
    assert_eq!(users(valid.clone()).await.status, 200);

    let (foreign, _) = jwt::issue(
        "another-key-another-key-another-key!!",
        Uuid::new_v4(),
        Role::Admin,
        Duration::from_secs(600),
    )
    .expect("signs");
    // {"alg":"none","typ":"JWT"} over the valid token's claims, without a signature.
    let payload = valid.split('.').nth(1).expect("payload");
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    let (expired, _) = jwt::issue(
        app.config.jwt_secret.expose(),
        Uuid::new_v4(),
        Role::Admin,
        Duration::ZERO,
    )
    .expect("signs");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    for token in [
        foreign,
        unsigned,
        expired,
        "garbage".to_string(),
        String::new(),
    ] {
        let (code, _) = problem(users(token).await, 401).await;
        assert_eq!(code, "unauthorized");
    }
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
