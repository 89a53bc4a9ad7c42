//! The contact messages page: the messages sent through the contact form, newest first,
//! filtered by status, read only. Admins only, as `GET admin/messages`: the messages hold
//! their senders' addresses and words, which auditors are not shown.

use crate::backoffice::extract::PageQuery;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use commerce_projections::read_models::contact_messages;
use commerce_projections::read_models::PageRequest;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{instant, page, page_number, pager};
use super::{fields, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::AppState;

/// Messages per page.
const PER_PAGE: u32 = 20;
/// The section's path.
const SECTION: &str = "/admin/messages";
/// The statuses a message can be in.
const STATUSES: [&str; 2] = ["open", "resolved"];

/// The messages page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route(SECTION, get(list))
}

/// The list's query string.
#[derive(Deserialize)]
pub struct ListQuery {
    /// `open`, `resolved`, or empty for all.
    #[serde(default)]
    status: String,
    /// From 1.
    page: Option<u32>,
}

/// `GET /admin/messages` (admins).
async fn list(
    State(state): State<AppState>,
    staff: Staff,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    staff.require_admin()?;
    let named = |name: &str| STATUSES.into_iter().find(|status| *status == name);
    let status = fields::filter(&query.status, named, "message status")?;
    let page_number = page_number(query.page);
    let found =
        contact_messages::list(&state.pool, status, PageRequest::new(page_number, PER_PAGE))
            .await
            .map_err(ApiError::from)?;
    let link = |page: u32| format!("{SECTION}?status={}&page={page}", status.unwrap_or(""));
    let body = html! {
        form method="get" action=(SECTION) {
            label for="status" { "Status" }
            select id="status" name="status" {
                option value="" { "All" }
                @for option in STATUSES {
                    option value=(option) selected[status == Some(option)] { (option) }
                }
            }
            p { button type="submit" { "Filter" } }
        }
        @if found.items.is_empty() { p { "No messages." } }
        @for message in &found.items {
            article class="card" {
                h2 { (message.subject) }
                p {
                    "From " (message.name) " <" a href={ "mailto:" (message.email) } { (message.email) } ">"
                    @if let Some(user_id) = message.user_id {
                        " · " a href={ "/admin/customers/" (user_id) } { "account" }
                    }
                    " · " (instant(&message.received_at)) " · " strong { (message.status) }
                }
                p class="message" { (message.message) }
                @if let Some(at) = &message.resolved_at {
                    p { "Resolved " (instant(at)) @if let Some(note) = &message.resolution_note { ": " (note) } }
                }
            }
        }
        (pager(found.total, page_number, PER_PAGE, link))
    };
    Ok(page(&staff.0, SECTION, "Contact messages", body))
}
