//! Operational endpoints: liveness, readiness, the OpenAPI document and Swagger UI, request
//! ids.

use std::time::{Duration, Instant};

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_answers_200_with_status_ok() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json body");
    assert_eq!(body["status"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_are_404() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/no-such-route"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn readyz_is_ready_when_postgres_and_nats_answer() {
    let app = spawn_app().await;
    let started = Instant::now();
    let body = loop {
        let response = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .expect("request");
        if response.status() == 200 {
            break response.json::<serde_json::Value>().await.expect("json");
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(body["status"], "ready");
    assert_eq!(body["postgres"]["ok"], true);
    assert_eq!(body["nats"]["ok"], true);
    assert_eq!(body["relay_backlog"]["detail"], "0 events");
    app.stop().await;
}

#[tokio::test]
async fn readyz_is_503_with_retry_after_when_nats_is_unreachable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("nats://127.0.0.1:{closed}");
    let app = spawn_app_with(&[("NATS_URL", &url)]).await;
    let response = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["nats"]["ok"], false);
    assert_eq!(body["postgres"]["ok"], true);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_and_swagger_ui_are_served() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    assert!(doc["paths"]["/readyz"].is_object());
    let docs = app
        .client
        .get(app.url("/docs/"))
        .send()
        .await
        .expect("request");
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.expect("html").contains("swagger-ui"));
    app.stop().await;
}

#[tokio::test]
async fn responses_carry_the_request_id_given_or_generated() {
    let app = spawn_app().await;
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .expect("request");
    assert_eq!(given.headers()["x-request-id"], "trace-me-42");
    let generated = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    let id = generated.headers()["x-request-id"].to_str().expect("ascii");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    app.stop().await;
}
