//! Order commands: pay (the owning customer, through a [`crate::payments`] provider),
//! ship, deliver and refund (admins), cancel (the owner before shipping, an admin until
//! delivery). Someone else's order is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use commerce_aggregates::order::OrderError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse};
use super::preconditions::{Admin, IfMatch, Shopper, Writer};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::payments::{self, PaymentError};
use crate::store::ExecuteError;
use crate::usecases::pay::{self, PayError, PayOrder};
use crate::usecases::{cancel, deliver, refund, ship};

pub use crate::payments::{TEST_PROVIDER, TEST_TOKEN_DECLINED, TEST_TOKEN_OK};

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
pub(super) fn order_error(error: ExecuteError<OrderError>) -> ApiError {
    match error {
        ExecuteError::Domain(OrderError::NotFound) => ApiError::not_found("order"),
        other => other.into(),
    }
}

/// A provider's refusal as a problem: declined 402, a bad token 422, unreachable 503.
fn payment_error(error: PaymentError) -> ApiError {
    match error {
        PaymentError::Declined { reason } => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_declined",
            format!("the payment provider declined the payment: {reason}"),
        ),
        PaymentError::InvalidToken { message } => ApiError::invalid_field("token", message),
        PaymentError::Unavailable { message } => {
            tracing::warn!(%message, "payment provider unavailable");
            ApiError::unavailable("the payment provider is unavailable", 5)
        }
    }
}

command_path! {
    post "/orders/{id}/pay",
    tag = "orders",
    operation_id = "pay_order",
    request_body = PayRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    ok = "Paid",
    responses((status = 402, description = "Declined by the provider (problem)", body = Problem,
               content_type = "application/problem+json"));

    /// Pays the order's total (the order must be confirmed). Declined: 402, nothing recorded.
    #[tracing::instrument(skip_all, fields(order_id = %id))]
    pub async fn pay(
        Shopper(user): Shopper,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<PayRequest>,
    ) -> Result<Response, ApiError> {
        let Some(provider) = payments::provider(&body.provider) else {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_provider",
                format!(
                    "unknown payment provider '{}'; known: {}",
                    body.provider,
                    payments::provider_names().join(", ")
                ),
            ));
        };
        let input = PayOrder {
            order_id: id,
            customer: user.caller(),
            token: body.token,
            expected_version: expected.0,
        };
        let version = pay::pay(
            &state.stores,
            provider,
            input,
            &user.metadata(&request_id.0),
        )
        .await
        .map_err(|error| match error {
            PayError::NotFound => ApiError::not_found("order"),
            PayError::Payment(error) => payment_error(error),
            PayError::Order(error) => order_error(error),
        })?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/orders/{id}/ship",
    tag = "orders",
    operation_id = "ship_order",
    request_body = ShipRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    ok = "Shipped";

    /// Hands the order to a carrier; its reserved units leave the stock in the same commit.
    #[tracing::instrument(skip_all, fields(order_id = %id))]
    pub async fn ship(
        Admin(admin): Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<ShipRequest>,
    ) -> Result<Response, ApiError> {
        let input = ship::ShipOrder {
            order_id: id,
            carrier: body.carrier,
            tracking_number: body.tracking_number,
            expected_version: expected.0,
        };
        let version = ship::ship(&state.stores, input, &admin.metadata(&request_id.0)).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/orders/{id}/deliver",
    tag = "orders",
    operation_id = "deliver_order",
    params(("id" = Uuid, Path, description = "Order id")),
    ok = "Delivered";

    /// Records the delivery.
    #[tracing::instrument(skip_all, fields(order_id = %id))]
    pub async fn deliver(
        Admin(admin): Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let input = deliver::DeliverOrder {
            order_id: id,
            expected_version: expected.0,
        };
        let version = deliver::deliver(&state.stores, input, &admin.metadata(&request_id.0)).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/orders/{id}/cancel",
    tag = "orders",
    operation_id = "cancel_order",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    ok = "Cancelled";

    /// Cancels the order: its owner before shipping, an admin also once shipped. Its stock and
    /// coupon are released in the same commit; a paid order is refunded in full.
    #[tracing::instrument(skip_all, fields(order_id = %id))]
    pub async fn cancel(
        Writer(user): Writer,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<ReasonRequest>,
    ) -> Result<Response, ApiError> {
        let input = cancel::CancelOrder {
            order_id: id,
            caller: user.caller(),
            reason: body.reason,
            expected_version: expected.0,
        };
        let version = cancel::cancel(&state.stores, input, &user.metadata(&request_id.0)).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/orders/{id}/refund",
    tag = "orders",
    operation_id = "refund_order",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    ok = "Refunded";

    /// Refunds the full total of a paid or delivered order.
    #[tracing::instrument(skip_all, fields(order_id = %id))]
    pub async fn refund(
        Admin(admin): Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<ReasonRequest>,
    ) -> Result<Response, ApiError> {
        let input = refund::RefundOrder {
            order_id: id,
            reason: body.reason,
            expected_version: expected.0,
        };
        let version = refund::refund(&state.stores, input, &admin.metadata(&request_id.0)).await?;
        Ok(ok(id, version))
    }
}
