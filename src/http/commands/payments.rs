//! Payment provider webhooks: `POST payments/stripe/webhook` takes Stripe's events (signed in
//! `Stripe-Signature` with `STRIPE_WEBHOOK_SECRET`), `POST payments/webhook` the `test`
//! provider's (signed the same way in `Payment-Signature` with `PAYMENT_WEBHOOK_SECRET`). No
//! bearer token: a request is authenticated by its signature over the exact bytes received
//! (`t=…,v1=…`, HMAC-SHA256, a tolerance on `t`), and is idempotent on the provider's event
//! id (table `payment_webhook_events`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{MoneyDto, WebhookProblems};
use super::orders::order_error;
use crate::http::error::ApiError;
use crate::http::extract::{parse_object, ApiBytes, RequestId};
use crate::http::AppState;
use crate::payments::signature::{self, SignatureError, SIGNATURE_HEADER, STRIPE_SIGNATURE_HEADER};
use crate::payments::stripe::StripeEvent;
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
        WebhookProblems,
    )
)]
#[tracing::instrument(skip_all, fields(event_id, event_type), err(Debug))]
pub async fn webhook(
    State(state): State<AppState>,
    request_id: RequestId,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<Json<WebhookResponse>, ApiError> {
    verify(
        &headers,
        SIGNATURE_HEADER,
        state.config.payment_webhook_secret.expose(),
        &body,
    )?;
    let event = parse_event(&body)?;
    let span = tracing::Span::current();
    span.record("event_id", event.id.as_str());
    span.record("event_type", event.event_type.as_str());

    let report = match event.event_type.as_str() {
        PAYMENT_SUCCEEDED => PaymentReport::Succeeded {
            provider: WEBHOOK_PROVIDER.to_string(),
            reference: event.data.reference.clone(),
            amount: event.data.amount.to_money("data.amount")?,
        },
        PAYMENT_FAILED => PaymentReport::Failed {
            provider: WEBHOOK_PROVIDER.to_string(),
            reference: event.data.reference.clone(),
        },
        _ => PaymentReport::Other,
    };
    let provider_event = ProviderEvent {
        id: event.id,
        event_type: event.event_type,
        order_id: Some(event.data.order_id),
        report,
    };
    handle(&state, &request_id, provider_event).await
}

/// Receives one of Stripe's events: `payment_intent.succeeded` records the payment on the
/// order it names (metadata `order_id`; the API answer, when it arrives first, recorded the
/// same reference and this changes nothing), `payment_intent.payment_failed` is noted (the
/// customer's next attempt gets a new idempotency key), other types and objects the engine
/// did not create are acknowledged and ignored. A redelivered event id answers 200 with the
/// stored outcome and changes nothing; a refused event stores nothing, so Stripe's retry is
/// handled afresh.
#[utoipa::path(
    post,
    path = "/payments/stripe/webhook",
    tag = "payments",
    operation_id = "stripe_webhook",
    request_body(content = serde_json::Value, description = "A Stripe event object"),
    params(("Stripe-Signature" = String, Header,
            description = "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">[,v1=…]")),
    responses(
        (status = 200, description = "Handled (or already handled)", body = WebhookResponse),
        WebhookProblems,
    )
)]
#[tracing::instrument(skip_all, fields(event_id, event_type), err(Debug))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    request_id: RequestId,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<Json<WebhookResponse>, ApiError> {
    verify(
        &headers,
        STRIPE_SIGNATURE_HEADER,
        state.config.stripe.webhook_secret.expose(),
        &body,
    )?;
    let event: StripeEvent = parse_object(&body, false)?;
    if event.id.trim().is_empty() || event.id.len() > 255 {
        return Err(ApiError::invalid_field("id", "must be 1–255 characters"));
    }
    let span = tracing::Span::current();
    span.record("event_id", event.id.as_str());
    span.record("event_type", event.event_type.as_str());
    handle(&state, &request_id, event.into_provider_event()).await
}

/// Checks the signature in `header` over `body` with `secret`, now.
fn verify(headers: &HeaderMap, header: &str, secret: &str, body: &[u8]) -> Result<(), ApiError> {
    let value = headers.get(header).and_then(|value| value.to_str().ok());
    signature::verify(
        value,
        body,
        secret.as_bytes(),
        Utc::now().timestamp(),
        signature::DEFAULT_TOLERANCE_SECONDS,
    )
    .map(|_| ())
    .map_err(signature_error)
}

/// Handles a verified event once and answers its outcome.
async fn handle(
    state: &AppState,
    request_id: &RequestId,
    event: ProviderEvent,
) -> Result<Json<WebhookResponse>, ApiError> {
    let id = event.id.clone();
    let metadata = CommandMetadata::new(Actor::system("payment-webhook"), &request_id.0);
    let handled = payment_webhook::handle(&state.stores, &state.pool, event, &metadata)
        .await
        .map_err(|error| match error {
            WebhookError::Order(error) => order_error(error),
            WebhookError::Store(error) => error.into(),
        })?;
    Ok(Json(WebhookResponse {
        id,
        outcome: handled.outcome,
        replayed: handled.replayed,
    }))
}
