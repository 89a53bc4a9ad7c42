//! `GET events/stream`: server-sent events from a position, live as commands commit,
//! resumable with `Last-Event-ID` without gap or duplicate, ended by server shutdown.

use std::pin::Pin;
use std::time::Duration;

use commerce_aggregates::Role;
use futures_util::{Stream, StreamExt};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use super::{assert_unique, auditor, ids, stored_order, workload};
use crate::helpers::{admin_metadata, spawn_app, TestApp};
use crate::products::create_product;

/// One server-sent event.
#[derive(Debug)]
struct Sse {
    id: String,
    event: String,
    data: Value,
}

/// A response body as chunks.
type Body = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>;

/// Reads server-sent events off a response body.
struct SseReader {
    body: Body,
    buffer: String,
}

impl SseReader {
    /// The next event (comments skipped); `None` when the stream ended.
    async fn next(&mut self) -> Option<Sse> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    let data = serde_json::from_str(&data).expect("data is JSON");
                    return Some(Sse { id, event, data });
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.body.next())
                .await
                .expect("an event within 20 s");
            match chunk {
                Some(Ok(bytes)) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// The next `count` events.
    async fn take(&mut self, count: usize) -> Vec<Sse> {
        let mut events = Vec::with_capacity(count);
        while events.len() < count {
            events.push(self.next().await.expect("the stream goes on"));
        }
        events
    }
}

async fn open(app: &TestApp, token: &str, query: &str, last_event_id: Option<&str>) -> SseReader {
    let mut request = app
        .client
        .get(app.api(&format!("/events/stream{query}")))
        .bearer_auth(token);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = request.send().await.expect("stream opens");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    SseReader {
        body: Box::pin(
            response
                .bytes_stream()
                .map(|chunk| chunk.map(|b| b.to_vec())),
        ),
        buffer: String::new(),
    }
}

fn data(events: &[Sse]) -> Vec<Value> {
    events.iter().map(|e| e.data.clone()).collect()
}

async fn stored_count(app: &TestApp) -> usize {
    stored_order(&app.db.pool).await.len()
}

#[tokio::test]
async fn the_stream_replays_then_tails_and_resumes_after_the_last_event_id() {
    let app = spawn_app().await;
    let token = auditor(&app);
    workload::run(&app.stores, 0).await;
    let history = stored_count(&app).await;

    let mut stream = open(&app, &token, "?after=0", None).await;
    let mut received = stream.take(history).await;
    for event in &received {
        assert_eq!(event.id, event.data["position"].to_string());
        assert_eq!(
            event.event,
            event.data["event_type"].as_str().expect("type")
        );
    }
    // Live: events committed while connected arrive as they commit.
    workload::run(&app.stores, 1).await;
    let live = stored_count(&app).await - history;
    received.extend(stream.take(live).await);
    drop(stream);

    // A reconnect with the id of an event in the middle continues right after it.
    let middle = history / 2;
    let mut resumed = open(&app, &token, "?after=0", Some(&received[middle].id)).await;
    workload::run(&app.stores, 2).await;
    let total = stored_count(&app).await;
    let rest = resumed.take(total - middle - 1).await;
    assert_eq!(
        data(&rest[..received.len() - middle - 1]),
        data(&received[middle + 1..])
    );

    let mut all = data(&received[..=middle]);
    all.extend(data(&rest));
    let all_ids = ids(&all);
    assert_unique(&all_ids);
    assert_eq!(all_ids, stored_order(&app.db.pool).await);
}

#[tokio::test]
async fn the_stream_filters_types_and_refuses_bad_input() {
    let app = spawn_app().await;
    let token = auditor(&app);
    workload::run(&app.stores, 0).await;
    let mut stream = open(&app, &token, "?types=OrderPlaced", None).await;
    let placed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'OrderPlaced'")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    let events = stream.take(usize::try_from(placed).expect("count")).await;
    assert!(events.iter().all(|e| e.event == "OrderPlaced"));
    drop(stream);

    let get = |query: &str, header: Option<&str>, token: &str| {
        let mut request = app
            .client
            .get(app.api(&format!("/events/stream{query}")))
            .bearer_auth(token);
        if let Some(id) = header {
            request = request.header("Last-Event-ID", id);
        }
        request.send()
    };
    for (query, header, code) in [
        ("?types=Nope", None, "unknown_event_type"),
        ("?after=-4", None, "validation_failed"),
        ("", Some("abc"), "validation_failed"),
        ("", Some("987654"), "unknown_position"),
    ] {
        let response = get(query, header, &token).await.expect("sent");
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query} {header:?}"
        );
        let body: Value = response.json().await.expect("problem");
        assert_eq!(body["code"], code);
    }
    let customer = app.token(Role::Customer).1;
    let response = get("", None, &customer).await.expect("sent");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn open_streams_end_when_the_server_shuts_down() {
    let app = spawn_app().await;
    let token = auditor(&app);
    let id = Uuid::new_v4();
    app.stores
        .products
        .execute(
            &id.to_string(),
            create_product(id, "SSE-1", 3),
            &admin_metadata(),
            None,
        )
        .await
        .expect("created");
    let mut stream = open(&app, &token, "", None).await;
    let first: Vec<String> = stream.take(2).await.into_iter().map(|e| e.event).collect();
    assert_eq!(
        first,
        ["StoreCreated", "ProductCreated"],
        "the default store opens first"
    );
    // The server stops within bounds although a client is still connected...
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the server stops with a stream open");
    // ...and the stream has ended.
    assert!(stream.next().await.is_none());
}
