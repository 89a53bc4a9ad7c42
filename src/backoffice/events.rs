//! The Events section: the most recent stored events (the feed of `GET /api/v1/events`, read
//! newest first), filtered by event type and aggregate type and id, kept live by a small
//! script of our own ([`SCRIPT`], served like the stylesheet) that subscribes with
//! `EventSource` to `/admin/events/stream` — the feed's own server-sent events
//! ([`events_stream::open`]) behind the session cookie — and prepends each new event.

use std::convert::Infallible;

use crate::backoffice::extract::PageQuery;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event, Sse};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::Stream;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

use super::layout::{instant, page};
use super::{PageError, Staff};
use crate::http::error::ApiError;
use crate::http::events::{parse_types, read_recent, FeedEvent, FeedFilter};
use crate::http::events_stream;
use crate::http::{AppState, LiveFeed};

/// Where the live view's script is served.
pub const SCRIPT_PATH: &str = "/admin/events.js";
/// Events the page shows when it opens.
const RECENT: i64 = 50;
/// The longest aggregate type or id a filter takes.
const MAX_FILTER_LENGTH: usize = 100;

/// The Events section's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/events", get(events_page))
        .route("/admin/events/stream", get(stream))
        .route(SCRIPT_PATH, get(script))
}

/// The filters (query string) of the page and of its stream; empty: no filter.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EventsQuery {
    /// An event type.
    #[serde(default, rename = "type")]
    event_type: String,
    /// An aggregate type (`order`, `product`, …).
    #[serde(default)]
    aggregate_type: String,
    /// An aggregate id.
    #[serde(default)]
    aggregate_id: String,
    /// The stream's start: the last event the page showed (see `Last-Event-ID` too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<i64>,
}

impl EventsQuery {
    /// The feed's filter; 400 for an unknown event type or an overlong field.
    fn filter(&self) -> Result<FeedFilter, PageError> {
        let text = |field: &str, value: &str| match value.trim() {
            "" => Ok(None),
            value if value.len() > MAX_FILTER_LENGTH => Err(PageError::BadRequest(format!(
                "{field}: at most {MAX_FILTER_LENGTH} characters"
            ))),
            value => Ok(Some(value.to_string())),
        };
        let types = parse_types(Some(&self.event_type))
            .map_err(|_| PageError::bad_request("unknown event type"))?;
        Ok(FeedFilter {
            types,
            aggregate_type: text("aggregate type", &self.aggregate_type)?,
            aggregate_id: text("aggregate id", &self.aggregate_id)?,
        })
    }
}

/// `GET /admin/events`.
pub async fn events_page(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PageQuery(query): PageQuery<EventsQuery>,
) -> Result<Markup, PageError> {
    let filter = query.filter()?;
    let recent = read_recent(&state.pool, RECENT, &filter)
        .await
        .map_err(ApiError::from)?;
    let stream = EventsQuery {
        after: Some(recent.next.global),
        event_type: query.event_type.clone(),
        aggregate_type: query.aggregate_type.clone(),
        aggregate_id: query.aggregate_id.clone(),
    };
    let stream_url = format!(
        "/admin/events/stream?{}",
        serde_urlencoded::to_string(&stream).unwrap_or_default()
    );
    let catalog = crate::asyncapi::catalog();
    // Named server-sent events reach only listeners of their name: the script listens to
    // the types the filter lets through.
    let listened = if filter.types.is_empty() {
        catalog.names().join(",")
    } else {
        filter.types.join(",")
    };
    let body = html! {
        p { a href="/admin/emails" { "Email log" } }
        form method="get" action="/admin/events" class="filters" {
            div {
                label for="type" { "Event type" }
                select id="type" name="type" {
                    option value="" { "All" }
                    @for name in catalog.names() {
                        option value=(name) selected[query.event_type == name] { (name) }
                    }
                }
            }
            div {
                label for="aggregate_type" { "Aggregate type" }
                input id="aggregate_type" name="aggregate_type" value=(query.aggregate_type) maxlength=(MAX_FILTER_LENGTH) placeholder="order";
            }
            div {
                label for="aggregate_id" { "Aggregate id" }
                input id="aggregate_id" name="aggregate_id" value=(query.aggregate_id) maxlength=(MAX_FILTER_LENGTH);
            }
            p { button type="submit" { "Filter" } }
        }
        p id="live-status" role="status" { "The " (RECENT) " most recent events; new ones appear at the top while this page is open." }
        div class="table-wrap" {
            table id="events" data-stream=(stream_url) data-types=(listened) {
                thead { tr { th { "Position" } th { "When" } th { "Stream" } th { "Event" } th { "By" } } }
                tbody {
                    @for event in &recent.events { (row(event)) }
                }
            }
        }
        script src=(SCRIPT_PATH) defer {}
    };
    Ok(page(&staff, "/admin/events", "Events", body))
}

/// One event as a row; the script builds the same cells for the events it receives.
fn row(event: &FeedEvent) -> Markup {
    let meta = |key: &str| event.metadata.get(key).map(String::as_str).unwrap_or("");
    html! {
        tr {
            td { (event.position) }
            td { (instant(&event.recorded_at)) }
            td { (event.aggregate_type) " " code { (event.aggregate_id) } " #" (event.sequence) }
            td { (event.event_type) }
            td { (meta("actor_role")) " " (meta("actor_id")) }
        }
    }
}

/// `GET /admin/events/stream`: the feed's server-sent events for the page's filters, from
/// `after` or the `Last-Event-ID` a reconnecting browser sends.
pub async fn stream(
    State(state): State<AppState>,
    _staff: Staff,
    live: Option<Extension<LiveFeed>>,
    headers: HeaderMap,
    PageQuery(query): PageQuery<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, PageError> {
    let filter = query.filter()?;
    let after = events_stream::start(&state.pool, &headers, query.after).await?;
    Ok(events_stream::open(
        &state.pool,
        live.map(|Extension(live)| live),
        after,
        filter,
    ))
}

/// `GET /admin/events.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
}

/// The live view: rows built with `textContent` only (event data is never parsed as HTML);
/// the browser's `EventSource` reconnects by itself with the last id it received.
const SCRIPT: &str = r#""use strict";
(function () {
  var table = document.getElementById("events");
  if (!table || !window.EventSource) { return; }
  var body = table.tBodies[0];
  var status = document.getElementById("live-status");
  var MAX_ROWS = 500;
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function show(message) {
    var item = JSON.parse(message.data);
    var meta = item.metadata || {};
    var row = document.createElement("tr");
    row.className = "new";
    cell(row, String(item.position));
    cell(row, item.recorded_at.slice(0, 16).replace("T", " ") + " UTC");
    var stream = cell(row, item.aggregate_type + " ");
    var id = document.createElement("code");
    id.textContent = item.aggregate_id;
    stream.appendChild(id);
    stream.appendChild(document.createTextNode(" #" + item.sequence));
    cell(row, item.event_type);
    cell(row, (meta.actor_role || "") + " " + (meta.actor_id || ""));
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) { body.deleteRow(body.rows.length - 1); }
  }
  var source = new EventSource(table.dataset.stream);
  table.dataset.types.split(",").forEach(function (type) {
    if (type) { source.addEventListener(type, show); }
  });
  source.onopen = function () {
    status.textContent = "Live: new events appear at the top.";
    table.dataset.live = "open";
  };
  source.onerror = function () { status.textContent = "Reconnecting to the live events…"; };
})();
"#;
