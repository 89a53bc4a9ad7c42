//! The Stripe provider: a PaymentIntent per order attempt, created and confirmed in one call
//! with the customer's payment method, and Stripe's webhook events read into the engine's
//! [`ProviderEvent`].
//!
//! Requests are built by async-stripe's generated builders and sent by its client (rustls),
//! so parameters, form encoding, the idempotency header and API errors are Stripe's own. The
//! answers are read into the narrow [`Intent`] below rather than the crate's full
//! `PaymentIntent`: the decision needs five fields, and a full model of one API version
//! refuses answers that lack fields it requires (as Stripe emulators' answers do).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use async_trait::async_trait;
use commerce_aggregates::{Currency, Money};
use serde::Deserialize;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
    CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects,
};
use stripe_core::refund::CreateRefund;
use uuid::Uuid;

use super::{
    ChargeRequest, Charged, PaymentError, PaymentProvider, PaymentReport, ProviderEvent,
    RefundRequest,
};
use crate::secret::Secret;

/// The name clients select Stripe by.
pub const STRIPE_PROVIDER: &str = "stripe";
/// The PaymentIntent and Refund metadata key that names the order.
pub const ORDER_ID_METADATA: &str = "order_id";
/// The Refund metadata key that names the engine's refund.
pub const REFUND_ID_METADATA: &str = "refund_id";
/// How long one request to Stripe may take before the charge is reported unavailable (and
/// settled by a retry with the same idempotency key, or by the webhook).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Charges through Stripe's PaymentIntents API.
pub struct StripeProvider {
    client: Client,
}

impl StripeProvider {
    /// A client for `api_base` (Stripe's, or an emulator's) with secret key `key`.
    pub fn new(key: &Secret, api_base: &str) -> anyhow::Result<Self> {
        let client = ClientBuilder::new(key.expose())
            .url(api_base)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| anyhow::anyhow!("Stripe client: {error}"))?;
        Ok(Self { client })
    }
}

/// The fields of a PaymentIntent the engine decides on.
#[derive(Debug, miniserde::Deserialize)]
struct Intent {
    id: String,
    status: String,
    amount: i64,
    currency: String,
    client_secret: Option<String>,
    last_payment_error: Option<LastError>,
}

#[derive(Debug, miniserde::Deserialize)]
struct LastError {
    message: Option<String>,
}

/// The fields of a Refund the engine decides on.
#[derive(Debug, miniserde::Deserialize)]
struct StripeRefund {
    id: String,
    status: Option<String>,
    failure_reason: Option<String>,
}

/// Stripe's currency for ours (Stripe spells codes in lower case).
fn stripe_currency(currency: &Currency) -> stripe_types::Currency {
    currency
        .as_str()
        .to_ascii_lowercase()
        .parse()
        .unwrap_or_else(|never: Infallible| match never {})
}

#[async_trait]
impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        STRIPE_PROVIDER
    }

    fn token_field(&self) -> &'static str {
        "payment_method"
    }

    async fn charge(&self, request: ChargeRequest<'_>) -> Result<Charged, PaymentError> {
        let key = IdempotencyKey::new(request.idempotency_key).map_err(|error| {
            PaymentError::Unavailable {
                message: format!("idempotency key: {error}"),
            }
        })?;
        // Card payments confirmed by the server: methods that redirect the customer away are
        // not offered, so no return URL is needed; 3-D Secure still comes back as
        // `requires_action` for Stripe.js to complete.
        let automatic = CreatePaymentIntentAutomaticPaymentMethods {
            enabled: true,
            allow_redirects: Some(CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects::Never),
        };
        let intent = CreatePaymentIntent::new(
            request.amount.minor,
            stripe_currency(&request.amount.currency),
        )
        .payment_method(request.token)
        .confirm(true)
        .automatic_payment_methods(automatic)
        .metadata(HashMap::from([(
            ORDER_ID_METADATA.to_string(),
            request.order_id.to_string(),
        )]))
        .build()
        .customize::<Intent>()
        .request_strategy(RequestStrategy::Idempotent(key))
        .send(&self.client)
        .await
        .map_err(charge_error)?;
        settle(intent, request.amount)
    }

    async fn refund(&self, request: RefundRequest<'_>) -> Result<String, PaymentError> {
        let key = IdempotencyKey::new(request.idempotency_key).map_err(|error| {
            PaymentError::Unavailable {
                message: format!("idempotency key: {error}"),
            }
        })?;
        let refund = CreateRefund::new()
            .payment_intent(request.payment_reference)
            .amount(request.amount.minor)
            .metadata(HashMap::from([
                (ORDER_ID_METADATA.to_string(), request.order_id.to_string()),
                (
                    REFUND_ID_METADATA.to_string(),
                    request.refund_id.to_string(),
                ),
            ]))
            .build()
            .customize::<StripeRefund>()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(charge_error)?;
        match refund.status.as_deref() {
            // A card refund is `pending` until the network confirms it: the money is on its
            // way back and cannot be refunded twice.
            Some("succeeded" | "pending") | None => Ok(refund.id),
            Some(status) => Err(PaymentError::Declined {
                reason: refund
                    .failure_reason
                    .unwrap_or_else(|| format!("the refund is {status}")),
            }),
        }
    }
}

