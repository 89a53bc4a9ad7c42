//! Accounts and authentication through HTTP: registration, email verification, sessions
//! (login, refresh rotation and reuse detection, logout), token validation, password policy and
//! reset, throttling, roles, and the `commerce admin create` command; the user's own changes
//! (name, email, password with a fresh token), verification that matters, and admins'
//! deactivation of accounts.

mod admin;
mod deactivation;
mod passwords;
mod profile;
mod sessions;
mod tokens;
mod verification;

use commerce::auth::email_tokens::{issue_email_token, Purpose};
use serde_json::Value;
use uuid::Uuid;

use crate::client::Reply;
use crate::helpers::TestApp;

/// A password that meets the policy.
pub const PASSWORD: &str = "correct horse battery staple";

/// `POST auth/register`.
pub async fn register(app: &TestApp, email: &str, password: &str) -> Reply {
    app.anonymous().register(email, password).await
}

/// Registers `email` with [`PASSWORD`] and returns the new user's id.
pub async fn registered(app: &TestApp, email: &str) -> Uuid {
    let response = register(app, email, PASSWORD).await;
    assert_eq!(response.status, 201, "{}", response.text.clone());
    let body: Value = response.json_body();
    body["id"].as_str().expect("id").parse().expect("uuid")
}

/// `POST auth/login`.
pub async fn login(app: &TestApp, email: &str, password: &str) -> Reply {
    app.anonymous().login(email, password).await
}

/// An access token and a refresh token.
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// The tokens of a successful login or refresh response.
pub async fn tokens(response: Reply) -> Tokens {
    assert_eq!(response.status, 200, "{}", response.text.clone());
    let body: Value = response.json_body();
    assert_eq!(body["token_type"], "Bearer");
    Tokens {
        access: body["access_token"].as_str().expect("access_token").into(),
        refresh: body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .into(),
    }
}

/// Logs in with [`PASSWORD`], expecting success.
pub async fn logged_in(app: &TestApp, email: &str) -> Tokens {
    tokens(login(app, email, PASSWORD).await).await
}

/// `POST auth/refresh`.
pub async fn refresh(app: &TestApp, refresh_token: &str) -> Reply {
    app.anonymous().refresh(refresh_token).await
}

/// `GET me` with `access`.
pub async fn me(app: &TestApp, access: &str) -> Reply {
    app.with_token(access).me().await
}

/// A token as the mailer will get it when it handles the event asking for the email.
pub async fn email_token(app: &TestApp, user: Uuid, purpose: Purpose) -> String {
    issue_email_token(&app.db.pool, user, purpose)
        .await
        .expect("token issued")
}

/// `(event_type, payload, metadata)` of every account event of `user`, in order.
pub async fn account_events(app: &TestApp, user: Uuid) -> Vec<(String, Value, Value)> {
    sqlx::query_as(
        "SELECT event_type, payload, metadata FROM events
          WHERE aggregate_type = 'account' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(user.to_string())
    .fetch_all(&app.db.pool)
    .await
    .expect("events")
}

/// The whole event table as text (payloads and metadata), to look for leaked secrets.
pub async fn all_events_text(app: &TestApp) -> String {
    let rows: Vec<(Value, Value)> = sqlx::query_as("SELECT payload, metadata FROM events")
        .fetch_all(&app.db.pool)
        .await
        .expect("events");
    rows.iter()
        .map(|(p, m)| format!("{p} {m}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Number of rows in `table`.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// Number of account events (the store the engine opens at start has its own).
pub async fn account_event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'account'")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// The `code` and field names of a problem response with `status`.
pub async fn problem(response: Reply, status: u16) -> (String, Vec<String>) {
    assert_eq!(response.status, status);
    assert_eq!(response.headers["content-type"], "application/problem+json");
    let body: Value = response.json_body();
    let fields = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    (
        body["code"].as_str().unwrap_or_default().to_string(),
        fields,
    )
}
