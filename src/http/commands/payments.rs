//! `POST payments/webhook`: a payment provider reports the outcome of a payment. No bearer
//! token: the request is authenticated by its `Payment-Signature` (Stripe's `t=…,v1=…`
//! scheme, HMAC-SHA256 with `PAYMENT_WEBHOOK_SECRET`) over the exact bytes received, and is
//! idempotent on the provider's event id (table `payment_webhook_events`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::MoneyDto;
use super::orders::order_error;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{parse_object, ApiBytes, RequestId};
use crate::http::AppState;
use crate::payments::signature::{self, SignatureError, SIGNATURE_HEADER};
use crate::store::{Actor, CommandMetadata};
use crate::usecases::payment_webhook::{self, PaymentReport, ProviderEvent, WebhookError};

pub use crate::usecases::payment_webhook::WEBHOOK_PROVIDER;

/// A payment went through: the order is paid.
pub const PAYMENT_SUCCEEDED: &str = "payment.succeeded";
/// A payment failed: noted, the order is unchanged (it can still be paid).
pub const PAYMENT_FAILED: &str = "payment.failed";

/// A provider's event. Unknown fields are tolerated: providers add fields over time and the
/// signature already proves the sender.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct WebhookEvent {
    /// The provider's event id; a redelivery carries the same id.
    #[schema(example = "evt_1Nq2x")]
    pub id: String,
    /// `payment.succeeded` or `payment.failed`; other types are acknowledged and ignored.
    #[serde(rename = "type")]
    #[schema(example = "payment.succeeded")]
    pub event_type: String,
    /// What the event is about.
    pub data: WebhookPayment,
}

/// The payment an event reports.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct WebhookPayment {
    /// The order paid for.
    pub order_id: Uuid,
    /// The amount taken (must equal the order total).
    pub amount: MoneyDto,
    /// The provider's payment reference.
    #[schema(example = "pi_3Nq2x")]
    pub reference: String,
}

/// What the webhook answers (200), also for a redelivered event.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct WebhookResponse {
    /// The provider's event id.
    pub id: String,
    /// `paid`, `failed` or `ignored`.
    #[schema(example = "paid")]
    pub outcome: String,
    /// Whether this event id had already been handled (nothing was done this time).
    pub replayed: bool,
}

/// A refused signature as a 400 problem (`invalid_signature` or `signature_expired`).
fn signature_error(error: SignatureError) -> ApiError {
    let code = match error {
        SignatureError::Expired => "signature_expired",
        SignatureError::Malformed | SignatureError::Mismatch => "invalid_signature",
    };
    ApiError::bad_request(code, error.to_string())
}

/// The signed event, parsed: malformed JSON 400, another shape 422.
fn parse_event(body: &[u8]) -> Result<WebhookEvent, ApiError> {
    let event: WebhookEvent = parse_object(body, false)?;
    if event.id.trim().is_empty() || event.id.len() > 255 {
        return Err(ApiError::invalid_field("id", "must be 1–255 characters"));
    }
    Ok(event)
}

/// Receives a provider's payment event. `payment.succeeded` records the payment on the order
/// (its exact total; a repeat of the same reference changes nothing), `payment.failed` is
/// noted without changing the order, other types are ignored. A redelivered event id answers
/// 200 with the stored outcome and changes nothing; a refused event stores nothing, so the
/// provider's retry is handled afresh.
#[utoipa::path(
    post,
    path = "/payments/webhook",
    tag = "payments",
    operation_id = "payment_webhook",
    request_body = WebhookEvent,
    params(("Payment-Signature" = String, Header,
            description = "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">")),
    responses(
        (status = 200, description = "Handled (or already handled)", body = WebhookResponse),
        (status = 400, description = "Bad or stale signature, malformed JSON (problem)",
         body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order (problem)", body = Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "The order cannot take this payment (problem)",
         body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large (problem)", body = Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "Invalid event (problem)", body = Problem,
         content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(event_id, event_type), err(Debug))]
pub async fn webhook(
    State(state): State<AppState>,
    request_id: RequestId,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<Json<WebhookResponse>, ApiError> {
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok());
    signature::verify(
        header,
        &body,
        state.config.payment_webhook_secret.expose().as_bytes(),
        Utc::now().timestamp(),
        signature::DEFAULT_TOLERANCE_SECONDS,
    )
    .map_err(signature_error)?;
    let event = parse_event(&body)?;
    let span = tracing::Span::current();
    span.record("event_id", event.id.as_str());
    span.record("event_type", event.event_type.as_str());

    let report = match event.event_type.as_str() {
        PAYMENT_SUCCEEDED => PaymentReport::Succeeded {
            reference: event.data.reference.clone(),
            amount: event.data.amount.to_money("data.amount")?,
        },
        PAYMENT_FAILED => PaymentReport::Failed,
        _ => PaymentReport::Other,
    };
    let provider_event = ProviderEvent {
        id: event.id.clone(),
        event_type: event.event_type,
        order_id: event.data.order_id,
        report,
    };
    let metadata = CommandMetadata::new(Actor::system("payment-webhook"), &request_id.0);
    let handled = payment_webhook::handle(&state.stores, &state.pool, provider_event, &metadata)
        .await
        .map_err(|error| match error {
            WebhookError::Order(error) => order_error(error),
            WebhookError::Store(error) => error.into(),
        })?;
    Ok(Json(WebhookResponse {
        id: event.id,
        outcome: handled.outcome,
        replayed: handled.replayed,
    }))
}