/// What an intent's status means for the order.
fn settle(intent: Intent, amount: &Money) -> Result<Charged, PaymentError> {
    if intent.amount != amount.minor
        || !intent
            .currency
            .eq_ignore_ascii_case(amount.currency.as_str())
    {
        tracing::error!(intent = %intent.id, "Stripe answered an intent for another amount");
        return Err(PaymentError::Unavailable {
            message: "Stripe answered an intent for another amount".into(),
        });
    }
    match intent.status.as_str() {
        "succeeded" => Ok(Charged::Paid {
            reference: intent.id,
        }),
        "requires_action" | "processing" => Ok(Charged::Pending {
            reference: intent.id,
            client_secret: intent
                .client_secret
                .filter(|_| intent.status == "requires_action"),
        }),
        "requires_payment_method" | "canceled" => Err(PaymentError::Declined {
            reason: intent
                .last_payment_error
                .and_then(|error| error.message)
                .unwrap_or_else(|| format!("the payment intent is {}", intent.status)),
        }),
        other => {
            tracing::error!(intent = %intent.id, status = other, "unexpected intent status");
            Err(PaymentError::Unavailable {
                message: format!("Stripe left the payment {other}"),
            })
        }
    }
}

/// Stripe's refusal as the port's: a card error is a decline, an unknown payment method an
/// invalid token, anything else (keys, limits, outages, answers not understood) unavailable.
fn charge_error(error: StripeError) -> PaymentError {
    match error {
        StripeError::Stripe(errors, 402) => PaymentError::Declined {
            reason: errors
                .message
                .clone()
                .unwrap_or_else(|| "the card was declined".into()),
        },
        StripeError::Stripe(errors, status)
            if status == 404
                || errors
                    .param
                    .as_deref()
                    .is_some_and(|param| param.starts_with("payment_method")) =>
        {
            PaymentError::InvalidToken {
                message: errors
                    .message
                    .clone()
                    .unwrap_or_else(|| "no such payment method".into()),
            }
        }
        StripeError::Stripe(errors, status) => {
            let message = errors.message.clone().unwrap_or_default();
            if status < 500 && !matches!(status, 409 | 429) {
                tracing::error!(status, %message, "Stripe refused the request");
            }
            PaymentError::Unavailable {
                message: format!("Stripe answered {status}: {message}"),
            }
        }
        other => PaymentError::Unavailable {
            message: other.to_string(),
        },
    }
}

/// A Stripe event as its webhook sends it: only the fields the engine reads.
#[derive(Debug, Deserialize)]
pub struct StripeEvent {
    /// `evt_…`; a redelivery carries the same id.
    pub id: String,
    /// `payment_intent.succeeded`, `charge.refunded`, …
    #[serde(rename = "type")]
    pub event_type: String,
    /// The object the event is about.
    pub data: StripeEventData,
}

/// `data` of a Stripe event.
#[derive(Debug, Deserialize)]
pub struct StripeEventData {
    /// The object as it is after the event (a PaymentIntent, a Charge, …).
    pub object: StripeObject,
}

/// The fields of a PaymentIntent or a Charge the engine reads.
#[derive(Debug, Deserialize)]
pub struct StripeObject {
    /// `pi_…`, `ch_…`.
    pub id: String,
    /// Minor units.
    #[serde(default)]
    pub amount: Option<i64>,
    /// Lower-case ISO code.
    #[serde(default)]
    pub currency: Option<String>,
    /// Ours: `order_id` (and `refund_id` on refunds).
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    /// A refund's status (`succeeded`, `pending`, `failed`, `canceled`).
    #[serde(default)]
    pub status: Option<String>,
    /// A refund's reason for failing.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// A charge's cumulative refunded amount.
    #[serde(default)]
    pub amount_refunded: Option<i64>,
    /// The PaymentIntent a charge belongs to.
    #[serde(default)]
    pub payment_intent: Option<String>,
}

