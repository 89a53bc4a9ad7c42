//! Bodies over `MAX_BODY_BYTES` are refused with a 413 problem before anything parses them:
//! an oversized body that is not even JSON gets 413 (a parser would have answered 400), sized
//! or chunked, on public, authenticated, idempotent and raw-body routes; and a `Content-Length`
//! over the limit is answered at once, while the body has not arrived (and never will).

use std::time::Duration;

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{rows, StoreMark};
use crate::helpers::{spawn_app_with, TestApp};

const LIMIT: usize = 1024;

/// Not JSON at all, and four times the limit.
fn oversized_garbage() -> String {
    format!("{{\"email\": {}", "x".repeat(4 * LIMIT))
}

/// `(path, bearer token, idempotency key)` of routes that read a body.
fn targets(app: &TestApp) -> Vec<(&'static str, Option<String>, Option<&'static str>)> {
    let admin = app.token(Role::Admin).1;
    let customer = app.token(Role::Customer).1;
    vec![
        ("/auth/register", None, None),
        ("/auth/login", None, None),
        ("/auth/logout", Some(customer.clone()), None),
        ("/payments/webhook", None, None),
        ("/products", Some(admin.clone()), None),
        ("/products", Some(admin), Some("big-product")),
        ("/carts", Some(customer), Some("big-cart")),
    ]
}

/// The status, content type and body of `request`.
async fn answer(request: reqwest::RequestBuilder) -> (u16, String, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

#[tokio::test]
async fn oversized_bodies_that_are_not_even_json_are_413_not_400() {
    let max = LIMIT.to_string();
    let app = spawn_app_with(&[("MAX_BODY_BYTES", max.as_str())]).await;
    // Under the limit the same garbage reaches the parser, which says 400.
    let small = app
        .anonymous()
        .request(Method::POST, "/auth/register")
        .raw("{\"email\": xxxx")
        .send()
        .await;
    small.problem(400, "malformed_json");
    let mark = StoreMark::of(&app).await;

    for (path, token, key) in targets(&app) {
        for chunked in [false, true] {
            let mut request = app
                .client
                .post(app.api(path))
                .header("content-type", "application/json");
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            if let Some(key) = key {
                request = request.header("idempotency-key", key);
            }
            request = if chunked {
                let pieces: Vec<Result<String, std::io::Error>> = oversized_garbage()
                    .as_bytes()
                    .chunks(256)
                    .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
                    .collect();
                request.body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    pieces,
                )))
            } else {
                request.body(oversized_garbage())
            };
            let (status, content_type, body) = answer(request).await;
            let what = format!("{path} (key {key:?}, chunked {chunked})");
            assert_eq!(status, 413, "{what}: {body}");
            assert_eq!(content_type, "application/problem+json", "{what}");
            assert_eq!(body["code"], "payload_too_large", "{what}: {body}");
        }
    }
    mark.assert_unchanged(&StoreMark::of(&app).await, "oversized bodies");
    for table in [
        "users",
        "idempotency_keys",
        "login_failures",
        "payment_webhook_events",
    ] {
        assert_eq!(rows(&app, table).await, 0, "{table}");
    }
    app.stop().await;
}

/// Sends the head of a request announcing `content_length` bytes and the first few of them,
/// then waits for the answer without sending the rest; the raw response.
async fn announce_and_stall(app: &TestApp, head: &str, content_length: usize) -> String {
    let mut socket = TcpStream::connect(app.addr).await.expect("connect");
    let request = format!(
        "{head}\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: \
         {content_length}\r\n\r\n{{\"email\": \"",
        app.addr
    );
    socket.write_all(request.as_bytes()).await.expect("write");
    socket.flush().await.expect("flush");
    // The body never comes: an engine that waits for it never answers. The bound only keeps a
    // failing run from hanging; it is not a speed requirement.
    let read = async {
        let mut raw = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let n = socket.read(&mut buffer).await.expect("read");
            raw.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&raw).into_owned();
            if n == 0 || complete(&text) {
                return text;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .unwrap_or_else(|_| panic!("{head}: no answer while the body is missing"))
}

/// Whether `raw` holds a whole response (head and a body of its `content-length`).
fn complete(raw: &str) -> bool {
    let Some((head, body)) = raw.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    body.len() >= length
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_arrives() {
    let max = LIMIT.to_string();
    let app = spawn_app_with(&[("MAX_BODY_BYTES", max.as_str())]).await;
    let admin = app.token(Role::Admin).1;
    let mark = StoreMark::of(&app).await;
    for head in [
        "POST /api/v1/auth/register HTTP/1.1".to_string(),
        format!("POST /api/v1/products HTTP/1.1\r\nAuthorization: Bearer {admin}"),
        format!(
            "POST /api/v1/products HTTP/1.1\r\nAuthorization: Bearer {admin}\r\n\
             Idempotency-Key: stalled"
        ),
        "POST /api/v1/payments/webhook HTTP/1.1".to_string(),
    ] {
        let raw = announce_and_stall(&app, &head, 10 * 1024 * 1024).await;
        let first_line = raw.lines().next().unwrap_or_default().to_string();
        assert!(first_line.starts_with("HTTP/1.1 413"), "{head}: {raw}");
        let lower = raw.to_ascii_lowercase();
        assert!(
            lower.contains("content-type: application/problem+json"),
            "{raw}"
        );
        assert!(raw.contains("\"payload_too_large\""), "{raw}");
    }
    // Just over the limit is refused the same way; at the limit the body is read (and parsed).
    let raw = announce_and_stall(&app, "POST /api/v1/auth/login HTTP/1.1", LIMIT + 1).await;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    mark.assert_unchanged(&StoreMark::of(&app).await, "announced oversized bodies");
    for table in ["users", "idempotency_keys", "payment_webhook_events"] {
        assert_eq!(rows(&app, table).await, 0, "{table}");
    }
    app.stop().await;
}
