//! The orders pages: the list (by status, paged) and one order with its lines, totals,
//! payment, shipment and timeline, and the admins' Ship / Deliver / Cancel forms, which call
//! the same use cases as `POST orders/{id}/ship|deliver|cancel`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use commerce_aggregates::order::{OrderAction, OrderStatus};
use commerce_projections::read_models::orders::{self, OrderQuery, OrderView, TimelineEntry};
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::layout::{csrf_field, instant, money, page};
use super::{PageError, Staff};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::queries::wait::{read_at_least, Access};
use crate::http::AppState;
use crate::store::{Actor, CommandMetadata};
use crate::usecases::{cancel, deliver, ship, Caller};

/// Orders per page of the list.
const PER_PAGE: u32 = 25;

/// The list's query string.
#[derive(Deserialize)]
pub struct ListQuery {
    /// A status name, or empty for all.
    #[serde(default)]
    status: String,
    /// From 1.
    page: Option<u32>,
}

/// `GET /admin/orders`.
pub async fn list(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Query(query): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let status = match query.status.as_str() {
        "" => None,
        name => Some(
            OrderStatus::ALL
                .into_iter()
                .find(|status| status.as_str() == name)
                .ok_or_else(|| PageError::bad_request("unknown order status"))?,
        ),
    };
    let page_number = query.page.unwrap_or(1).max(1);
    let found = orders::list(
        &state.pool,
        &OrderQuery {
            customer_id: None,
            status,
            store: None,
            from: None,
            to: None,
            page: page_number,
            per_page: PER_PAGE,
        },
    )
    .await
    .map_err(ApiError::from)?;
    let pages = u32::try_from(found.total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(PER_PAGE)
        .max(1);
    let link = |page: u32| format!("/admin/orders?status={}&page={page}", query.status);
    let body = html! {
        form method="get" action="/admin/orders" {
            label for="status" { "Status" }
            select id="status" name="status" {
                option value="" { "All" }
                @for option in OrderStatus::ALL {
                    option value=(option.as_str()) selected[status == Some(option)] { (option.as_str()) }
                }
            }
            p { button type="submit" { "Filter" } }
        }
        p { (found.total) " orders · page " (page_number) " of " (pages) }
        div class="table-wrap" {
            table {
                thead { tr { th { "Order" } th { "Placed" } th { "Status" } th { "Items" } th { "Total" } } }
                tbody {
                    @for order in &found.items {
                        tr {
                            td { a href={ "/admin/orders/" (order.id) } { (short_id(order.id)) } }
                            td { (instant(&order.placed_at)) }
                            td { (order.status) }
                            td { (order.lines.iter().map(|line| line.quantity).sum::<u32>()) }
                            td { (money(&order.total)) }
                        }
                    }
                }
            }
        }
        nav aria-label="Pages" class="actions" {
            @if page_number > 1 { a href=(link(page_number - 1)) rel="prev" { "Previous page" } }
            @if page_number < pages { a href=(link(page_number + 1)) rel="next" { "Next page" } }
        }
    };
    Ok(page(&staff, "/admin/orders", "Orders", body))
}

/// The order page's query string: after an action, the version to wait for.
#[derive(Deserialize)]
pub struct ShowQuery {
    /// Show the order once the read model has this version (the action's result).
    v: Option<u64>,
}

/// `GET /admin/orders/{id}`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    Query(query): Query<ShowQuery>,
) -> Result<Markup, PageError> {
    let order = read_at_least(
        &state,
        "orders",
        "order",
        &id.to_string(),
        query.v,
        |_: &OrderView| Access::Visible,
        || orders::get(&state.pool, id),
    )
    .await?;
    // Read after the order: keep to the events the order row reflects.
    let timeline: Vec<TimelineEntry> = orders::timeline(&state.pool, id)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .filter(|entry| entry.sequence <= order.version)
        .collect();
    let title = format!("Order {}", short_id(order.id));
    let body = html! {
        (summary(&order))
        (lines(&order))
        @if staff.acts() { (actions(&order, &staff.0.csrf_token)) }
        h2 { "Timeline" }
        div class="table-wrap" {
            table id="timeline" {
                thead { tr { th { "When" } th { "Event" } th { "Status" } th { "By" } } }
                tbody {
                    @for entry in &timeline {
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
    };
    Ok(page(&staff.0, "/admin/orders", &title, body))
}

fn summary(order: &OrderView) -> Markup {
    html! {
        div class="cards" {
            div class="card" { h2 { "Status" } p { strong { (order.status) } } p { "Placed " (instant(&order.placed_at)) } }
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

/// The forms of the actions the order's status allows (the domain's own transition table).
fn actions(order: &OrderView, csrf: &str) -> Markup {
    let status = OrderStatus::ALL
        .into_iter()
        .find(|status| status.as_str() == order.status);
    let allows = |action| status.is_some_and(|status| status.after(action).is_some());
    let base = format!("/admin/orders/{}", order.id);
    html! {
        h2 { "Actions" }
        div class="actions" {
            @if allows(OrderAction::Ship) {
                form method="post" action={ (base) "/ship" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(order.version);
                    label for="carrier" { "Carrier" }
                    input id="carrier" name="carrier" required maxlength="100";
                    label for="tracking_number" { "Tracking number" }
                    input id="tracking_number" name="tracking_number" required maxlength="100";
                    p { button type="submit" { "Ship" } }
                }
            }
            @if allows(OrderAction::Deliver) {
                form method="post" action={ (base) "/deliver" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(order.version);
                    button type="submit" { "Mark delivered" }
                }
            }
            @if allows(OrderAction::CancelAsAdmin) {
                form method="post" action={ (base) "/cancel" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(order.version);
                    label for="reason" { "Reason for cancelling" }
                    input id="reason" name="reason" required maxlength="500";
                    p { button type="submit" { "Cancel order" } }
                }
            }
        }
    }
}

/// The Ship form.
#[derive(Deserialize)]
pub struct ShipForm {
    version: usize,
    carrier: String,
    tracking_number: String,
}

/// The Deliver form.
#[derive(Deserialize)]
pub struct DeliverForm {
    version: usize,
}

/// The Cancel form.
#[derive(Deserialize)]
pub struct CancelForm {
    version: usize,
    reason: String,
}

/// `POST /admin/orders/{id}/ship` (admins): as `POST orders/{id}/ship` with `If-Match`.
pub async fn ship(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    request_id: RequestId,
    Form(form): Form<ShipForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = ship::ShipOrder {
        order_id: id,
        carrier: form.carrier,
        tracking_number: form.tracking_number,
        expected_version: Some(form.version),
    };
    let version = ship::ship(&state.stores, input, &metadata(&staff, &request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id, version))
}

/// `POST /admin/orders/{id}/deliver` (admins).
pub async fn deliver(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    request_id: RequestId,
    Form(form): Form<DeliverForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = deliver::DeliverOrder {
        order_id: id,
        expected_version: Some(form.version),
    };
    let version = deliver::deliver(&state.stores, input, &metadata(&staff, &request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id, version))
}

/// `POST /admin/orders/{id}/cancel` (admins; a paid order is refunded, as through the API).
pub async fn cancel(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    request_id: RequestId,
    Form(form): Form<CancelForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = cancel::CancelOrder {
        order_id: id,
        caller: Caller {
            id: staff.0.user_id,
            role: staff.0.role,
        },
        reason: form.reason,
        expected_version: Some(form.version),
    };
    let version = cancel::cancel(
        &state.stores,
        &state.payments,
        input,
        &metadata(&staff, &request_id),
    )
    .await
    .map_err(|error| match error {
        cancel::CancelError::Order(error) => ApiError::from(error),
        cancel::CancelError::Refund(error) => crate::http::commands::refunds::refund_error(error),
    })?;
    Ok(back_to(id, version))
}

fn metadata(staff: &Staff, request_id: &RequestId) -> CommandMetadata {
    CommandMetadata::new(Actor::user(staff.0.user_id, staff.0.role), &request_id.0)
}

/// Post/redirect/get: the order page, once its read model shows `version`.
fn back_to(id: Uuid, version: usize) -> Response {
    Redirect::to(&format!("/admin/orders/{id}?v={version}")).into_response()
}

/// The first block of a UUID, enough to tell orders apart on a page.
fn short_id(id: Uuid) -> String {
    id.simple().to_string()[..8].to_string()
}
