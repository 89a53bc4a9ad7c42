//! Operational endpoints: liveness, readiness, the OpenAPI document and Swagger UI, request
//! ids.

use std::time::{Duration, Instant};

use crate::fixtures::openapi_document;
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
async fn unknown_routes_and_wrong_methods_are_problem_documents() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/no-such-route"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let wrong_method = app
        .client
        .delete(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(wrong_method.status(), 405);
    let problem: serde_json::Value = wrong_method.json().await.expect("problem json");
    assert_eq!(problem["code"], "method_not_allowed");
    app.stop().await;
}

#[tokio::test]
async fn every_operation_id_in_the_openapi_document_is_unique() {
    let doc = commerce::http::openapi_document();
    let mut seen = std::collections::HashSet::new();
    for (path, item) in &doc.paths.paths {
        let value = serde_json::to_value(item).expect("serialises");
        for (method, operation) in value.as_object().expect("object") {
            if let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) {
                assert!(
                    seen.insert(id.to_string()),
                    "duplicate operationId {id} at {method} {path}"
                );
            }
        }
    }
    assert!(seen.len() > 30, "every route documented: {}", seen.len());
}

#[tokio::test]
async fn request_bodies_over_the_limit_are_refused_before_parsing() {
    let app = spawn_app_with(&[("MAX_BODY_BYTES", "1024")]).await;
    let huge = format!("{{\"email\":\"{}@example.com\"}}", "a".repeat(4096));
    let response = app
        .client
        .post(app.api("/auth/password-reset"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    let problem: serde_json::Value = response.json().await.expect("problem json");
    assert_eq!(problem["code"], "payload_too_large");
    app.stop().await;
}

#[tokio::test]
async fn clients_over_the_rate_limit_get_429_with_retry_after() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_SECOND", "3")]).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = app
            .client
            .get(app.api("/products"))
            .send()
            .await
            .expect("request");
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    // Operational routes are not limited.
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(health.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", "https://shop.example")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.api("/products"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    let allowed = preflight("https://shop.example").await.expect("request");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let other = preflight("https://evil.example").await.expect("request");
    assert!(!other.headers().contains_key("access-control-allow-origin"));
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
    // One event waits for a relay (this app runs none): the engine opening the default store.
    assert_eq!(body["relay_backlog"]["detail"], "1 events");
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
    let doc = openapi_document(&app).await;
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

#[tokio::test]
async fn metrics_expose_relay_backlog_and_projection_lag() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/plain"));
    let body = response.text().await.expect("text");
    // The engine's one event so far, its opening of the default store, is neither published
    // nor sealed: this app runs no relay and no sealer.
    assert!(body.contains("commerce_relay_backlog_events 1"), "{body}");
    assert!(body.contains("commerce_audit_unsealed_events 1"), "{body}");
    assert!(
        body.contains("# TYPE commerce_projection_lag_events gauge"),
        "{body}"
    );
    assert!(body.contains("commerce_metrics_errors"), "{body}");
    app.stop().await;
}
