//! Order commands: pay (the owning customer, through a [`crate::payments`] provider),
//! ship, deliver and refund (admins), cancel (the owner before shipping, an admin until
//! delivery). Someone else's order is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use commerce_aggregates::order::OrderError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse};
use super::preconditions::{Admin, IfMatch, Writer};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::guest::CartShopper;
use crate::http::AppState;
use crate::payments::PaymentError;
use crate::store::ExecuteError;
use crate::usecases::pay::{self, PayError, PayOrder, PayOutcome};
use crate::usecases::{cancel, deliver, ship};

pub use crate::payments::{TEST_PROVIDER, TEST_TOKEN_DECLINED, TEST_TOKEN_OK};

/// `POST orders/{id}/pay`: `token` for the `test` provider, `payment_method` for `stripe`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The payment provider: `test` (built in), `stripe` (when configured).
    #[schema(example = "test")]
    pub provider: String,
    /// The `test` provider's token: `tok_ok` succeeds, `tok_declined` is declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "tok_ok")]
    pub token: Option<String>,
    /// A Stripe PaymentMethod id (`pm_…`) collected by Stripe.js.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "pm_card_visa")]
    pub payment_method: Option<String>,
}

/// `202` of `POST orders/{id}/pay`: the provider accepted the payment but has not settled it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PaymentPending {
    /// The order's id.
    pub id: String,
    /// The order's version (unchanged until the payment settles).
    pub version: u64,
    /// `requires_action` (the customer completes it, e.g. 3-D Secure through Stripe.js with
    /// `client_secret`) or `processing` (the provider settles it later).
    #[schema(example = "requires_action")]
    pub status: String,
    /// The provider's payment reference (Stripe: the PaymentIntent id).
    #[schema(example = "pi_3Nq2x")]
    pub reference: String,
    /// What Stripe.js completes the payment with, when the customer must act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
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
fn payment_error(error: PaymentError, token_field: &str) -> ApiError {
    match error {
        PaymentError::Declined { reason } => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_declined",
            format!("the payment provider declined the payment: {reason}"),
        ),
        PaymentError::InvalidToken { message } => ApiError::invalid_field(token_field, message),
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
    responses((status = 202, description = "Accepted, not settled yet", body = PaymentPending),
              (status = 402, description = "Declined by the provider (problem)", body = Problem,
               content_type = "application/problem+json"));

    /// Pays the order's total (the order must be confirmed): 200 paid, 202 when the customer
    /// must act or the provider settles later (its webhook then pays the order), 402 declined
    /// (nothing recorded), 503 when the provider is unreachable (retrying charges nothing
    /// twice).
    #[tracing::instrument(skip_all, fields(order_id = %id))]
    pub async fn pay(
        shopper: CartShopper,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<PayRequest>,
    ) -> Result<Response, ApiError> {
        let Some(provider) = state.payments.get(&body.provider) else {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_provider",
                format!(
                    "unknown payment provider '{}'; offered: {}",
                    body.provider,
                    state.payments.names().join(", ")
                ),
            ));
        };
        let input = PayOrder {
            order_id: id,
            payer: shopper.holder(),
            token: payment_token(provider.token_field(), body.token, body.payment_method)?,
            expected_version: expected.0,
        };
        let outcome = pay::pay(
            &state.stores,
            &state.pool,
            provider,
            input,
            &shopper.metadata(id, &request_id.0),
        )
        .await
        .map_err(|error| match error {
            PayError::NotFound => ApiError::not_found("order"),
            PayError::Payment(error) => payment_error(error, provider.token_field()),
            PayError::Order(error) => order_error(error),
        })?;
        Ok(match outcome {
            PayOutcome::Paid { version } => ok(id, version),
            PayOutcome::Pending {
                version,
                reference,
                client_secret,
            } => {
                let status = if client_secret.is_some() {
                    "requires_action"
                } else {
                    "processing"
                };
                let pending = PaymentPending {
                    id: id.to_string(),
                    version: version as u64,
                    status: status.to_string(),
                    reference,
                    client_secret,
                };
                (StatusCode::ACCEPTED, axum::Json(pending)).into_response()
            }
        })
    }
}

/// What the customer pays with: the field the provider takes (`token`, `payment_method`),
/// which must be there, non-blank, and alone.
fn payment_token(
    field: &str,
    token: Option<String>,
    payment_method: Option<String>,
) -> Result<String, ApiError> {
    let (given, other, other_name) = match field {
        "payment_method" => (payment_method, token, "token"),
        _ => (token, payment_method, "payment_method"),
    };
    if other.is_some() {
        return Err(ApiError::invalid_field(
            other_name,
            format!("this provider takes `{field}`, not `{other_name}`"),
        ));
    }
    match given.map(|value| value.trim().to_string()) {
        Some(value) if !value.is_empty() && value.len() <= 255 => Ok(value),
        _ => Err(ApiError::invalid_field(field, "required, 1–255 characters")),
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
        let metadata = user.metadata(&request_id.0);
        let version = cancel::cancel(&state.stores, &state.payments, input, &metadata).await?;
        Ok(ok(id, version))
    }
}
