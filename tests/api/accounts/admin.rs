//! Roles: admins change them and list users, customers get 403, and `commerce admin create`
//! bootstraps an admin.

use commerce::auth::admin::create_admin;
use commerce::auth::jwt;
use commerce_aggregates::Role;
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::helpers::spawn_app;

/// `PUT /admin/users/{user}/role` as the holder of `access`.
async fn put_role(app: &TestApp, access: &str, user: Uuid, role: &str) -> Reply {
    app.with_token(access)
        .change_role(&user.to_string(), role)
        .await
}

/// `GET /admin/users?<query>` as the holder of `access`.
async fn users(app: &TestApp, access: &str, query: &str) -> Reply {
    app.with_token(access).list_users(query).await
}

/// An admin created by `commerce admin create` and a registered customer, both logged in:
/// (admin's id, admin's session, customer's id, customer's session).
async fn an_admin_and_a_customer(app: &TestApp) -> (Uuid, Tokens, Uuid, Tokens) {
    let admin = create_admin(&app.db.pool, "root@example.com", PASSWORD, "Root")
        .await
        .expect("admin created")
        .account;
    let admin_session = logged_in(app, "root@example.com").await;
    let customer = registered(app, "shopper@example.com").await;
    let customer_session = logged_in(app, "shopper@example.com").await;
    (admin.id, admin_session, customer, customer_session)
}

#[tokio::test]
async fn a_customer_gets_403_on_admin_routes() {
    let app = spawn_app().await;
    let (_, _, customer, customer_session) = an_admin_and_a_customer(&app).await;

    let (code, _) = problem(
        put_role(&app, &customer_session.access, customer, "admin").await,
        403,
    )
    .await;
    assert_eq!(code, "forbidden");
    problem(users(&app, &customer_session.access, "").await, 403).await;
    app.stop().await;
}

#[tokio::test]
async fn an_admin_changes_a_role_recorded_as_role_changed_by_that_admin() {
    let app = spawn_app().await;
    let (admin, admin_session, customer, _) = an_admin_and_a_customer(&app).await;

    let response = put_role(&app, &admin_session.access, customer, "prime").await;

    assert_eq!(response.status, 200);
    let body: Value = response.json_body();
    assert_eq!(body["role"], "prime");
    let events = account_events(&app, customer).await;
    let (event_type, payload, metadata) = events.last().expect("an event");
    assert_eq!(event_type, "RoleChanged");
    assert_eq!(
        payload["RoleChanged"],
        json!({"user_id": customer, "from": "customer", "to": "prime"})
    );
    assert_eq!(metadata["actor_id"], admin.to_string());
    assert_eq!(metadata["actor_role"], "admin");
    app.stop().await;
}

#[tokio::test]
async fn a_role_change_ends_the_users_sessions_and_the_next_login_carries_the_new_role() {
    let app = spawn_app().await;
    let (_, admin_session, customer, customer_session) = an_admin_and_a_customer(&app).await;
    let response = put_role(&app, &admin_session.access, customer, "prime").await;
    assert_eq!(response.status, 200);

    problem(me(&app, &customer_session.access).await, 401).await;
    let prime = logged_in(&app, "shopper@example.com").await;
    let claims = jwt::verify(app.config.jwt_secret.expose(), &prime.access).expect("valid");
    assert_eq!(claims.role, Role::Prime);
    let body: Value = me(&app, &prime.access).await.json_body();
    assert_eq!(body["role"], "prime");
    app.stop().await;
}

