//! The event feed for consumers without NATS: `GET events?after=<position>&limit&types` pages
//! the stored events, and `GET events/stream` tails them as server-sent events
//! ([`super::events_stream`]). Admins and auditors only: events carry customers' addresses
//! and emails.
//!
//! **Order and completeness.** A global position is allocated when an event is inserted, not
//! when its transaction commits, so paging by `global_position > after` could step over an
//! event whose transaction took a lower position and committed later. The feed therefore
//! serves events in the store's commit-safe order, `(commit_xid, global_position)` — the
//! order the relay publishes to JetStream — and only below the committed horizon
//! (`pg_snapshot_xmin(pg_current_snapshot())`): an event is served only once every
//! transaction that could still commit something before it has finished. `after` names the
//! last event received (its position); the next page continues right after that event's
//! place in the order. A consumer that follows `next_after` sees every event exactly once, in
//! order, and never an event that could later be preceded by another.

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use commerce_aggregates::Role;
use commerce_eventlog::reader::{
    begin_snapshot, decode_row, last_below_snapshot, parse_xid, read_rows, Horizon, Position,
    ReadFilter,
};
use commerce_eventlog::Envelope;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::auth::AuthUser;
use super::error::{ApiError, FieldError, Problem};
use super::events_stream;
use super::extract::ApiQuery;
use super::AppState;

/// Events per page when `limit` is absent.
pub const DEFAULT_LIMIT: i64 = 100;
/// Most events per page.
pub const MAX_LIMIT: i64 = 1000;

/// The feed's routes, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(list))
        .route("/events/stream", get(events_stream::stream))
}

/// The OpenAPI description of the feed.
#[derive(OpenApi)]
#[openapi(
    paths(list, events_stream::stream),
    components(schemas(FeedEvent, FeedPage, Problem, FieldError)),
    tags((name = "events", description = "The event feed: every stored event, in commit-safe order"))
)]
pub struct Api;

/// Where to start and which events (`GET events`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `position` of the last event received (the previous page's `next_after`); 0 or
    /// absent: from the first event. Must name a stored event.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Events per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only these event types, comma-separated (`OrderPlaced,OrderPaid`); absent: all.
    pub types: Option<String>,
}

/// One stored event, as published on JetStream (payload in its current version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeedEvent {
    /// Its global position: pass it as `after` (or `Last-Event-ID`) to continue after it.
    pub position: i64,
    /// Stable identity (the `Nats-Msg-Id` on JetStream).
    pub event_id: Uuid,
    /// Its JetStream subject, `commerce.<aggregate>.<aggregate_id>.<EventType>`.
    #[schema(example = "commerce.order.7d1e0b6c-9c3a-4f7e-8a51-3f7d2a9c0e11.OrderPaid")]
    pub subject: String,
    /// `product`, `cart`, `order`, `coupon` or `account`.
    pub aggregate_type: String,
    /// The aggregate's id (a UUID, or a coupon code).
    pub aggregate_id: String,
    /// Position in the aggregate's stream, from 1.
    pub sequence: i64,
    /// e.g. `OrderPaid` (see `/asyncapi.json` for every type's schema).
    pub event_type: String,
    /// Payload version, e.g. `1.0`.
    pub event_version: String,
    /// When it was stored.
    pub recorded_at: DateTime<Utc>,
    /// `actor_id`, `actor_role`, `correlation_id`, `causation_id`, `request_id`.
    #[schema(value_type = HashMap<String, String>)]
    pub metadata: HashMap<String, String>,
    /// The event, `{"<EventType>": {fields}}`.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// One page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeedPage {
    /// The events, in commit-safe order.
    pub events: Vec<FeedEvent>,
    /// Pass as `after` to get the next page: the last event returned, or further on when
    /// `types` filtered events out, or `after` again when nothing new is committed yet.
    pub next_after: i64,
}

