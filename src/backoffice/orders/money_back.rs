//! Money going back on the order page: its refunds and returns, the admins' refund form
//! (an amount and why, through [`refund::refund`] as `POST orders/{id}/refunds`) and the
//! return steps (approve, reject, receive, through [`returns`] as `POST returns/{id}/…`).

use crate::backoffice::extract::PageForm;
use crate::backoffice::extract::PagePath;
use axum::extract::State;
use axum::response::Response;
use commerce_aggregates::order::{OrderAction, RefundScope};
use commerce_aggregates::{Currency, Money};
use commerce_projections::read_models::orders::{OrderView, ReturnView};
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::{allows, back_to};
use crate::backoffice::layout::{csrf_field, instant, money};
use crate::backoffice::{fields, PageError, Staff};
use crate::http::commands::refunds::refund_error;
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::AppState;
use crate::usecases::refund::{self, RefundOrder};
use crate::usecases::returns::{self, Decision, Received, Stepped};

/// The refunds table, and the refund form when `csrf` is given (admins) and the order's
/// status allows a refund.
pub(super) fn refunds(order: &OrderView, csrf: Option<&str>) -> Markup {
    let refundable = allows(order, OrderAction::Refund);
    html! {
        h2 { "Refunds" }
        @if order.refunds.is_empty() {
            p { "No refunds." }
        } @else {
            div class="table-wrap" {
                table id="refunds" {
                    thead { tr { th { "Requested" } th { "Amount" } th { "Lines" } th { "Reason" } th { "Status" } th { "Reference" } } }
                    tbody {
                        @for refund in &order.refunds {
                            tr {
                                td { (instant(&refund.requested_at)) }
                                td { (money(&refund.amount)) }
                                td { @for line in &refund.lines { (line.quantity) " × " (line.sku) " " } }
                                td { (refund.reason) }
                                td { (refund.status) @if let Some(why) = &refund.failure_reason { " (" (why) ")" } }
                                td { (refund.provider_reference.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        @if let (Some(csrf), true) = (csrf, refundable) {
            form class="actions" method="post" action={ "/admin/orders/" (order.id) "/refunds" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(order.version);
                // One id per form shown: submitting it twice continues the same refund.
                input type="hidden" name="refund_id" value=(Uuid::new_v4());
                input type="hidden" name="currency" value=(order.total.currency);
                div {
                    label for="refund-amount" { "Amount to refund (" (order.total.currency) ")" }
                    input id="refund-amount" name="amount" required inputmode="decimal" maxlength="20";
                    label for="refund-reason" { "Reason" }
                    input id="refund-reason" name="reason" required maxlength="500";
                    p { button type="submit" { "Refund" } }
                }
            }
        }
    }
}

/// The returns with their lines and status, and the step forms each one's status allows
/// when `csrf` is given (admins).
pub(super) fn returns(order: &OrderView, csrf: Option<&str>) -> Markup {
    html! {
        h2 { "Returns" }
        @if order.returns.is_empty() {
            p { "No returns." }
        } @else {
            div class="table-wrap" {
                table id="returns" {
                    thead { tr { th { "Requested" } th { "Lines" } th { "Reason" } th { "Status" } @if csrf.is_some() { th { "Actions" } } } }
                    tbody {
                        @for item in &order.returns {
                            tr {
                                td { (instant(&item.requested_at)) }
                                td { @for line in &item.lines { (line.quantity) " × " (line.sku) " " } }
                                td { (item.reason) }
                                td {
                                    (item.status)
                                    @if let Some(why) = &item.rejection_reason { " (" (why) ")" }
                                    @if item.restocked == Some(true) { " · restocked" }
                                }
                                @if let Some(csrf) = csrf { td { (return_steps(item, csrf)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn return_steps(item: &ReturnView, csrf: &str) -> Markup {
    let base = format!("/admin/returns/{}", item.return_id);
    let reason_id = format!("reject-reason-{}", item.return_id);
    let restock_id = format!("restock-{}", item.return_id);
    html! {
        @match item.status.as_str() {
            "requested" => {
                form method="post" action={ (base) "/approve" } {
                    (csrf_field(csrf))
                    button type="submit" { "Approve return" }
                }
                form method="post" action={ (base) "/reject" } {
                    (csrf_field(csrf))
                    label for=(reason_id) { "Reason for rejecting" }
                    input id=(reason_id) name="reason" required maxlength="500";
                    button type="submit" { "Reject return" }
                }
            },
            "approved" => {
                form method="post" action={ (base) "/receive" } {
                    (csrf_field(csrf))
                    input id=(restock_id) name="restock" type="checkbox" value="on" checked;
                    label for=(restock_id) { "Put the units back in stock" }
                    button type="submit" { "Receive and refund" }
                }
            },
            _ => {},
        }
    }
}

/// The refund form.
#[derive(Deserialize)]
pub struct RefundForm {
    version: usize,
    refund_id: Uuid,
    currency: String,
    amount: String,
    reason: String,
}

/// `POST /admin/orders/{id}/refunds` (admins): an amount, as `POST orders/{id}/refunds`.
pub async fn refund(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<RefundForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = RefundOrder {
        order_id: id,
        refund_id: form.refund_id,
        scope: RefundScope::Amount(parse_amount(&form.amount, &form.currency)?),
        reason: form.reason,
        expected_version: Some(form.version),
    };
    let refunded = refund::refund(
        &state.stores,
        &state.payments,
        input,
        &staff.metadata(&request_id),
    )
    .await
    .map_err(refund_error)?;
    Ok(back_to(id, refunded.version))
}

/// `text` (`12`, `12.5`, `12.34`) in `currency`'s minor units; 400 when it is not a positive
/// amount with at most the currency's decimals. Whether it may be refunded is the order's
/// decision.
fn parse_amount(text: &str, currency: &str) -> Result<Money, PageError> {
    let currency = Currency::from_stored(currency)
        .map_err(|_| PageError::bad_request("the order's currency is not known"))?;
    fields::amount(text, currency, "the amount")
}

/// `POST /admin/returns/{id}/approve` (admins).
pub async fn approve(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    decide(&state, &staff, &request_id, id, Decision::Approve).await
}

/// The reject form.
#[derive(Deserialize)]
pub struct RejectForm {
    reason: String,
}

/// `POST /admin/returns/{id}/reject` (admins).
pub async fn reject(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<RejectForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let decision = Decision::Reject(form.reason);
    decide(&state, &staff, &request_id, id, decision).await
}

async fn decide(
    state: &AppState,
    staff: &Staff,
    request_id: &RequestId,
    return_id: Uuid,
    decision: Decision,
) -> Result<Response, PageError> {
    let metadata = staff.metadata(request_id);
    let Stepped { order_id, version } =
        returns::decide(&state.stores, &state.pool, return_id, decision, &metadata)
            .await
            .map_err(ApiError::from)?;
    Ok(back_to(order_id, version))
}

/// The receive form: a checked box restocks.
#[derive(Deserialize)]
pub struct ReceiveForm {
    restock: Option<String>,
}

/// `POST /admin/returns/{id}/receive` (admins): restocks when asked and refunds the units.
pub async fn receive(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<ReceiveForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let Received { order_id, refund } = returns::receive(
        &state.stores,
        &state.payments,
        &state.pool,
        id,
        form.restock.is_some(),
        &staff.metadata(&request_id),
    )
    .await
    .map_err(ApiError::from)?;
    Ok(back_to(order_id, refund.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_in_the_currency_minor_units() {
        let minor = |text: &str| parse_amount(text, "USD").map(|money| money.minor).ok();
        assert_eq!(minor("12"), Some(1200));
        assert_eq!(minor(" 12.5 "), Some(1250));
        assert_eq!(minor("0.07"), Some(7));
        assert_eq!(minor("1.234"), None);
        assert_eq!(minor("-1"), None);
        assert_eq!(minor("1e3"), None);
        assert_eq!(minor(".5"), None);
        assert_eq!(minor("99999999999999999999"), None);
    }
}
