//! Registration, verification and sessions: login, refresh rotation, reuse detection, logout.

use commerce::auth::email_tokens::Purpose;
use commerce_projections::reader::{read_events, Horizon, Position, ReadFilter};
use reqwest::Method;
use serde_json::{json, Value};

use super::*;
use crate::helpers::spawn_app;

#[tokio::test]
async fn register_verify_login_refresh_logout_then_the_old_tokens_are_rejected() {
    let app = spawn_app().await;

    let response = register(&app, "Ada@Example.com", PASSWORD).await;
    assert_eq!(response.status, 201);
    assert_eq!(response.headers["location"], "/api/v1/me");
    let body: Value = response.json_body();
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["role"], "customer");
    assert_eq!(body["email_verified"], false);
    assert!(body.get("password").is_none() && body.get("token").is_none());
    let user = body["id"].as_str().expect("id").parse().expect("uuid");

    // The registration asked for a verification email, in events, without any secret.
    let events = account_events(&app, user).await;
    let types: Vec<&str> = events.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(types, ["AccountRegistered", "EmailVerificationRequested"]);
    assert_eq!(
        events[1].1["EmailVerificationRequested"]["email"],
        "ada@example.com"
    );
    for (_, _, metadata) in &events {
        for key in [
            "actor_id",
            "actor_role",
            "correlation_id",
            "causation_id",
            "request_id",
        ] {
            assert!(metadata.get(key).is_some(), "metadata lacks {key}");
        }
    }

    // The relay reads them like any other event, for `commerce.account.<user>.<EventType>`.
    // (Without the commit-safe horizon: it is cluster-wide, and other tests hold transactions
    // open on purpose.)
    let mut conn = app.db.pool.acquire().await.expect("connection");
    let filter = ReadFilter {
        aggregate_types: &["account"],
        ..ReadFilter::new(Position::default(), 10, Horizon::Visible)
    };
    let relayed = read_events(&mut conn, &filter)
        .await
        .expect("relay reads them");
    drop(conn);
    let subjects: Vec<String> = relayed.iter().map(|(_, e)| e.subject()).collect();
    assert_eq!(
        subjects,
        [
            format!("commerce.account.{user}.AccountRegistered"),
            format!("commerce.account.{user}.EmailVerificationRequested"),
        ]
    );

    let token = email_token(&app, user, Purpose::VerifyEmail).await;
    let verify = |token: String| {
        app.anonymous()
            .request(Method::POST, "/auth/verify-email")
            .json(&json!({ "token": token }))
            .send()
    };
    assert_eq!(verify(token.clone()).await.status, 204);
    let (code, _) = problem(verify(token.clone()).await, 422).await;
    assert_eq!(code, "invalid_token", "a verification token is single use");
    let types: Vec<String> = account_events(&app, user)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(types.last().map(String::as_str), Some("EmailVerified"));

    let response = login(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(response.status, 200);
    let body: Value = response.json_body();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let first_access = body["access_token"].as_str().expect("access").to_string();
    let first_refresh = body["refresh_token"].as_str().expect("refresh").to_string();
    assert_eq!(first_refresh.len(), 64);

    let me_body: Value = me(&app, &first_access).await.json_body();
    assert_eq!(me_body["id"], user.to_string());
    assert_eq!(me_body["email_verified"], true);

    let second = tokens(refresh(&app, &first_refresh).await).await;
    assert_ne!(second.refresh, first_refresh, "refresh tokens rotate");
    assert_eq!(me(&app, &second.access).await.status, 200);

    let logout = app
        .with_token(&second.access)
        .request(Method::POST, "/auth/logout")
        .send()
        .await;
    assert_eq!(logout.status, 204);

    for access in [&second.access, &first_access] {
        let (code, _) = problem(me(&app, access).await, 401).await;
        assert_eq!(code, "token_revoked");
    }
    for refresh_token in [&second.refresh, &first_refresh] {
        let (code, _) = problem(refresh(&app, refresh_token).await, 401).await;
        assert_eq!(code, "invalid_refresh_token");
    }
    // Logging in again starts a fresh session.
    assert_eq!(
        me(&app, &logged_in(&app, "ada@example.com").await.access)
            .await
            .status,
        200
    );

    let everything = all_events_text(&app).await;
    for secret in [
        PASSWORD,
        token.as_str(),
        first_refresh.as_str(),
        "$argon2id$",
    ] {
        assert!(!everything.contains(secret), "an event holds a secret");
    }
    app.stop().await;
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_its_whole_family() {
    let app = spawn_app().await;
    registered(&app, "eve@example.com").await;
    let first = logged_in(&app, "eve@example.com").await;
    let other_session = logged_in(&app, "eve@example.com").await;

    let second = tokens(refresh(&app, &first.refresh).await).await;
    let third = tokens(refresh(&app, &second.refresh).await).await;
    assert_eq!(me(&app, &third.access).await.status, 200);

    // The stolen first token comes back: refused, and the family dies with it.
    problem(refresh(&app, &first.refresh).await, 401).await;
    problem(refresh(&app, &third.refresh).await, 401).await;
    problem(me(&app, &third.access).await, 401).await;
    problem(me(&app, &second.access).await, 401).await;

    // Another login's family is untouched.
    assert_eq!(me(&app, &other_session.access).await.status, 200);
    tokens(refresh(&app, &other_session.refresh).await).await;
    app.stop().await;
}

#[tokio::test]
async fn logout_with_a_refresh_token_ends_that_session_only() {
    let app = spawn_app().await;
    registered(&app, "bob@example.com").await;
    let phone = logged_in(&app, "bob@example.com").await;
    let laptop = logged_in(&app, "bob@example.com").await;

    let logout = app
        .with_token(&phone.access)
        .request(Method::POST, "/auth/logout")
        .json(&json!({"refresh_token": phone.refresh}))
        .send()
        .await;
    assert_eq!(logout.status, 204);
    problem(me(&app, &phone.access).await, 401).await;
    problem(refresh(&app, &phone.refresh).await, 401).await;
    assert_eq!(me(&app, &laptop.access).await.status, 200);
    tokens(refresh(&app, &laptop.refresh).await).await;

    // Without a token, or with a malformed body, nothing is logged out.
    let anonymous = app
        .anonymous()
        .request(Method::POST, "/auth/logout")
        .send()
        .await;
    problem(anonymous, 401).await;
    let malformed = app
        .with_token(&laptop.access)
        .request(Method::POST, "/auth/logout")
        .raw("{not json")
        .send()
        .await;
    problem(malformed, 400).await;
    let unknown_field = app
        .with_token(&laptop.access)
        .request(Method::POST, "/auth/logout")
        .json(&json!({"refresh_token": "x", "everywhere": true}))
        .send()
        .await;
    problem(unknown_field, 422).await;
    assert_eq!(me(&app, &laptop.access).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn unverified_accounts_can_log_in_and_see_that_they_are_unverified() {
    let app = spawn_app().await;
    registered(&app, "new@example.com").await;
    let session = logged_in(&app, "new@example.com").await;
    let body: Value = me(&app, &session.access).await.json_body();
    assert_eq!(body["email"], "new@example.com");
    assert_eq!(body["name"], "Test User");
    assert_eq!(body["role"], "customer");
    assert_eq!(body["email_verified"], false);
    app.stop().await;
}

#[tokio::test]
async fn a_token_for_an_account_that_does_not_exist_gets_404_from_me() {
    let app = spawn_app().await;
    let (_, token) = app.token(commerce_aggregates::Role::Customer);
    let (code, _) = problem(me(&app, &token).await, 404).await;
    assert_eq!(code, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_an_unknown_email_or_a_nul_in_it_are_all_401_invalid_credentials() {
    let app = spawn_app().await;
    registered(&app, "carol@example.com").await;

    let (code, _) = problem(
        login(&app, "carol@example.com", "not the password").await,
        401,
    )
    .await;
    assert_eq!(code, "invalid_credentials");
    let (code, _) = problem(login(&app, "nobody@example.com", PASSWORD).await, 401).await;
    assert_eq!(code, "invalid_credentials");
    let (code, _) = problem(login(&app, "bad\u{0}@example.com", PASSWORD).await, 401).await;
    assert_eq!(code, "invalid_credentials");
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_refresh_token_is_401() {
    let app = spawn_app().await;

    problem(refresh(&app, "not-a-token").await, 401).await;
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_verification_token_is_422_invalid_token() {
    let app = spawn_app().await;

    let verify = app.anonymous().verify_email(&"0".repeat(64)).await;

    assert_eq!(problem(verify, 422).await.0, "invalid_token");
    app.stop().await;
}

#[tokio::test]
async fn a_login_with_an_unknown_field_is_422() {
    let app = spawn_app().await;
    registered(&app, "carol@example.com").await;

    let unknown_field = app
        .anonymous()
        .send_json(
            Method::POST,
            "/auth/login",
            &json!({"email": "carol@example.com", "password": PASSWORD, "admin": true}),
        )
        .await;

    problem(unknown_field, 422).await;
    app.stop().await;
}
