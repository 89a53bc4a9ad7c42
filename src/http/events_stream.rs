//! `GET events/stream`: a live tail of the event feed as server-sent events.
//!
//! Each event is sent as `id: <position>`, `event: <EventType>`, `data: <the feed item>`, in
//! the feed's commit-safe order from `after` (or the `Last-Event-ID` header a reconnecting
//! browser sends, which wins). The stream wakes on the `events_appended` notification (one
//! `LISTEN` connection per process, shared by every stream through [`LiveFeed`]) and polls as
//! a fallback; comments keep idle connections alive. Streams end when the server shuts down.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use commerce_aggregates::Role;
use commerce_eventlog::reader::Position;
use commerce_runtime::Backoff;
use futures_util::Stream;
use serde::Deserialize;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};
use utoipa::IntoParams;

use super::auth::AuthUser;
use super::error::{ApiError, Problem};
use super::events::{parse_types, read_page, resolve, FeedFilter};
use super::extract::ApiQuery;
use super::AppState;
use crate::listen;
use crate::shutdown::Shutdown;
use commerce_eventlog::notify::NOTIFY_CHANNEL;

/// Events read per round trip while catching up.
const BATCH: i64 = 500;
/// How often a stream looks for new events when no notification arrives (the horizon can
/// also move when an unrelated transaction ends).
const FALLBACK_POLL: Duration = Duration::from_secs(1);

/// The wait before reading the log again after a read failed.
const READ_BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(400), Duration::from_millis(6_400));
/// Interval of the keep-alive comments.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Events buffered between the reader and a slow client.
const BUFFER: usize = 256;

/// Where to start and which events (`GET events/stream`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The position of the last event received; 0 or absent: from the first event. A
    /// `Last-Event-ID` header takes precedence.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Only these event types, comma-separated; absent: all.
    pub types: Option<String>,
}

/// The process's shared wake-up for streams: a counter bumped on every `events_appended`
/// notification (the listener starts with the first stream), and the shutdown signal that
/// ends every stream.
#[derive(Clone)]
pub struct LiveFeed {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    shutdown: Shutdown,
    notified: OnceLock<watch::Receiver<u64>>,
}

impl LiveFeed {
    /// The wake-up of a process serving HTTP from `pool`, until `shutdown`.
    pub fn new(pool: PgPool, shutdown: Shutdown) -> Self {
        Self {
            inner: Arc::new(Inner {
                pool,
                shutdown,
                notified: OnceLock::new(),
            }),
        }
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner
            .notified
            .get_or_init(|| {
                let (sender, receiver) = watch::channel(0);
                tokio::spawn(listen::run(
                    self.inner.pool.clone(),
                    Appended(sender),
                    self.inner.shutdown.clone(),
                ));
                receiver
            })
            .clone()
    }
}

/// The `events_appended` listener of the live streams: a counter bumped on every
/// notification, and once more on each (re)connection, when notifications may have been missed.
struct Appended(watch::Sender<u64>);

impl Appended {
    fn bump(&self) {
        self.0.send_modify(|count| *count = count.wrapping_add(1));
    }
}

#[async_trait::async_trait]
impl listen::Subscriber for Appended {
    fn channel(&self) -> &'static str {
        NOTIFY_CHANNEL
    }

    async fn connected(&self, _pool: &PgPool) -> Result<(), sqlx::Error> {
        self.bump();
        Ok(())
    }

    fn notified(&self, _payload: &str) {
        self.bump();
    }

    fn disconnected(&self) {}
}

