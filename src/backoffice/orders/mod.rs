//! The orders pages: the list ([`list`]), one order with its lines, totals, payment,
//! shipment, refunds, returns and timeline, the admins' forms on it ([`actions`],
//! [`money_back`]), and what auditors read from the event store: the order as of an instant
//! and its whole history ([`records`]), and its invoice.

mod actions;
mod list;
mod money_back;
mod records;

use crate::backoffice::extract::{PagePath, PageQuery};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use commerce_aggregates::order::{OrderAction, OrderStatus};
use commerce_projections::read_models::orders::{self, OrderView, TimelineEntry};
use maud::{html, Markup};
use uuid::Uuid;

use super::layout::{instant, money, page, short_id};
use super::{AfterAction, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::queries::orders::read_order;
use crate::http::queries::wait::Access;
use crate::http::AppState;

/// The orders pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/orders", get(list::list))
        .route("/admin/orders/{id}", get(show))
        .route("/admin/orders/{id}/ship", post(actions::ship))
        .route("/admin/orders/{id}/deliver", post(actions::deliver))
        .route("/admin/orders/{id}/cancel", post(actions::cancel))
        .route("/admin/orders/{id}/refunds", post(money_back::refund))
        .route("/admin/returns/{id}/approve", post(money_back::approve))
        .route("/admin/returns/{id}/reject", post(money_back::reject))
        .route("/admin/returns/{id}/receive", post(money_back::receive))
        .route("/admin/orders/{id}/invoice", get(records::invoice))
        .route("/admin/orders/{id}/as-of", get(records::as_of))
        .route("/admin/orders/{id}/history", get(records::history))
}

/// `GET /admin/orders/{id}`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    PageQuery(query): PageQuery<AfterAction>,
) -> Result<Markup, PageError> {
    let order = read_order(&state, id, query.v, |_: &OrderView| Access::Visible).await?;
    // Read after the order: keep to the events the order row reflects.
    let timeline: Vec<TimelineEntry> = orders::timeline(&state.pool, id)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .filter(|entry| entry.sequence <= order.version)
        .collect();
    let title = format!("Order {}", short_id(order.id));
    let csrf = &staff.0.csrf_token;
    let body = html! {
        (records::links(order.id))
        (summary(&order))
        (lines(&order))
        @if staff.acts() { (actions::actions(&order, csrf)) }
        (money_back::refunds(&order, staff.acts().then_some(csrf.as_str())))
        (money_back::returns(&order, staff.acts().then_some(csrf.as_str())))
        h2 { "Timeline" }
        (timeline_table(&timeline))
    };
    Ok(page(&staff.0, "/admin/orders", &title, body))
}

/// The status timeline with the actor of each step.
fn timeline_table(timeline: &[TimelineEntry]) -> Markup {
    html! {
        div class="table-wrap" {
            table id="timeline" {
                thead { tr { th { "When" } th { "Event" } th { "Status" } th { "By" } } }
                tbody {
                    @for entry in timeline {
                        tr {
                            td { (instant(&entry.at)) }
                            td { (entry.event_type) }
                            td { (entry.status) }
                            td { (entry.actor_role.as_deref().unwrap_or("system")) " " (entry.actor_id.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

fn summary(order: &OrderView) -> Markup {
    html! {
        div class="cards" {
            div class="card" {
                h2 { "Status" }
                p { strong { (order.status) } }
                p { "Placed " (instant(&order.placed_at)) " in store " (order.store) }
                @match (&order.customer_id, &order.guest_email) {
                    (Some(customer), _) => p { "Customer " code { (customer) } },
                    (None, Some(email)) => p { "Guest " (email) },
                    (None, None) => p { "Customer unknown" },
                }
            }
            div class="card" {
                h2 { "Totals" }
                dl {
                    dt { "Subtotal" } dd { (money(&order.subtotal)) }
                    dt { "Discount" } dd { (money(&order.discount)) }
                    dt { "Shipping" } dd { (money(&order.shipping)) }
                    dt { "Tax" } dd { (money(&order.tax)) }
                    dt { "Total" } dd { strong { (money(&order.total)) } }
                }
            }
            div class="card" {
                h2 { "Payment" }
                @match &order.payment {
                    Some(payment) => p { (money(&payment.amount)) " via " (payment.provider) " (" (payment.reference) ") " (instant(&payment.paid_at)) },
                    None => p { "Not paid" },
                }
            }
            div class="card" {
                h2 { "Shipment" }
                @match &order.shipment {
                    Some(shipment) => {
                        p { (shipment.carrier) " " (shipment.tracking_number) ", shipped " (instant(&shipment.shipped_at)) }
                        @if let Some(at) = &shipment.delivered_at { p { "Delivered " (instant(at)) } }
                    },
                    None => p { "Not shipped" },
                }
                p { "To " (order.shipping_address.name) ", " (order.shipping_address.city) " (" (order.shipping_address.country) ")" }
            }
        }
    }
}

fn lines(order: &OrderView) -> Markup {
    html! {
        h2 { "Lines" }
        div class="table-wrap" {
            table {
                thead { tr { th { "SKU" } th { "Product" } th { "Quantity" } th { "Unit price" } th { "Total" } } }
                tbody {
                    @for line in &order.lines {
                        tr {
                            td { (line.sku) }
                            td { (line.name) }
                            td { (line.quantity) }
                            td { (money(&line.unit_price)) }
                            td { (money(&line.total)) }
                        }
                    }
                }
            }
        }
    }
}

/// Whether the order's status allows `action` (the domain's own transition table): which of
/// the page's forms are shown.
fn allows(order: &OrderView, action: OrderAction) -> bool {
    OrderStatus::from_name(&order.status).is_some_and(|status| status.after(action).is_some())
}

/// Post/redirect/get: the order page, once its read model shows `version`.
fn back_to(id: Uuid, version: usize) -> Response {
    Redirect::to(&format!("/admin/orders/{id}?v={version}")).into_response()
}
