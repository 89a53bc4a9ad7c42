//! The user's own account: renaming, moving to another email address (confirmed from there,
//! the old address told), changing the password with a fresh token (the other sessions end).

use std::time::Duration;

use commerce::auth::email_tokens::Purpose;
use serde_json::json;

use super::*;
use crate::helpers::{spawn_app, spawn_app_with};
use crate::mailer::{engine, mail_dir, message_to, token_in};

/// Another password that meets the policy.
const NEW_PASSWORD: &str = "an entirely different passphrase";

#[tokio::test]
async fn a_user_renames_themselves_and_the_change_is_an_event_by_them() {
    let app = spawn_app().await;
    let user = registered(&app, "ren@example.com").await;
    let session = logged_in(&app, "ren@example.com").await;

    let renamed = app
        .with_token(&session.access)
        .rename_me("  Ada King ")
        .await;

    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "Ada King");
    assert_eq!(
        me(&app, &session.access).await.json_body()["name"],
        "Ada King"
    );
    let events = account_events(&app, user).await;
    let (event_type, payload, metadata) = events.last().expect("an event");
    assert_eq!(event_type, "NameChanged");
    assert_eq!(payload["NameChanged"]["name"], "Ada King");
    assert_eq!(metadata["actor_id"], user.to_string());
    assert_eq!(metadata["actor_role"], "customer");

    // The same name again changes nothing.
    let before = account_event_count(&app).await;
    let again = app.with_token(&session.access).rename_me("Ada King").await;
    assert_eq!(again.status, 200);
    assert_eq!(account_event_count(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn a_refreshed_token_is_refused_for_a_password_change_and_a_fresh_one_accepted() {
    let app = spawn_app().await;
    let user = registered(&app, "fresh@example.com").await;
    let login = logged_in(&app, "fresh@example.com").await;
    let refreshed = tokens(refresh(&app, &login.refresh).await).await;
    let before = account_event_count(&app).await;

    let stale = app
        .with_token(&refreshed.access)
        .change_password(PASSWORD, NEW_PASSWORD)
        .await;

    stale.problem(401, "fresh_token_required");
    let challenge = stale.header("www-authenticate").expect("a challenge");
    assert!(
        challenge
            .starts_with("Bearer realm=\"commerce\", error=\"insufficient_user_authentication\"")
            && challenge.ends_with("max_age=300"),
        "{challenge}"
    );
    assert_eq!(account_event_count(&app).await, before, "nothing written");

    let fresh = logged_in(&app, "fresh@example.com").await;
    let changed = app
        .with_token(&fresh.access)
        .change_password(PASSWORD, NEW_PASSWORD)
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    let (event_type, payload, _) = account_events(&app, user).await.pop().expect("event");
    assert_eq!(event_type, "PasswordChanged");
    assert_eq!(payload["PasswordChanged"]["via"], "user");
    app.stop().await;
}

#[tokio::test]
async fn a_login_token_older_than_fresh_token_seconds_is_no_longer_fresh() {
    let app = spawn_app_with(&[("FRESH_TOKEN_SECONDS", "1")]).await;
    registered(&app, "slow@example.com").await;
    let login = logged_in(&app, "slow@example.com").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;

    app.with_token(&login.access)
        .change_email("slow@elsewhere.example", PASSWORD)
        .await
        .problem(401, "fresh_token_required");
    // The token itself still works for everything else.
    assert_eq!(me(&app, &login.access).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_and_keeps_this_one() {
    let app = spawn_app().await;
    registered(&app, "two@example.com").await;
    let laptop = logged_in(&app, "two@example.com").await;
    let phone = logged_in(&app, "two@example.com").await;

    let changed = app
        .with_token(&laptop.access)
        .change_password(PASSWORD, NEW_PASSWORD)
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text);

    me(&app, &phone.access).await.problem(401, "token_revoked");
    refresh(&app, &phone.refresh)
        .await
        .problem(401, "invalid_refresh_token");
    assert_eq!(
        me(&app, &laptop.access).await.status,
        200,
        "this session stays"
    );
    let renewed = tokens(refresh(&app, &laptop.refresh).await).await;
    assert_eq!(me(&app, &renewed.access).await.status, 200);
    login(&app, "two@example.com", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    tokens(login(&app, "two@example.com", NEW_PASSWORD).await).await;
    app.stop().await;
}

#[tokio::test]
async fn an_email_change_takes_effect_once_confirmed_from_the_new_address_and_the_old_is_told() {
    let dir = mail_dir();
    let crate::checkout::Engine { app, nats: _nats } = engine(&dir).await;
    let old = format!("old-{}@example.com", uuid::Uuid::new_v4().simple());
    let new = format!("new-{}@example.com", uuid::Uuid::new_v4().simple());
    let user = registered(&app, &old).await;
    let session = logged_in(&app, &old).await;

    let asked = app
        .with_token(&session.access)
        .change_email(&new, PASSWORD)
        .await;

    assert_eq!(asked.status, 202, "{}", asked.text);
    assert_eq!(asked.body["email"], old.as_str(), "not changed yet");
    assert_eq!(asked.body["pending_email"], new.as_str());
    let confirmation = message_to(&dir, &new, "Confirm your new email address").await;
    let token = token_in(&confirmation, "verify-email");
    login(&app, &new, PASSWORD)
        .await
        .problem(401, "invalid_credentials");

    let confirmed = app.anonymous().verify_email(&token).await;
    assert_eq!(confirmed.status, 204, "{}", confirmed.text);
    let account = me(&app, &session.access).await.json_body();
    assert_eq!(account["email"], new.as_str());
    assert_eq!(
        account["email_verified"], true,
        "the token proved the address"
    );
    assert!(account.get("pending_email").is_none(), "{account}");
    let notice = message_to(&dir, &old, "Your email address was changed").await;
    assert!(notice.contains(&new), "{notice}");
    tokens(login(&app, &new, PASSWORD).await).await;
    login(&app, &old, PASSWORD)
        .await
        .problem(401, "invalid_credentials");

    let types: Vec<String> = account_events(&app, user)
        .await
        .into_iter()
        .map(|(t, _, _)| t)
        .collect();
    assert_eq!(
        types[types.len() - 3..],
        ["EmailChangeRequested", "EmailVerified", "EmailChanged"]
    );
    assert!(
        !all_events_text(&app).await.contains(&token),
        "no token in events"
    );
    app.anonymous()
        .verify_email(&token)
        .await
        .problem(422, "invalid_token");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_newer_email_change_request_voids_the_token_of_the_older_one() {
    let app = spawn_app().await;
    let user = registered(&app, "moving@example.com").await;
    let session = logged_in(&app, "moving@example.com").await;
    let client = app.with_token(&session.access);
    assert_eq!(
        client
            .change_email("first@example.com", PASSWORD)
            .await
            .status,
        202
    );
    let first = email_token(&app, user, Purpose::ChangeEmail).await;
    assert_eq!(
        client
            .change_email("second@example.com", PASSWORD)
            .await
            .status,
        202
    );
    let before = account_event_count(&app).await;

    app.anonymous()
        .verify_email(&first)
        .await
        .problem(422, "invalid_token");

    assert_eq!(account_event_count(&app).await, before);
    assert_eq!(
        me(&app, &session.access).await.json_body()["email"],
        "moving@example.com"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_input_to_the_profile_routes_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    registered(&app, "careful@example.com").await;
    registered(&app, "taken@example.com").await;
    let session = logged_in(&app, "careful@example.com").await;
    let client = app.with_token(&session.access);
    let users_before: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT email, name, pending_email FROM users ORDER BY email")
            .fetch_all(&app.db.pool)
            .await
            .expect("users");
    let before = account_event_count(&app).await;

    client.rename_me("").await.problem(422, "validation_failed");
    client
        .rename_me("a\u{7}b")
        .await
        .problem(422, "validation_failed");
    for (method, path) in [
        (reqwest::Method::PATCH, "/me"),
        (reqwest::Method::POST, "/me/email"),
        (reqwest::Method::POST, "/me/password"),
    ] {
        client
            .send_json(method.clone(), path, &json!(["x"]))
            .await
            .problem(422, "validation_failed");
        client
            .send_json(method.clone(), path, &json!({"unknown": 1}))
            .await
            .problem(422, "validation_failed");
        client
            .request(method, path)
            .raw("{\"name\":")
            .send()
            .await
            .problem(400, "malformed_json");
    }
    client
        .change_email("not-an-address", PASSWORD)
        .await
        .problem(422, "validation_failed");
    client
        .change_email("Careful@Example.com", PASSWORD)
        .await
        .problem(422, "validation_failed");
    client
        .change_email("taken@example.com", PASSWORD)
        .await
        .problem(409, "email_taken");
    client
        .change_email("free@example.com", "not the password")
        .await
        .problem(403, "wrong_password");
    client
        .change_password(PASSWORD, "short")
        .await
        .problem(422, "validation_failed");
    client
        .change_password("not the password", NEW_PASSWORD)
        .await
        .problem(403, "wrong_password");
    client
        .change_password(PASSWORD, PASSWORD)
        .await
        .problem(422, "validation_failed");
    app.anonymous()
        .rename_me("Nobody")
        .await
        .problem(401, "unauthorized");
    app.anonymous()
        .resend_verification()
        .await
        .problem(401, "unauthorized");
    app.with_token("forged.token.here")
        .change_password(PASSWORD, NEW_PASSWORD)
        .await
        .problem(401, "token_invalid");

    assert_eq!(account_event_count(&app).await, before);
    let users_after: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT email, name, pending_email FROM users ORDER BY email")
            .fetch_all(&app.db.pool)
            .await
            .expect("users");
    assert_eq!(users_after, users_before);
    app.stop().await;
}