/// Pages the stored events in commit-safe order (admins and auditors).
///
/// Events come in `(commit transaction, global position)` order — the order they are
/// published to JetStream — and only once no transaction still running could commit an
/// event before them. A consumer that follows `next_after` sees every event exactly once, in
/// order; an empty page means it has caught up (poll again, or use `GET events/stream`).
/// Positions are not consecutive and, across transactions, not always increasing.
#[utoipa::path(
    get,
    path = "/events",
    operation_id = "list_events",
    tag = "events",
    params(FeedQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The next events after `after`", body = FeedPage),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `after` (`unknown_position`), `limit` or `types` (`unknown_event_type`, listing the valid ones)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let filter = FeedFilter {
        types: parse_types(query.types.as_deref())?,
        ..FeedFilter::default()
    };
    let after = resolve(&state.pool, query.after.unwrap_or(0), "after").await?;
    let read = read_page(&state.pool, after, limit, &filter).await?;
    Ok(Json(FeedPage {
        events: read.events,
        next_after: read.next.global,
    }))
}

/// The event types of a comma-separated `types` (empty: all); 422 `unknown_event_type`
/// listing the valid ones when one is not an event type.
pub(crate) fn parse_types(raw: Option<&str>) -> Result<Vec<String>, ApiError> {
    let catalog = crate::asyncapi::catalog();
    let mut types = Vec::new();
    let mut unknown = Vec::new();
    for name in raw.unwrap_or_default().split(',').map(str::trim) {
        match catalog.get(name) {
            _ if name.is_empty() => {}
            Some(event) => types.push(event.name.clone()),
            None => unknown.push(name.chars().take(64).collect::<String>()),
        }
    }
    if !unknown.is_empty() {
        let valid = catalog.names().join(", ");
        let message = format!("unknown event types {unknown:?}; valid types: {valid}");
        return Err(ApiError::validation(
            format!("types: {message}"),
            vec![FieldError {
                field: "types".into(),
                message,
            }],
        )
        .with_code("unknown_event_type"));
    }
    types.sort_unstable();
    types.dedup();
    Ok(types)
}

/// The place in the commit-safe order of the event at global position `position` (0: the
/// start); 422 `unknown_position` when no event has it.
pub(crate) async fn resolve(
    pool: &PgPool,
    position: i64,
    field: &str,
) -> Result<Position, ApiError> {
    if position < 0 {
        return Err(ApiError::invalid_field(field, "must be at least 0"));
    }
    if position == 0 {
        return Ok(Position::default());
    }
    let xid: Option<String> =
        sqlx::query_scalar("SELECT commit_xid::text FROM events WHERE global_position = $1")
            .bind(position)
            .fetch_optional(pool)
            .await?;
    let Some(xid) = xid else {
        return Err(
            ApiError::invalid_field(field, "no stored event has this position")
                .with_code("unknown_position"),
        );
    };
    let xid = parse_xid(&xid).map_err(ApiError::internal)?;
    Ok(Position {
        xid,
        global: position,
    })
}

/// A page of the feed as read.
pub(crate) struct PageRead {
    /// The events, in commit order.
    pub events: Vec<FeedEvent>,
    /// Where the next page starts.
    pub next: Position,
}

/// Which events a reader of the feed wants (everything by default).
#[derive(Debug, Clone, Default)]
pub(crate) struct FeedFilter {
    /// Only these event types (all when empty).
    pub types: Vec<String>,
    /// Only events of this aggregate type.
    pub aggregate_type: Option<String>,
    /// Only events of the aggregate with this id.
    pub aggregate_id: Option<String>,
}

impl FeedFilter {
    fn is_narrowed(&self) -> bool {
        !self.types.is_empty() || self.aggregate_type.is_some() || self.aggregate_id.is_some()
    }

    fn keeps(&self, event: &FeedEvent) -> bool {
        self.aggregate_id
            .as_ref()
            .is_none_or(|id| *id == event.aggregate_id)
    }
}