/// Tails the stored events as server-sent events (admins and auditors).
///
/// Sends every event after `after` (or `Last-Event-ID`) in the feed's commit-safe order, then
/// each new one as it commits: `id` is the event's position, `event` its type, `data` the same
/// JSON item as `GET events`. Reconnecting with the last `id` received continues without gap
/// or duplicate. Comments (`:`) keep the connection alive; the stream ends when the server
/// shuts down.
#[utoipa::path(
    get,
    path = "/events/stream",
    operation_id = "stream_events",
    tag = "events",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "The `id` of the last event received; resumes after it (wins over `after`)"),
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "An endless `text/event-stream` of feed items", content_type = "text/event-stream", body = String),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `after`, `Last-Event-ID` or `types`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn stream(
    State(state): State<AppState>,
    user: AuthUser,
    live: Option<Extension<LiveFeed>>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let filter = FeedFilter {
        types: parse_types(query.types.as_deref())?,
        ..FeedFilter::default()
    };
    let after = start(&state.pool, &headers, query.after).await?;
    Ok(open(
        &state.pool,
        live.map(|Extension(live)| live),
        after,
        filter,
    ))
}

/// Where a stream starts: after the `Last-Event-ID` a reconnecting browser sends, else after
/// `after` (0 or absent: from the first event); 422 when it names no stored event.
pub(crate) async fn start(
    pool: &PgPool,
    headers: &HeaderMap,
    after: Option<i64>,
) -> Result<Position, ApiError> {
    match headers.get("last-event-id") {
        Some(value) => {
            let id = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::invalid_field("Last-Event-ID", "must be an event position")
                })?;
            resolve(pool, id, "Last-Event-ID").await
        }
        None => resolve(pool, after.unwrap_or(0), "after").await,
    }
}

/// The server-sent events of what `filter` keeps after `after`, woken by `live` when the
/// process has one (else polled): the stream of `GET events/stream` and of the back office's
/// live view.
pub(crate) fn open(
    pool: &PgPool,
    live: Option<LiveFeed>,
    after: Position,
    filter: FeedFilter,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (sender, receiver) = mpsc::channel(BUFFER);
    let (notified, shutdown) = match live {
        Some(live) => (Some(live.subscribe()), Some(live.inner.shutdown.clone())),
        None => (None, None),
    };
    tokio::spawn(produce(
        pool.clone(),
        after,
        filter,
        sender,
        notified,
        shutdown,
    ));
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok(event), receiver))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

/// Reads pages from `position` and sends them until the client leaves or the server stops.
async fn produce(
    pool: PgPool,
    mut position: Position,
    filter: FeedFilter,
    sender: mpsc::Sender<Event>,
    mut notified: Option<watch::Receiver<u64>>,
    shutdown: Option<Shutdown>,
) {
    let stopped = || shutdown.as_ref().is_some_and(Shutdown::is_triggered);
    let mut failures = 0u32;
    while !stopped() {
        if let Some(notified) = notified.as_mut() {
            // Everything notified so far is covered by the read below.
            notified.mark_unchanged();
        }
        match read_page(&pool, position, BATCH, &filter).await {
            Ok(read) => {
                failures = 0;
                let full = i64::try_from(read.events.len()).unwrap_or(i64::MAX) >= BATCH;
                for item in read.events {
                    let event = Event::default()
                        .id(item.position.to_string())
                        .event(item.event_type.clone())
                        .json_data(&item);
                    let Ok(event) = event else {
                        tracing::error!(position = item.position, "event not serialisable");
                        return;
                    };
                    if sender.send(event).await.is_err() || stopped() {
                        return;
                    }
                }
                position = read.next;
                if full {
                    continue;
                }
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                tracing::warn!(%error, failures, "event stream read failed, retrying");
            }
        }
        let wait = if failures > 0 {
            READ_BACKOFF.after(failures)
        } else {
            FALLBACK_POLL
        };
        let woken = async {
            let changed = match notified.as_mut() {
                Some(notified) => notified.changed().await.is_ok(),
                None => false,
            };
            if !changed {
                // No listener (or it is gone): the fallback poll alone wakes the stream.
                std::future::pending::<()>().await;
            }
        };
        let stop = async {
            match &shutdown {
                Some(shutdown) => shutdown.wait().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(wait) => {}
            _ = sender.closed() => return,
            _ = stop => return,
        }
    }
}
