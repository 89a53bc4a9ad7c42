//! The email log (`GET /admin/emails`, in the Events section): every email the events called
//! for, newest first, with its delivery status and last error, filtered by status — the read
//! of `GET /api/v1/admin/emails` ([`crate::mailer::log`]), never a body.

use crate::backoffice::extract::PageQuery;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use commerce_projections::read_models::PageRequest;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{instant, page, page_number, pager};
use super::{fields, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::queries::emails::EmailStatus;
use crate::http::AppState;
use crate::mailer::log;

/// Emails per page.
const PER_PAGE: u32 = 50;

/// The email log's routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/emails", get(emails_page))
}

/// The log's query string.
#[derive(Deserialize)]
pub struct EmailsQuery {
    /// A status, or empty for all.
    #[serde(default)]
    status: String,
    /// From 1.
    page: Option<u32>,
}

/// `GET /admin/emails`.
pub async fn emails_page(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PageQuery(query): PageQuery<EmailsQuery>,
) -> Result<Markup, PageError> {
    let named = |name: &str| {
        EmailStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
    };
    let status = fields::filter(&query.status, named, "email status")?;
    let page_number = page_number(query.page);
    let found = log::list(
        &state.pool,
        status.map(EmailStatus::as_str),
        PageRequest::new(page_number, PER_PAGE),
    )
    .await
    .map_err(ApiError::from)?;
    let link = |page: u32| format!("/admin/emails?status={}&page={page}", query.status);
    let body = html! {
        p { a href="/admin/events" { "Back to the events" } }
        form method="get" action="/admin/emails" {
            label for="status" { "Status" }
            select id="status" name="status" {
                option value="" { "All" }
                @for option in EmailStatus::ALL {
                    option value=(option.as_str()) selected[status == Some(option)] { (option.as_str()) }
                }
            }
            p { button type="submit" { "Filter" } }
        }
        div class="table-wrap" {
            table id="emails" {
                thead { tr { th { "Queued" } th { "Template" } th { "To" } th { "Subject" } th { "Status" } th { "Attempts" } th { "Sent" } th { "Last error" } } }
                tbody {
                    @for email in &found.items {
                        tr {
                            td { (instant(&email.created_at)) }
                            td { (email.template) }
                            td { (email.recipient) }
                            td { (email.subject) }
                            td { (email.status) }
                            td { (email.attempts) }
                            td { @if let Some(at) = &email.sent_at { (instant(at)) } }
                            td { (email.last_error.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
        (pager(found.total, page_number, PER_PAGE, link))
    };
    Ok(page(&staff, "/admin/events", "Email log", body))
}