/// Up to `limit` events after `after` (those `filter` keeps) below the committed horizon,
/// and where the next page starts.
pub(crate) async fn read_page(
    pool: &PgPool,
    after: Position,
    limit: i64,
    filter: &FeedFilter,
) -> Result<PageRead, sqlx::Error> {
    // One snapshot for both statements: the horizon cannot move between them.
    let mut tx = begin_snapshot(pool).await?;
    let aggregate_types: Vec<&str> = filter.aggregate_type.iter().map(String::as_str).collect();
    let read = ReadFilter {
        aggregate_types: &aggregate_types,
        event_types: &filter.types,
        ..ReadFilter::new(after, limit, Horizon::Snapshot)
    };
    let rows = read_rows(&mut tx, &read).await?;
    let mut next = after;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let (position, envelope) = decode_row(row)?;
        next = position;
        let event = FeedEvent::from(envelope);
        // The aggregate id is looked at here: the log's one commit-order read has no index
        // to serve it better.
        if filter.keeps(&event) {
            events.push(event);
        }
    }
    if filter.is_narrowed() && i64::try_from(rows.len()).unwrap_or(i64::MAX) < limit {
        // Everything below the horizon was looked at: continue after the events filtered
        // out too, so a consumer of rare types does not scan them again.
        if let Some(last) = last_below_snapshot(&mut tx, next).await? {
            next = last;
        }
    }
    tx.commit().await?;
    Ok(PageRead { events, next })
}

/// The `limit` most recent events `filter` keeps below the committed horizon, newest first,
/// and as `next` the last event below it (of any kind): a tail started after `next` misses
/// nothing and repeats nothing of what was read.
pub(crate) async fn read_recent(
    pool: &PgPool,
    limit: i64,
    filter: &FeedFilter,
) -> Result<PageRead, sqlx::Error> {
    let mut tx = begin_snapshot(pool).await?;
    let head = last_below_snapshot(&mut tx, Position::default()).await?;
    let aggregate_types: Vec<&str> = filter.aggregate_type.iter().map(String::as_str).collect();
    let read = ReadFilter {
        aggregate_types: &aggregate_types,
        aggregate_id: filter.aggregate_id.as_deref(),
        event_types: &filter.types,
        newest_first: true,
        ..ReadFilter::new(Position::default(), limit, Horizon::Snapshot)
    };
    let rows = read_rows(&mut tx, &read).await?;
    tx.commit().await?;
    let events = rows
        .iter()
        .map(|row| decode_row(row).map(|(_, envelope)| FeedEvent::from(envelope)))
        .collect::<Result<_, _>>()?;
    Ok(PageRead {
        events,
        next: head.unwrap_or_default(),
    })
}

impl From<Envelope> for FeedEvent {
    fn from(envelope: Envelope) -> Self {
        Self {
            position: envelope.global_position,
            event_id: envelope.event_id,
            subject: envelope.subject(),
            sequence: i64::try_from(envelope.sequence).unwrap_or(i64::MAX),
            aggregate_type: envelope.aggregate_type,
            aggregate_id: envelope.aggregate_id,
            event_type: envelope.event_type,
            event_version: envelope.event_version,
            recorded_at: envelope.recorded_at,
            metadata: envelope.metadata,
            payload: envelope.payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_validated_against_the_catalogue() {
        assert_eq!(parse_types(None).expect("none"), Vec::<String>::new());
        assert_eq!(
            parse_types(Some(" OrderPaid,OrderPlaced,,OrderPaid ")).expect("known"),
            vec!["OrderPaid".to_string(), "OrderPlaced".to_string()]
        );
        let error = parse_types(Some("OrderPaid,Nope")).expect_err("unknown");
        assert_eq!(error.code(), "unknown_event_type");
        assert_eq!(error.status().as_u16(), 422);
    }
}
