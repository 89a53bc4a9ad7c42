//! Returns: the customer asks (`POST orders/{id}/returns`), an admin approves, rejects or
//! receives (`POST returns/{id}/approve|reject|receive`; receiving restocks when asked and
//! refunds the units' share through the payment provider). They run
//! [`crate::usecases::returns`].

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::order::ReturnLine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{CommandHeaders, CommandJson, CommandProblems};
use super::orders::ReasonRequest;
use super::preconditions::{Admin, Shopper};
use super::refunds::id_from_key;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::usecases::refund::Refunded;
use crate::usecases::returns::{self, Decision, Received, RequestReturn, Stepped};

/// `POST orders/{id}/returns`: units of lines of the delivered order, and why.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequestBody {
    /// The units to send back (at least one line).
    pub lines: Vec<ReturnLineBody>,
    /// Why (1–500 characters).
    #[schema(example = "too small")]
    pub reason: String,
}

/// Units of one order line to return.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineBody {
    /// The line's SKU.
    #[schema(example = "MUG-1")]
    pub sku: String,
    /// How many units (at least 1).
    #[schema(example = 1, minimum = 1)]
    pub quantity: u32,
}

/// `POST returns/{id}/receive`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveRequest {
    /// Whether the units go back to stock (false for damaged goods).
    pub restock: bool,
}

/// A step on a return.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReturnResponse {
    /// The order's id.
    pub id: String,
    /// The order's version after the step.
    pub version: u64,
    /// The return's id.
    pub return_id: Uuid,
    /// The refund made on receipt (its id is the return's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<Uuid>,
    /// The payment provider's refund reference, on receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_reference: Option<String>,
}

fn answer(status: StatusCode, order_id: Uuid, version: usize, return_id: Uuid) -> Response {
    let body = ReturnResponse {
        id: order_id.to_string(),
        version: version as u64,
        return_id,
        refund_id: None,
        provider_reference: None,
    };
    (status, Json(body)).into_response()
}

/// Asks to return units of a delivered order, within `RETURN_WINDOW_DAYS` of delivery (its
/// owner).
#[utoipa::path(
    post,
    path = "/orders/{id}/returns",
    tag = "returns",
    operation_id = "request_return",
    request_body = ReturnRequestBody,
    params(("id" = Uuid, Path, description = "Order id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Requested", body = ReturnResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn request(
    Shopper(user): Shopper,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    request_id: RequestId,
    headers: HeaderMap,
    CommandJson(body): CommandJson<ReturnRequestBody>,
) -> Result<Response, ApiError> {
    let return_id = id_from_key(id, &headers);
    let input = RequestReturn {
        order_id: id,
        customer: user.caller(),
        return_id,
        lines: body
            .lines
            .into_iter()
            .map(|line| ReturnLine {
                sku: line.sku,
                quantity: line.quantity,
            })
            .collect(),
        reason: body.reason,
        window_days: state.config.return_window_days,
    };
    let version = returns::request(&state.stores, input, &user.metadata(&request_id.0)).await?;
    Ok(answer(StatusCode::CREATED, id, version, return_id))
}

async fn decide(
    state: &AppState,
    return_id: Uuid,
    decision: Decision,
    metadata: &crate::store::CommandMetadata,
) -> Result<Response, ApiError> {
    let Stepped { order_id, version } =
        returns::decide(&state.stores, &state.pool, return_id, decision, metadata).await?;
    Ok(answer(StatusCode::OK, order_id, version, return_id))
}

/// Approves a requested return: the customer sends the units back.
#[utoipa::path(
    post,
    path = "/returns/{id}/approve",
    tag = "returns",
    operation_id = "approve_return",
    params(("id" = Uuid, Path, description = "Return id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Approved", body = ReturnResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(return_id = %id))]
pub async fn approve(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    request_id: RequestId,
) -> Result<Response, ApiError> {
    decide(
        &state,
        id,
        Decision::Approve,
        &admin.metadata(&request_id.0),
    )
    .await
}

/// Rejects a requested return, with a reason the customer is told.
#[utoipa::path(
    post,
    path = "/returns/{id}/reject",
    tag = "returns",
    operation_id = "reject_return",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Return id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Rejected", body = ReturnResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(return_id = %id))]
pub async fn reject(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    request_id: RequestId,
    CommandJson(body): CommandJson<ReasonRequest>,
) -> Result<Response, ApiError> {
    let decision = Decision::Reject(body.reason);
    decide(&state, id, decision, &admin.metadata(&request_id.0)).await
}

/// Receives an approved return: the units go back to stock when `restock`, and their share
/// of the total is refunded through the payment provider. A 503 leaves the receipt recorded
/// and the refund requested: the same request again finishes it.
#[utoipa::path(
    post,
    path = "/returns/{id}/receive",
    tag = "returns",
    operation_id = "receive_return",
    request_body = ReceiveRequest,
    params(("id" = Uuid, Path, description = "Return id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Received and refunded", body = ReturnResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(return_id = %id))]
pub async fn receive(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    request_id: RequestId,
    CommandJson(body): CommandJson<ReceiveRequest>,
) -> Result<Response, ApiError> {
    let refunded = returns::receive(
        &state.stores,
        &state.payments,
        &state.pool,
        id,
        body.restock,
        &admin.metadata(&request_id.0),
    )
    .await?;
    let Received {
        order_id,
        refund:
            Refunded {
                version,
                refund_id,
                provider_reference,
            },
    } = refunded;
    let body = ReturnResponse {
        id: order_id.to_string(),
        version: version as u64,
        return_id: id,
        refund_id: Some(refund_id),
        provider_reference: Some(provider_reference),
    };
    Ok((StatusCode::OK, Json(body)).into_response())
}
