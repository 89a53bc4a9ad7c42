//! The order page's status actions: the forms of Ship, Deliver and Cancel the order's status
//! allows, and their handlers, which call the same use cases as
//! `POST orders/{id}/ship|deliver|cancel` with the version the page showed as `If-Match`.

use crate::backoffice::extract::PageForm;
use crate::backoffice::extract::PagePath;
use axum::extract::State;
use axum::response::Response;
use commerce_aggregates::order::OrderAction;
use commerce_projections::read_models::orders::OrderView;
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::{allows, back_to};
use crate::backoffice::layout::csrf_field;
use crate::backoffice::{PageError, Staff};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::AppState;
use crate::usecases::{cancel, deliver, ship, Caller};

/// The forms of the actions the order's status allows (the domain's own transition table).
pub(super) fn actions(order: &OrderView, csrf: &str) -> Markup {
    let base = format!("/admin/orders/{}", order.id);
    html! {
        h2 { "Actions" }
        div class="actions" {
            @if allows(order, OrderAction::Ship) {
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
            @if allows(order, OrderAction::Deliver) {
                form method="post" action={ (base) "/deliver" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(order.version);
                    button type="submit" { "Mark delivered" }
                }
            }
            @if allows(order, OrderAction::CancelAsAdmin) {
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
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<ShipForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = ship::ShipOrder {
        order_id: id,
        carrier: form.carrier,
        tracking_number: form.tracking_number,
        expected_version: Some(form.version),
    };
    let version = ship::ship(&state.stores, input, &staff.metadata(&request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id, version))
}

/// `POST /admin/orders/{id}/deliver` (admins).
pub async fn deliver(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<DeliverForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = deliver::DeliverOrder {
        order_id: id,
        expected_version: Some(form.version),
    };
    let version = deliver::deliver(&state.stores, input, &staff.metadata(&request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id, version))
}

/// `POST /admin/orders/{id}/cancel` (admins; a paid order is refunded, as through the API).
pub async fn cancel(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<CancelForm>,
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
        &staff.metadata(&request_id),
    )
    .await
    .map_err(ApiError::from)?;
    Ok(back_to(id, version))
}
