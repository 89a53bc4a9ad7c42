//! The Audit section: the hash-chain verification (the function of
//! `GET /api/v1/admin/audit/verify`, run when asked: it walks the whole store) with its
//! result, head hash, events checked and where the chain broke; and the order-history
//! explorer, which leads to an order's history page.

use crate::backoffice::extract::PageQuery;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::layout::{instant, page};
use super::{PageError, Staff};
use crate::audit::verify::{verify, Finding, VerifyReport};
use crate::http::error::ApiError;
use crate::http::AppState;

/// Problems listed on the page (the report counts them all).
const PROBLEMS_SHOWN: usize = 20;

/// The Audit section's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit_page))
        .route("/admin/audit/order", get(explore_order))
}

/// The audit page's query string.
#[derive(Deserialize)]
pub struct AuditQuery {
    /// Present (from the button): run the verification.
    verify: Option<String>,
}

/// `GET /admin/audit[?verify=1]`: a GET form, since verifying changes nothing.
pub async fn audit_page(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PageQuery(query): PageQuery<AuditQuery>,
) -> Result<Markup, PageError> {
    let report = match query.verify {
        Some(_) => Some(verify(&state.pool).await.map_err(ApiError::from)?),
        None => None,
    };
    if let Some(first) = report.as_ref().and_then(|r| r.first_problem.as_ref()) {
        tracing::warn!(kind = ?first.kind, event_id = %first.event_id, "event store fails verification");
    }
    let body = html! {
        section aria-labelledby="verify-title" {
            h2 id="verify-title" { "Hash chain" }
            p { "Every stored event is sealed in a hash chain. The verification recomputes every link and names the first event edited, deleted, reordered or inserted behind its back. Record the head hash elsewhere: a later verification showing another hash for the same link means the chain itself was rewritten." }
            form method="get" action="/admin/audit" {
                input type="hidden" name="verify" value="1";
                button type="submit" { "Verify the chain" }
            }
            @if let Some(report) = &report { (report_view(report)) }
        }
        section aria-labelledby="explore-title" {
            h2 id="explore-title" { "Order history" }
            form method="get" action="/admin/audit/order" {
                label for="order" { "Order id" }
                input id="order" name="order" required maxlength="36" placeholder="7d1e0b6c-9c3a-4f7e-8a51-3f7d2a9c0e11";
                p { button type="submit" { "Show its history" } }
            }
        }
    };
    Ok(page(&staff, "/admin/audit", "Audit", body))
}

fn report_view(report: &VerifyReport) -> Markup {
    html! {
        div id="verification" class="cards" {
            div class="card" {
                h3 { "Result" }
                @if report.ok {
                    p class="ok" { strong { "Intact" } ": no event was changed." }
                } @else {
                    p class="error" role="alert" { strong { "Broken" } ": " (report.problems_total) " problems found." }
                }
                p { "Verified " (instant(&report.verified_at)) }
            }
            div class="card" {
                h3 { "Events checked" }
                p { (report.sealed) " sealed, " (report.unsealed) " not sealed yet" }
            }
            div class="card" {
                h3 { "Head" }
                @match &report.head {
                    Some(head) => {
                        p { "Link " (head.link) ", event at position " (head.global_position) }
                        p { code id="head-hash" { (head.hash) } }
                    },
                    None => p { "Nothing is sealed yet." },
                }
            }
        }
        @if let Some(first) = &report.first_problem {
            h3 { "Where it broke" }
            (finding(first))
            @if report.problems.len() > 1 {
                h3 { "Other problems" }
                @for problem in report.problems.iter().skip(1).take(PROBLEMS_SHOWN) { (finding(problem)) }
            }
        }
    }
}

fn finding(finding: &Finding) -> Markup {
    let kind = serde_json::to_value(finding.kind)
        .ok()
        .and_then(|kind| kind.as_str().map(str::to_string))
        .unwrap_or_default();
    html! {
        dl class="card finding" {
            dt { "What" } dd { (kind) ": " (finding.detail) }
            dt { "Event" } dd { (finding.aggregate_type) " " code { (finding.aggregate_id) } " #" (finding.sequence) ", position " (finding.global_position) }
            dt { "Event id" } dd { code { (finding.event_id) } }
            @if let Some(link) = finding.link { dt { "Chain link" } dd { (link) } }
        }
    }
}

/// The explorer's query string.
#[derive(Deserialize)]
pub struct ExploreQuery {
    order: String,
}

/// `GET /admin/audit/order?order=`: to that order's history page.
pub async fn explore_order(
    _staff: Staff,
    PageQuery(query): PageQuery<ExploreQuery>,
) -> Result<Response, PageError> {
    let id = Uuid::parse_str(query.order.trim())
        .map_err(|_| PageError::bad_request("an order id is a UUID"))?;
    Ok(Redirect::to(&format!("/admin/orders/{id}/history")).into_response())
}
