//! What the order page links to: its invoice (the document `GET orders/{id}/invoice` serves),
//! the order as it was at an instant (rebuilt from its events, as `GET orders/{id}?as_of=`),
//! and its whole history with actors and chain links (as `GET orders/{id}/history`). The
//! last two read the event store, as only history, as-of and audit pages may.

use crate::backoffice::extract::{PagePath, PageQuery};
use axum::extract::State;
use axum::response::Html;
use chrono::{DateTime, Datelike, Utc};
use commerce_projections::read_models::orders::{self, OrderView};
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::{lines, money_back, summary, timeline_table};
use crate::backoffice::fields::local_instant;
use crate::backoffice::layout::{instant, page, short_id};
use crate::backoffice::{PageError, Staff};
use crate::http::error::ApiError;
use crate::http::queries::audit::read_history;
use crate::http::queries::invoice::{invoice_of, render_html};
use crate::http::queries::order_as_of::order_as_of;
use crate::http::AppState;

/// The links of the order page to the invoice, the as-of view and the history.
pub(super) fn links(id: Uuid) -> Markup {
    html! {
        nav aria-label="Order records" class="actions" {
            a href={ "/admin/orders/" (id) "/invoice" } { "Invoice" }
            a href={ "/admin/orders/" (id) "/as-of" } { "As of an instant" }
            a href={ "/admin/orders/" (id) "/history" } { "History (event store)" }
        }
    }
}

/// `GET /admin/orders/{id}/invoice`: the printable invoice, the API's own HTML document.
pub async fn invoice(
    State(state): State<AppState>,
    _staff: Staff,
    PagePath(id): PagePath<Uuid>,
) -> Result<Html<String>, PageError> {
    let order = orders::get(&state.pool, id)
        .await
        .map_err(ApiError::from)?
        .ok_or(PageError::NotFound("order"))?;
    let invoice = invoice_of(&state.pool, order).await?;
    Ok(Html(render_html(&invoice)))
}

/// The as-of page's query string.
#[derive(Deserialize)]
pub struct AsOfQuery {
    /// A `datetime-local` value (read as UTC) or an RFC 3339 instant; empty: ask for one.
    #[serde(default)]
    at: String,
}

/// `GET /admin/orders/{id}/as-of?at=`: the order rebuilt from the events recorded up to `at`.
pub async fn as_of(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PagePath(id): PagePath<Uuid>,
    PageQuery(query): PageQuery<AsOfQuery>,
) -> Result<Markup, PageError> {
    let at = match query.at.trim() {
        "" => None,
        text => Some(parse_at(text)?),
    };
    let rebuilt = match at {
        Some(at) => Some(
            order_as_of(&state.pool, id, at)
                .await?
                .ok_or_else(|| PageError::NotFound("order placed by then"))?,
        ),
        None => None,
    };
    let field = at
        .map(|at| at.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default();
    let title = format!("Order {} as of an instant", short_id(id));
    let body = html! {
        p { a href={ "/admin/orders/" (id) } { "Back to the order as it is now" } }
        form method="get" action={ "/admin/orders/" (id) "/as-of" } {
            label for="at" { "Instant (UTC)" }
            input id="at" name="at" type="datetime-local" step="1" required value=(field);
            p { button type="submit" { "Show the order then" } }
        }
        @if let (Some(at), Some(detail)) = (at, &rebuilt) {
            p class="notice" { "As recorded at " (instant(&at)) " (version " (detail.order.version) "), rebuilt from its events." }
            (as_was(&detail.order))
            h2 { "Timeline" }
            (timeline_table(&detail.timeline))
        }
    };
    Ok(page(&staff, "/admin/orders", &title, body))
}

fn as_was(order: &OrderView) -> Markup {
    html! {
        (summary(order))
        (lines(order))
        (money_back::refunds(order, None))
        (money_back::returns(order, None))
    }
}

/// A `datetime-local` value (`2026-12-07T09:30`, seconds and fractions optional) read as
/// UTC, or an RFC 3339 instant; 400 otherwise, or outside the years 1–9999.
fn parse_at(text: &str) -> Result<DateTime<Utc>, PageError> {
    let at = local_instant(text)
        .or_else(|| crate::audit::parse_instant(text).ok())
        .ok_or_else(|| {
            PageError::bad_request("the instant is a date and time, like 2026-12-07T09:30")
        })?;
    if !(1..=9999).contains(&at.year()) {
        return Err(PageError::bad_request(
            "the year must be between 1 and 9999",
        ));
    }
    Ok(at)
}

/// `GET /admin/orders/{id}/history`: every event that touched the order, from the event
/// store, with its actor, request and chain link.
pub async fn history(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PagePath(id): PagePath<Uuid>,
) -> Result<Markup, PageError> {
    let read = read_history(&state.pool, id).await?;
    if !read.placed {
        return Err(PageError::NotFound("order"));
    }
    let title = format!("History of order {}", short_id(id));
    let body = html! {
        p { a href={ "/admin/orders/" (id) } { "Back to the order" } }
        p { "Every event of the order and of the other streams that name it (stock, coupon, cart), in commit order, as stored." }
        div class="table-wrap" {
            table id="history" {
                thead { tr { th { "Position" } th { "When" } th { "Stream" } th { "Event" } th { "By" } th { "Request" } th { "Sealed" } } }
                tbody {
                    @for event in &read.history.events {
                        tr {
                            td { (event.global_position) }
                            td { (instant(&event.recorded_at)) }
                            td { (event.aggregate_type) " " code { (event.aggregate_id) } " #" (event.sequence) }
                            td {
                                details {
                                    summary { (event.event_type) " " (event.event_version) }
                                    pre { (serde_json::to_string_pretty(&event.payload).unwrap_or_default()) }
                                }
                            }
                            td { (event.actor.role.as_deref().unwrap_or("")) " " (event.actor.id.as_deref().unwrap_or("")) }
                            td { code { (event.request_id.as_deref().unwrap_or("")) } }
                            td {
                                @match event.chain_link {
                                    Some(link) => { "link " (link) },
                                    None => { "not yet" },
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&staff, "/admin/audit", &title, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_read_from_the_browser_field_as_utc() {
        let at = |text: &str| parse_at(text).ok().map(|at| at.to_rfc3339());
        assert_eq!(
            at("2026-12-07T09:30"),
            Some("2026-12-07T09:30:00+00:00".into())
        );
        assert_eq!(
            at("2026-12-07T09:30:05.250"),
            Some("2026-12-07T09:30:05.250+00:00".into())
        );
        assert_eq!(
            at("2026-12-07T10:30:05+01:00"),
            Some("2026-12-07T09:30:05+00:00".into())
        );
        assert_eq!(at("yesterday"), None);
    }
}
