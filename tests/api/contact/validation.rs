//! Bad input to `POST contact` gets a 4xx problem and writes nothing: no event, no throttle
//! row (so a refused message does not count against the sender either).

use reqwest::Method;
use serde_json::{json, Value};

use super::{engine, event_count};
use crate::client::Reply;
use crate::helpers::TestApp;

async fn throttle_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM contact_submissions")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

fn valid() -> Value {
    json!({
        "name": "Ann Smith",
        "email": "ann@example.com",
        "subject": "Where is my order?",
        "message": "Hello"
    })
}

/// [`valid`] with `field` set to `value` (or removed for `Null`).
fn with(field: &str, value: Value) -> Value {
    let mut body = valid();
    let object = body.as_object_mut().expect("object");
    if value.is_null() {
        object.remove(field);
    } else {
        object.insert(field.into(), value);
    }
    body
}

#[tokio::test]
async fn invalid_fields_are_422_with_field_errors_and_write_nothing() {
    let engine = engine(&[("CONTACT_MESSAGES_PER_HOUR", "100")]).await;
    let app = &engine.app;
    let before = event_count(app).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("blank name", with("name", json!("   ")), "name"),
        ("long name", with("name", json!("n".repeat(101))), "name"),
        ("blank subject", with("subject", json!("")), "subject"),
        (
            "long subject",
            with("subject", json!("s".repeat(201))),
            "subject",
        ),
        ("blank message", with("message", json!(" \n ")), "message"),
        (
            "long message",
            with("message", json!("m".repeat(5001))),
            "message",
        ),
        (
            "bad email",
            with("email", json!("ann at example.com")),
            "email",
        ),
        (
            "email with a header",
            with("email", json!("a@b.co\r\nBcc: x@y.z")),
            "email",
        ),
        (
            "header in the subject",
            with("subject", json!("Hi\r\nBcc: all@example.com")),
            "subject",
        ),
        (
            "header in the name",
            with("name", json!("Ann\nBcc: all@example.com")),
            "name",
        ),
        (
            "control character",
            with("message", json!("bell \u{7}")),
            "message",
        ),
    ];
    for (case, body, field) in cases {
        let reply = app
            .anonymous()
            .send_json(Method::POST, "/contact", &body)
            .await;
        reply.problem(422, "validation_failed");
        let fields: Vec<&str> = reply.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{case}: no field errors: {}", reply.text))
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, [field], "{case}: {}", reply.text);
    }
    let everything = json!({"name": "", "email": "x", "subject": " ", "message": ""});
    let reply = app
        .anonymous()
        .send_json(Method::POST, "/contact", &everything)
        .await;
    assert_eq!(
        reply.body["errors"].as_array().map(Vec::len),
        Some(4),
        "{}",
        reply.text
    );
    assert_eq!(event_count(app).await, before);
    assert_eq!(throttle_rows(app).await, 0);
}

#[tokio::test]
async fn malformed_bodies_are_refused_and_write_nothing() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let before = event_count(app).await;
    let anonymous = app.anonymous();
    let send_raw =
        |body: &'static str| anonymous.request(Method::POST, "/contact").raw(body).send();
    for field in ["name", "email", "subject", "message"] {
        let reply = anonymous
            .send_json(Method::POST, "/contact", &with(field, Value::Null))
            .await;
        reply.problem(422, "validation_failed");
    }
    let unknown = with("phone", json!("555"));
    anonymous
        .send_json(Method::POST, "/contact", &unknown)
        .await
        .problem(422, "validation_failed");
    anonymous
        .send_json(Method::POST, "/contact", &with("name", json!(42)))
        .await
        .problem(422, "validation_failed");
    anonymous
        .send_json(Method::POST, "/contact", &with("message", json!("a\u{0}b")))
        .await
        .problem(422, "validation_failed");
    let array: Reply = send_raw(r#"["Ann", "ann@example.com", "Hi", "Hello"]"#).await;
    array.problem(422, "validation_failed");
    send_raw("{\"name\": ").await.problem(400, "malformed_json");
    anonymous
        .request(Method::POST, "/contact")
        .bytes("text/plain", b"name=Ann".to_vec())
        .send()
        .await
        .problem(415, "unsupported_media_type");
    let huge = json!({"name": "Ann", "email": "a@b.co", "subject": "Hi",
                      "message": "x".repeat(300_000)});
    anonymous
        .send_json(Method::POST, "/contact", &huge)
        .await
        .problem(413, "payload_too_large");
    assert_eq!(event_count(app).await, before);
    assert_eq!(throttle_rows(app).await, 0);
}
