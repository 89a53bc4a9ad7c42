//! Refunds (admins): `POST orders/{id}/refunds` returns an amount or lines of a paid order
//! through the provider that took the payment, and `POST orders/{id}/refund` whatever is
//! left of it. Both run [`crate::usecases::refund`].

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::order::{RefundLineInput, RefundScope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{CommandHeaders, CommandJson, CommandProblems, MoneyDto};
use super::orders::{order_error, ReasonRequest};
use super::preconditions::{Admin, IfMatch};
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::idempotency::IDEMPOTENCY_KEY_HEADER;
use crate::http::AppState;
use crate::usecases::cancel::CancelError;
use crate::usecases::refund::{self, RefundError, RefundOrder, Refunded};
use crate::usecases::returns::ReceiveError;

/// `POST orders/{id}/refunds`: `amount` or `lines`, and why.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestBody {
    /// An amount to return, in the order's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<MoneyDto>,
    /// Units of lines to return, each with its exact share of the order total (discount,
    /// tax and shipping included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<RefundLineBody>>,
    /// Why (1–500 characters).
    #[schema(example = "arrived damaged")]
    pub reason: String,
}

/// Units of one order line to refund.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundLineBody {
    /// The line's SKU.
    #[schema(example = "MUG-1")]
    pub sku: String,
    /// How many units (at least 1).
    #[schema(example = 1, minimum = 1)]
    pub quantity: u32,
}

/// A completed refund.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RefundResponse {
    /// The order's id.
    pub id: String,
    /// The order's version after the refund.
    pub version: u64,
    /// The refund's id.
    pub refund_id: Uuid,
    /// The payment provider's refund reference.
    pub provider_reference: String,
}

/// The id of what a request on order `order_id` creates (a refund, a return): derived from the
/// order and the `Idempotency-Key` when there is one, so a request retried after a 503
/// continues the same one; otherwise new.
pub(super) fn id_from_key(order_id: Uuid, headers: &HeaderMap) -> Uuid {
    headers
        .get(IDEMPOTENCY_KEY_HEADER)
        .map(|key| Uuid::new_v5(&order_id, key.as_bytes()))
        .unwrap_or_else(Uuid::new_v4)
}

/// A cancellation's failure: the order's refusal, or the refund of a paid order (the API's
/// and the back office's cancel answer the same).
impl From<CancelError> for ApiError {
    fn from(error: CancelError) -> Self {
        match error {
            CancelError::Order(error) => error.into(),
            CancelError::Refund(error) => refund_error(error),
        }
    }
}

/// A return receipt's failure: the order's refusal, or the refund of the returned units.
impl From<ReceiveError> for ApiError {
    fn from(error: ReceiveError) -> Self {
        match error {
            ReceiveError::Receipt(error) => error.into(),
            ReceiveError::Refund(error) => refund_error(error),
        }
    }
}

/// A refund's refusal as a problem.
pub(crate) fn refund_error(error: RefundError) -> ApiError {
    match error {
        RefundError::Order(error) => order_error(error),
        RefundError::ProviderMissing(provider) => ApiError::conflict(
            "refund_provider_unavailable",
            format!("the payment provider {provider} that took the payment is not configured"),
        ),
        RefundError::Refused(reason) => ApiError::conflict(
            "refund_declined",
            format!("the payment provider refused the refund: {reason}"),
        ),
        RefundError::Unavailable(message) => {
            tracing::warn!(%message, "payment provider unavailable for a refund");
            ApiError::unavailable(
                "the payment provider is unavailable; the refund stays requested, retry it \
                 with the same Idempotency-Key",
                5,
            )
        }
    }
}

/// Runs the refund and answers it with `status` and the refund.
async fn run(
    state: &AppState,
    input: RefundOrder,
    metadata: &crate::store::CommandMetadata,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let order_id = input.order_id;
    let Refunded {
        version,
        refund_id,
        provider_reference,
    } = refund::refund(&state.stores, &state.payments, input, metadata)
        .await
        .map_err(refund_error)?;
    let body = RefundResponse {
        id: order_id.to_string(),
        version: version as u64,
        refund_id,
        provider_reference,
    };
    Ok((status, Json(body)).into_response())
}

/// Refunds an amount or lines of a paid or delivered order through its payment provider;
/// the refunds of an order never exceed what was paid, even when requested concurrently.
#[utoipa::path(
    post,
    path = "/orders/{id}/refunds",
    tag = "orders",
    operation_id = "create_refund",
    request_body = RefundRequestBody,
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Refunded", body = RefundResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn create(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    headers: HeaderMap,
    CommandJson(body): CommandJson<RefundRequestBody>,
) -> Result<Response, ApiError> {
    let scope = match (body.amount, body.lines) {
        (Some(amount), None) => RefundScope::Amount(amount.to_money("amount")?),
        (None, Some(lines)) => RefundScope::Lines(
            lines
                .into_iter()
                .map(|line| RefundLineInput {
                    sku: line.sku,
                    quantity: line.quantity,
                })
                .collect(),
        ),
        _ => {
            return Err(ApiError::invalid_field(
                "amount",
                "give either `amount` or `lines`",
            ))
        }
    };
    let input = RefundOrder {
        order_id: id,
        refund_id: id_from_key(id, &headers),
        scope,
        reason: body.reason,
        expected_version: expected.0,
    };
    run(
        &state,
        input,
        &admin.metadata(&request_id.0),
        StatusCode::CREATED,
    )
    .await
}

/// Refunds whatever of a paid or delivered order's payment is not refunded yet, through its
/// payment provider.
#[utoipa::path(
    post,
    path = "/orders/{id}/refund",
    tag = "orders",
    operation_id = "refund_order",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Refunded", body = RefundResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn refund_rest(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    headers: HeaderMap,
    CommandJson(body): CommandJson<ReasonRequest>,
) -> Result<Response, ApiError> {
    let input = RefundOrder {
        order_id: id,
        refund_id: id_from_key(id, &headers),
        scope: RefundScope::Remaining,
        reason: body.reason,
        expected_version: expected.0,
    };
    run(
        &state,
        input,
        &admin.metadata(&request_id.0),
        StatusCode::OK,
    )
    .await
}
