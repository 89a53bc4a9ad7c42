//! The rules of every order command except placement: which events a command produces from
//! the current state, or why it is refused.

use chrono::{DateTime, Utc};

use crate::common::Role;
use crate::money::Money;
use crate::order::aggregate::OrderState;
use crate::order::command::OrderCommand;
use crate::order::error::OrderError;
use crate::order::event::OrderEvent;
use crate::order::place::place;
use crate::order::refund;
use crate::order::returns;
use crate::order::status::OrderAction;

/// Longest payment provider, payment reference, carrier or tracking number, in characters.
pub const MAX_REFERENCE_LEN: usize = 100;
pub use crate::reason::MAX_REASON_LEN;

/// Trims `value` and checks it is non-empty and at most `max` characters.
pub(crate) fn required_text(
    value: &str,
    field: &'static str,
    max: usize,
) -> Result<String, OrderError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(OrderError::MissingField { field });
    }
    if trimmed.chars().count() > max {
        return Err(OrderError::FieldTooLong { field, max });
    }
    Ok(trimmed.to_string())
}

/// Fails with `InvalidTransition` unless `action` is legal in the order's status.
fn check_transition(state: &OrderState, action: OrderAction) -> Result<(), OrderError> {
    match state.status.after(action) {
        Some(_) => Ok(()),
        None => Err(OrderError::InvalidTransition {
            from: state.status,
            action,
        }),
    }
}

/// Decides which events `command` produces for the order in `state` (`None`: not placed).
pub(crate) fn decide(
    state: Option<&OrderState>,
    command: OrderCommand,
) -> Result<Vec<OrderEvent>, OrderError> {
    if let OrderCommand::PlaceOrder { .. } = command {
        if state.is_some() {
            return Err(OrderError::AlreadyExists);
        }
        return place(command);
    }
    let state = state.ok_or(OrderError::NotFound)?;
    match command {
        OrderCommand::PlaceOrder { .. } => Err(OrderError::AlreadyExists),
        OrderCommand::ConfirmOrder { payment_due_by } => {
            check_transition(state, OrderAction::Confirm)?;
            if payment_due_by <= state.placed_at {
                return Err(OrderError::InvalidPaymentDeadline {
                    payment_due_by,
                    placed_at: state.placed_at,
                });
            }
            Ok(vec![OrderEvent::OrderConfirmed { payment_due_by }])
        }
        OrderCommand::RejectOrder { reason } => {
            check_transition(state, OrderAction::Reject)?;
            Ok(vec![OrderEvent::OrderRejected { reason }])
        }
        OrderCommand::RecordPayment {
            provider,
            payment_reference,
            amount,
            at,
        } => record_payment(state, &provider, &payment_reference, amount, at),
        OrderCommand::ShipOrder {
            carrier,
            tracking_number,
            at,
        } => {
            check_transition(state, OrderAction::Ship)?;
            Ok(vec![OrderEvent::OrderShipped {
                carrier: required_text(&carrier, "carrier", MAX_REFERENCE_LEN)?,
                tracking_number: required_text(
                    &tracking_number,
                    "tracking_number",
                    MAX_REFERENCE_LEN,
                )?,
                shipped_at: at,
            }])
        }
        OrderCommand::DeliverOrder { at } => {
            check_transition(state, OrderAction::Deliver)?;
            Ok(vec![OrderEvent::OrderDelivered { delivered_at: at }])
        }
        OrderCommand::CancelOrder {
            reason,
            by,
            refund_id,
            at,
        } => {
            let action = match by {
                Role::Admin => OrderAction::CancelAsAdmin,
                Role::Customer | Role::Prime => OrderAction::Cancel,
                Role::Auditor => return Err(OrderError::RoleNotPermitted { role: by }),
            };
            check_transition(state, action)?;
            let reason = required_text(&reason, "reason", MAX_REASON_LEN)?;
            let refundable = state.refundable();
            let refund = state.payment.as_ref().map(|_| refundable);
            let refunds = refund.is_some_and(|refund| !refund.is_zero());
            let mut events = vec![OrderEvent::OrderCancelled {
                reason: reason.clone(),
                refund,
                by,
                cancelled_at: at,
                refund_id: refunds.then_some(refund_id),
            }];
            if refunds {
                events.push(OrderEvent::RefundRequested {
                    refund_id,
                    amount: refundable,
                    lines: Vec::new(),
                    reason,
                    requested_at: at,
                });
            }
            Ok(events)
        }
        OrderCommand::RequestRefund {
            refund_id,
            scope,
            reason,
            at,
        } => refund::request(state, refund_id, scope, &reason, at),
        OrderCommand::CompleteRefund {
            refund_id,
            provider_reference,
            at,
        } => refund::complete(state, refund_id, &provider_reference, at),
        OrderCommand::FailRefund {
            refund_id,
            reason,
            at,
        } => refund::fail(state, refund_id, &reason, at),
        OrderCommand::RecordProviderRefunds {
            refunded,
            provider_reference,
            at,
        } => refund::record_provider_total(state, refunded, &provider_reference, at),
        OrderCommand::RequestReturn {
            return_id,
            lines,
            reason,
            window_days,
            at,
        } => returns::request(state, return_id, lines, &reason, window_days, at),
        OrderCommand::ApproveReturn { return_id, at } => returns::approve(state, return_id, at),
        OrderCommand::RejectReturn {
            return_id,
            reason,
            at,
        } => returns::reject(state, return_id, &reason, at),
        OrderCommand::ReceiveReturn {
            return_id,
            restock,
            at,
        } => returns::receive(state, return_id, restock, at),
        OrderCommand::ExpireOrder { at } => {
            check_transition(state, OrderAction::Expire)?;
            match state.payment_due_by {
                Some(payment_due_by) if at < payment_due_by => {
                    Err(OrderError::NotYetDue { payment_due_by, at })
                }
                _ => Ok(vec![OrderEvent::OrderExpired { expired_at: at }]),
            }
        }
    }
}

/// `RecordPayment`: idempotent per payment reference; otherwise only a confirmed order can be
/// paid, and only its exact total.
fn record_payment(
    state: &OrderState,
    provider: &str,
    payment_reference: &str,
    amount: Money,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    if let Some(payment) = &state.payment {
        if payment.reference == payment_reference.trim() {
            return Ok(vec![]);
        }
    }
    check_transition(state, OrderAction::RecordPayment)?;
    let provider = required_text(provider, "provider", MAX_REFERENCE_LEN)?;
    let payment_reference =
        required_text(payment_reference, "payment_reference", MAX_REFERENCE_LEN)?;
    if amount != state.totals.total {
        return Err(OrderError::AmountMismatch {
            expected: state.totals.total,
            received: amount,
        });
    }
    Ok(vec![OrderEvent::OrderPaid {
        provider,
        payment_reference,
        amount,
        paid_at: at,
    }])
}
