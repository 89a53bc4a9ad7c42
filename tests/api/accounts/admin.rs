//! Roles: admins change them and list users, customers get 403, and `commerce admin create`
//! bootstraps an admin.

use commerce::auth::admin::create_admin;
use commerce::auth::jwt;
use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::helpers::spawn_app;

async fn put_role(app: &TestApp, access: &str, user: Uuid, role: &str) -> Reply {
    app.with_token(access)
        .request(Method::PUT, &format!("/admin/users/{user}/role"))
        .json(&json!({ "role": role }))
        .send()
        .await
}

async fn users(app: &TestApp, access: &str, query: &str) -> Reply {
    app.with_token(access)
        .request(Method::GET, &format!("/admin/users{query}"))
        .send()
        .await
}

#[tokio::test]
async fn an_admin_changes_a_role_and_a_customer_gets_403_on_admin_routes() {
    let app = spawn_app().await;
    let (admin, _) = create_admin(&app.db.pool, "root@example.com", PASSWORD, "Root")
        .await
        .expect("admin created");
    let admin_session = logged_in(&app, "root@example.com").await;
    let customer = registered(&app, "shopper@example.com").await;
    let customer_session = logged_in(&app, "shopper@example.com").await;

    let (code, _) = problem(
        put_role(&app, &customer_session.access, customer, "admin").await,
        403,
    )
    .await;
    assert_eq!(code, "forbidden");
    problem(users(&app, &customer_session.access, "").await, 403).await;

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
    assert_eq!(metadata["actor_id"], admin.id.to_string());
    assert_eq!(metadata["actor_role"], "admin");

    // The customer's sessions ended; the next login carries the new role.
    problem(me(&app, &customer_session.access).await, 401).await;
    let prime = logged_in(&app, "shopper@example.com").await;
    let claims = jwt::verify(app.config.jwt_secret.expose(), &prime.access).expect("valid");
    assert_eq!(claims.role, Role::Prime);
    let body: Value = me(&app, &prime.access).await.json_body();
    assert_eq!(body["role"], "prime");

    // Setting the same role again changes nothing.
    let before = count(&app, "events").await;
    assert_eq!(
        put_role(&app, &admin_session.access, customer, "prime")
            .await
            .status,
        200
    );
    assert_eq!(count(&app, "events").await, before);

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
    let (code, _) = problem(
        put_role(&app, &admin_session.access, admin.id, "customer").await,
        409,
    )
    .await;
    assert_eq!(code, "last_admin");
    let (_, auditor) = app.token(Role::Auditor);
    problem(put_role(&app, &auditor, customer, "customer").await, 403).await;
    app.stop().await;
}

#[tokio::test]
async fn admins_and_auditors_list_users_a_page_at_a_time() {
    let app = spawn_app().await;
    for i in 0..3 {
        registered(&app, &format!("user{i}@example.com")).await;
    }
    let (_, admin) = app.token(Role::Admin);
    let (_, auditor) = app.token(Role::Auditor);
    let body: Value = users(&app, &admin, "?per_page=2&page=2").await.json_body();
    assert_eq!(body["total"], 3);
    assert_eq!(body["page"], 2);
    assert_eq!(body["per_page"], 2);
    assert_eq!(body["items"].as_array().expect("items").len(), 1);
    assert_eq!(body["items"][0]["email"], "user2@example.com");
    assert!(body["items"][0].get("password_hash").is_none());

    let body: Value = users(&app, &auditor, "?q=USER1&role=customer")
        .await
        .json_body();
    assert_eq!(body["total"], 1);
    let body: Value = users(&app, &auditor, "?role=admin").await.json_body();
    assert_eq!(body["total"], 0);

    for bad in [
        "?per_page=0",
        "?per_page=101",
        "?page=0",
        "?page=x",
        "?role=emperor",
        "?q=a%00b",
    ] {
        problem(users(&app, &admin, bad).await, 422).await;
    }
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