#[tokio::test]
async fn setting_the_same_role_again_changes_nothing() {
    let app = spawn_app().await;
    let (_, admin_session, customer, _) = an_admin_and_a_customer(&app).await;
    let response = put_role(&app, &admin_session.access, customer, "prime").await;
    assert_eq!(response.status, 200);
    let before = account_event_count(&app).await;

    assert_eq!(
        put_role(&app, &admin_session.access, customer, "prime")
            .await
            .status,
        200
    );

    assert_eq!(account_event_count(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn a_role_for_an_unknown_user_is_404_and_an_unknown_role_422() {
    let app = spawn_app().await;
    let (_, admin_session, customer, _) = an_admin_and_a_customer(&app).await;

    assert_eq!(
        problem(
            put_role(&app, &admin_session.access, Uuid::new_v4(), "prime").await,
            404
        )
        .await
        .0,
        "not_found"
    );
    problem(
        put_role(&app, &admin_session.access, customer, "emperor").await,
        422,
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn the_last_admin_keeps_the_admin_role_409_last_admin() {
    let app = spawn_app().await;
    let (admin, admin_session, _, _) = an_admin_and_a_customer(&app).await;

    let (code, _) = problem(
        put_role(&app, &admin_session.access, admin, "customer").await,
        409,
    )
    .await;

    assert_eq!(code, "last_admin");
    app.stop().await;
}

#[tokio::test]
async fn auditors_cannot_change_roles_403() {
    let app = spawn_app().await;
    let (_, _, customer, _) = an_admin_and_a_customer(&app).await;
    let (_, auditor) = app.token(Role::Auditor);

    problem(put_role(&app, &auditor, customer, "customer").await, 403).await;
    app.stop().await;
}

/// Three registered customers, `user0@example.com` to `user2@example.com`.
async fn three_users(app: &TestApp) {
    for i in 0..3 {
        registered(app, &format!("user{i}@example.com")).await;
    }
}

#[tokio::test]
async fn admins_list_users_a_page_at_a_time_without_password_hashes() {
    let app = spawn_app().await;
    three_users(&app).await;
    let (_, admin) = app.token(Role::Admin);

    let body: Value = users(&app, &admin, "per_page=2&page=2").await.json_body();

    assert_eq!(body["total"], 3);
    assert_eq!(body["page"], 2);
    assert_eq!(body["per_page"], 2);
    assert_eq!(body["items"].as_array().expect("items").len(), 1);
    assert_eq!(body["items"][0]["email"], "user2@example.com");
    assert!(body["items"][0].get("password_hash").is_none());
    app.stop().await;
}

#[tokio::test]
async fn auditors_search_users_by_text_in_any_case_and_by_role() {
    let app = spawn_app().await;
    three_users(&app).await;
    let (_, auditor) = app.token(Role::Auditor);

    let body: Value = users(&app, &auditor, "q=USER1&role=customer")
        .await
        .json_body();
    assert_eq!(body["total"], 1);
    let body: Value = users(&app, &auditor, "role=admin").await.json_body();
    assert_eq!(body["total"], 0);
    app.stop().await;
}

#[tokio::test]
async fn invalid_user_list_parameters_are_422() {
    let app = spawn_app().await;
    let (_, admin) = app.token(Role::Admin);

    for bad in [
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=x",
        "role=emperor",
        "q=a%00b",
    ] {
        problem(users(&app, &admin, bad).await, 422).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn primes_may_not_list_users_403() {
    let app = spawn_app().await;
    let (_, prime) = app.token(Role::Prime);

    problem(users(&app, &prime, "").await, 403).await;
    app.stop().await;
}

#[tokio::test]
async fn commerce_admin_create_bootstraps_an_admin_that_can_log_in() {
    let app = spawn_app().await;
    let run = |password: &'static str| {
        let url = app.db.url.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_commerce"))
                .args([
                    "admin",
                    "create",
                    "--email",
                    "Boss@Example.com",
                    "--name",
                    "The Boss",
                ])
                .args(["--password", password])
                .env("DATABASE_URL", url)
                .env_remove("ADMIN_PASSWORD")
                .output()
                .expect("commerce runs")
        })
    };
    let output = run(PASSWORD).await.expect("joined");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id: Uuid = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("prints the id");

    let session = logged_in(&app, "boss@example.com").await;
    let body: Value = me(&app, &session.access).await.json_body();
    assert_eq!(body["id"], id.to_string());
    assert_eq!(body["role"], "admin");
    assert_eq!(body["email_verified"], true);
    assert_eq!(body["name"], "The Boss");
    assert_eq!(users(&app, &session.access, "").await.status, 200);

    // Running it again keeps the account (same id) and sets the new password.
    let output = run("another strong passphrase").await.expect("joined");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        id.to_string()
    );
    problem(login(&app, "boss@example.com", PASSWORD).await, 401).await;
    tokens(login(&app, "boss@example.com", "another strong passphrase").await).await;

    // A weak password is refused, with the reason.
    let output = run("weak").await.expect("joined");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password"));
    assert!(!all_events_text(&app).await.contains(PASSWORD));
    app.stop().await;
}
