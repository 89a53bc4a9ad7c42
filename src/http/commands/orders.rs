//! Order commands: pay (the owning customer, through the built-in `test` payment provider),
//! ship, deliver and refund (admins), cancel (the owner before shipping, an admin until
//! delivery). Someone else's order is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use commerce_aggregates::order::{Order, OrderAction, OrderCommand, OrderError};
use commerce_aggregates::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse};
use super::preconditions::{Admin, IfMatch, Shopper, Writer};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::store::ExecuteError;

/// The built-in payment provider for development and tests.
pub const TEST_PROVIDER: &str = "test";
/// A `test` provider token that is always accepted.
pub const TEST_TOKEN_OK: &str = "tok_ok";
/// A `test` provider token that is always declined.
pub const TEST_TOKEN_DECLINED: &str = "tok_declined";

/// `POST orders/{id}/pay`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The payment provider; only `test` is built in.
    #[schema(example = "test")]
    pub provider: String,
    /// The provider's payment token (`test`: `tok_ok` succeeds, `tok_declined` is declined).
    #[schema(example = "tok_ok")]
    pub token: String,
}

/// `POST orders/{id}/ship`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// The carrier's name (1–100 characters).
    #[schema(example = "DHL")]
    pub carrier: String,
    /// The carrier's tracking number (1–100 characters).
    #[schema(example = "JD014600006281230704")]
    pub tracking_number: String,
}

/// `POST orders/{id}/cancel` and `POST orders/{id}/refund`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why (1–500 characters).
    #[schema(example = "ordered by mistake")]
    pub reason: String,
}

/// An order error, with a missing order answered as 404 `not_found`.
fn order_error(error: ExecuteError<OrderError>) -> ApiError {
    match error {
        ExecuteError::Domain(OrderError::NotFound) => ApiError::not_found("order"),
        other => other.into(),
    }
}

/// Order `id` and its version; 404 when it is missing, or someone else's and the caller is
/// not an admin.
async fn visible_order(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> Result<(Order, usize), ApiError> {
    let (order, version) = state
        .stores
        .orders
        .load(&id.to_string())
        .await
        .map_err(order_error)?;
    match order.customer_id() {
        Some(owner) if owner == user.id || user.role == Role::Admin => Ok((order, version)),
        _ => Err(ApiError::not_found("order")),
    }
}

/// Runs `command` on order `id`.
async fn execute(
    state: &AppState,
    user: &AuthUser,
    request_id: &RequestId,
    id: Uuid,
    command: OrderCommand,
    expected: IfMatch,
) -> Result<Response, ApiError> {
    let committed = state
        .stores
        .orders
        .execute(
            &id.to_string(),
            command,
            &user.metadata(&request_id.0),
            expected.0,
        )
        .await
        .map_err(order_error)?;
    Ok(ok(id, committed.version))
}

/// Charges the order's total through the `test` provider; the payment reference it returns.
fn charge_test(token: &str, id: Uuid) -> Result<String, ApiError> {
    match token {
        TEST_TOKEN_OK => Ok(format!("test_{}", id.simple())),
        TEST_TOKEN_DECLINED => Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_declined",
            "the payment provider declined the payment",
        )),
        _ => Err(ApiError::invalid_field(
            "token",
            format!("unknown test token; use {TEST_TOKEN_OK} or {TEST_TOKEN_DECLINED}"),
        )),
    }
}

/// Pays the order's total (the order must be confirmed). Declined: 402, nothing recorded.
#[utoipa::path(
    post,
    path = "/orders/{id}/pay",
    tag = "orders",
    operation_id = "pay_order",
    request_body = PayRequest,
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Paid", body = CommandResponse),
        (status = 402, description = "Declined by the provider (problem)", body = Problem,
         content_type = "application/problem+json"),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn pay(
    Shopper(user): Shopper,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    CommandJson(body): CommandJson<PayRequest>,
) -> Result<Response, ApiError> {
    if body.provider != TEST_PROVIDER {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_provider",
            format!("unknown payment provider '{}'", body.provider),
        ));
    }
    let (order, version) = visible_order(&state, &user, id).await?;
    if let Some(expected) = expected.0 {
        if expected != version {
            return Err(ExecuteError::<OrderError>::VersionMismatch {
                expected,
                actual: version,
            }
            .into());
        }
    }
    let (Some(status), Some(totals)) = (order.status(), order.totals()) else {
        return Err(ApiError::not_found("order"));
    };
    // A repeat of the successful payment is answered without change (same reference);
    // anything else needs a payable (confirmed) order before the provider is asked.
    let repeat = order.payment().is_some() && body.token == TEST_TOKEN_OK;
    if !repeat && status.after(OrderAction::RecordPayment).is_none() {
        return Err(OrderError::InvalidTransition {
            from: status,
            action: OrderAction::RecordPayment,
        }
        .into());
    }
    let reference = charge_test(&body.token, id)?;
    let command = OrderCommand::RecordPayment {
        provider: TEST_PROVIDER.to_string(),
        payment_reference: reference,
        amount: totals.total,
        at: Utc::now(),
    };
    execute(&state, &user, &request_id, id, command, expected).await
}

/// Hands the order to a carrier.
#[utoipa::path(
    post,
    path = "/orders/{id}/ship",
    tag = "orders",
    operation_id = "ship_order",
    request_body = ShipRequest,
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Shipped", body = CommandResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn ship(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    CommandJson(body): CommandJson<ShipRequest>,
) -> Result<Response, ApiError> {
    let command = OrderCommand::ShipOrder {
        carrier: body.carrier,
        tracking_number: body.tracking_number,
        at: Utc::now(),
    };
    execute(&state, &admin, &request_id, id, command, expected).await
}

/// Records the delivery.
#[utoipa::path(
    post,
    path = "/orders/{id}/deliver",
    tag = "orders",
    operation_id = "deliver_order",
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Delivered", body = CommandResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn deliver(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
) -> Result<Response, ApiError> {
    let command = OrderCommand::DeliverOrder { at: Utc::now() };
    execute(&state, &admin, &request_id, id, command, expected).await
}

/// Cancels the order: its owner before shipping, an admin also once shipped. A paid order is
/// refunded in full.
#[utoipa::path(
    post,
    path = "/orders/{id}/cancel",
    tag = "orders",
    operation_id = "cancel_order",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Cancelled", body = CommandResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn cancel(
    Writer(user): Writer,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    CommandJson(body): CommandJson<ReasonRequest>,
) -> Result<Response, ApiError> {
    visible_order(&state, &user, id).await?;
    let command = OrderCommand::CancelOrder {
        reason: body.reason,
        by: user.role,
        at: Utc::now(),
    };
    execute(&state, &user, &request_id, id, command, expected).await
}

/// Refunds the full total of a paid or delivered order.
#[utoipa::path(
    post,
    path = "/orders/{id}/refund",
    tag = "orders",
    operation_id = "refund_order",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Refunded", body = CommandResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn refund(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    CommandJson(body): CommandJson<ReasonRequest>,
) -> Result<Response, ApiError> {
    let command = OrderCommand::RefundOrder {
        reason: body.reason,
        at: Utc::now(),
    };
    execute(&state, &admin, &request_id, id, command, expected).await
}
