//! Event feeds for analytics: the HTTP feed (`GET events`), its server-sent-events tail
//! (`GET events/stream`), the AsyncAPI document, `commerce tail`, and schema evolution (an
//! event stored in an old version still loads and projects).

pub mod asyncapi;
mod feed;
mod schema_check;
mod stream;
mod tail;
mod upcast;
// The pipeline tests' mixed workload (every aggregate, most event types), reused as is: that
// module is private to `pipeline`, so it is compiled here a second time.
#[allow(clippy::duplicate_mod)]
#[path = "../pipeline/workload.rs"]
mod workload;

use commerce_aggregates::Role;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::TestApp;

/// An auditor's token: analytics consumers read the feed with one.
pub fn auditor(app: &TestApp) -> String {
    app.token(Role::Auditor).1
}

/// `GET /api/v1/events<query>` with `token`: (status, body).
pub async fn get_feed(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .get(app.api(&format!("/events{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("feed request");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Follows `next_after` from `after` with pages of `limit` until a page comes back empty;
/// every event received, and the position to continue from.
pub async fn follow(app: &TestApp, token: &str, after: i64, limit: u32) -> (Vec<Value>, i64) {
    let mut after = after;
    let mut events = Vec::new();
    loop {
        let (status, page) = get_feed(app, token, &format!("?after={after}&limit={limit}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let batch = page["events"].as_array().expect("events").clone();
        after = page["next_after"].as_i64().expect("next_after");
        if batch.is_empty() {
            return (events, after);
        }
        events.extend(batch);
    }
}

/// Every stored event id in the store's commit-safe order.
pub async fn stored_order(pool: &PgPool) -> Vec<Uuid> {
    sqlx::query_scalar("SELECT event_id FROM events ORDER BY commit_xid, global_position")
        .fetch_all(pool)
        .await
        .expect("event ids")
}

/// The `event_id`s of feed items.
pub fn ids(events: &[Value]) -> Vec<Uuid> {
    events
        .iter()
        .map(|e| {
            e["event_id"]
                .as_str()
                .expect("event_id")
                .parse()
                .expect("uuid")
        })
        .collect()
}

/// Asserts `ids` has no duplicate.
#[track_caller]
pub fn assert_unique(ids: &[Uuid]) {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        ids.len(),
        "duplicates among {} events",
        ids.len()
    );
}

/// Inserts an event row directly (as postgres-es or an older engine would have), inside `tx`.
pub async fn insert_raw(
    tx: &mut sqlx::PgConnection,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
    (event_type, event_version): (&str, &str),
    payload: &Value,
) {
    sqlx::query(
        "INSERT INTO events
             (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ($1, $2, $3, $4, $5, $6,
                 '{\"actor_id\":\"test\",\"actor_role\":\"admin\",\"correlation_id\":\"c\",
                   \"causation_id\":\"c\",\"request_id\":\"r\"}')",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(sequence)
    .bind(event_type)
    .bind(event_version)
    .bind(payload)
    .execute(tx)
    .await
    .expect("raw insert");
}