impl StripeEvent {
    /// The engine's reading of the event. Events about objects the engine did not create
    /// (no `order_id` metadata) and types it does not act on are reported as
    /// [`PaymentReport::Other`]: acknowledged and ignored.
    pub fn into_provider_event(self) -> ProviderEvent {
        let object = self.data.object;
        let order_id = object
            .metadata
            .get(ORDER_ID_METADATA)
            .and_then(|id| Uuid::parse_str(id).ok());
        let money = |minor: Option<i64>| {
            let code = object.currency.as_deref()?.to_ascii_uppercase();
            Some(Money::new(minor?, Currency::parse(&code).ok()?))
        };
        let refund_id = object
            .metadata
            .get(REFUND_ID_METADATA)
            .and_then(|id| Uuid::parse_str(id).ok());
        let report = match (self.event_type.as_str(), order_id) {
            ("payment_intent.succeeded", Some(_)) => match money(object.amount) {
                Some(amount) => PaymentReport::Succeeded {
                    provider: STRIPE_PROVIDER.to_string(),
                    reference: object.id,
                    amount,
                },
                None => PaymentReport::Other,
            },
            ("payment_intent.payment_failed", Some(_)) => PaymentReport::Failed {
                provider: STRIPE_PROVIDER.to_string(),
                reference: object.id,
            },
            ("refund.created" | "refund.updated" | "refund.failed", Some(_)) => {
                match (refund_id, object.status.as_deref()) {
                    (Some(refund_id), Some(status @ ("succeeded" | "failed" | "canceled"))) => {
                        PaymentReport::RefundSettled {
                            refund_id,
                            reference: object.id,
                            succeeded: status == "succeeded",
                            reason: object.failure_reason,
                        }
                    }
                    _ => PaymentReport::Other,
                }
            }
            // A charge names its order only through its PaymentIntent when Stripe does not
            // copy the intent's metadata.
            ("charge.refunded", _) => match money(object.amount_refunded) {
                Some(refunded) => PaymentReport::Refunded {
                    refunded,
                    reference: object.id,
                    payment_reference: object.payment_intent,
                },
                None => PaymentReport::Other,
            },
            _ => PaymentReport::Other,
        };
        ProviderEvent {
            id: self.id,
            event_type: self.event_type,
            order_id: order_id.filter(|_| !matches!(report, PaymentReport::Other)),
            report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("USD"))
    }

    fn intent(status: &str) -> Intent {
        Intent {
            id: "pi_1".into(),
            status: status.into(),
            amount: 2999,
            currency: "usd".into(),
            client_secret: Some("pi_1_secret_x".into()),
            last_payment_error: Some(LastError {
                message: Some("Your card was declined.".into()),
            }),
        }
    }

    #[test]
    fn a_succeeded_intent_pays_with_its_id() {
        assert_eq!(
            settle(intent("succeeded"), &usd(2999)),
            Ok(Charged::Paid {
                reference: "pi_1".into()
            })
        );
    }

    #[test]
    fn an_intent_that_needs_the_customer_answers_its_client_secret() {
        assert_eq!(
            settle(intent("requires_action"), &usd(2999)),
            Ok(Charged::Pending {
                reference: "pi_1".into(),
                client_secret: Some("pi_1_secret_x".into()),
            })
        );
        assert_eq!(
            settle(intent("processing"), &usd(2999)),
            Ok(Charged::Pending {
                reference: "pi_1".into(),
                client_secret: None,
            })
        );
    }

    #[test]
    fn a_failed_intent_is_declined_with_stripes_reason() {
        assert_eq!(
            settle(intent("requires_payment_method"), &usd(2999)),
            Err(PaymentError::Declined {
                reason: "Your card was declined.".into()
            })
        );
    }

    #[test]
    fn an_intent_for_another_amount_is_not_taken_as_payment() {
        assert!(matches!(
            settle(intent("succeeded"), &usd(1999)),
            Err(PaymentError::Unavailable { .. })
        ));
    }

    #[test]
    fn stripe_currencies_are_lower_case_codes() {
        let currency = stripe_currency(&Currency::parse("EUR").expect("EUR"));
        assert_eq!(currency, stripe_types::Currency::EUR);
    }

    fn event(event_type: &str, metadata: serde_json::Value) -> ProviderEvent {
        let body = serde_json::json!({
            "id": "evt_1",
            "type": event_type,
            "data": {"object": {"id": "pi_1", "amount": 2999, "currency": "usd",
                                "metadata": metadata, "status": "succeeded"}}
        });
        serde_json::from_value::<StripeEvent>(body)
            .expect("event parses")
            .into_provider_event()
    }

    #[test]
    fn a_succeeded_intent_of_an_order_reports_the_payment() {
        let order = Uuid::new_v4();
        let reported = event(
            "payment_intent.succeeded",
            serde_json::json!({"order_id": order.to_string()}),
        );
        assert_eq!(reported.order_id, Some(order));
        assert!(matches!(
            reported.report,
            PaymentReport::Succeeded { ref reference, ref amount, .. }
                if reference == "pi_1" && *amount == usd(2999)
        ));
    }

    #[test]
    fn events_without_an_order_or_of_other_types_are_ignored() {
        let foreign = event("payment_intent.succeeded", serde_json::json!({}));
        assert!(matches!(foreign.report, PaymentReport::Other));
        assert_eq!(foreign.order_id, None);
        let other = event(
            "customer.created",
            serde_json::json!({"order_id": Uuid::new_v4().to_string()}),
        );
        assert!(matches!(other.report, PaymentReport::Other));
    }
}
