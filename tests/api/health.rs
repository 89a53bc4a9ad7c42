//! Operational endpoints.

use crate::helpers::spawn_app;

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
