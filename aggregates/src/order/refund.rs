//! Refunds of a paid order, full or partial, by amount or by lines.
//!
//! A refund is first **requested**: its amount is reserved against what was paid, so
//! concurrent requests can never together exceed the payment (each is decided on the order's
//! latest version). The payment provider then returns the money and the refund is
//! **completed** (`OrderRefunded`, with the provider's reference), or it **fails** and the
//! reservation is released. A refund made at the provider directly (its dashboard) is recorded
//! from the provider's report of the cumulative amount refunded.
//!
//! A line's share is its total (discount and tax included) plus its share of shipping, spread
//! over the lines by their totals; refunding part of a line refunds the cumulative share of
//! the units refunded so far minus what earlier refunds of that line took, so the refunds of
//! every unit of every line add up to the order total exactly.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::Money;
use crate::order::aggregate::OrderState;
use crate::order::decide::{required_text, MAX_REASON_LEN, MAX_REFERENCE_LEN};
use crate::order::error::OrderError;
use crate::order::event::OrderEvent;
use crate::order::pricing::spread;
use crate::order::status::{OrderAction, OrderStatus};

/// What an admin asks to refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundScope {
    /// Whatever of the payment is not refunded or reserved yet.
    Remaining,
    /// This amount, in the order's currency.
    Amount(Money),
    /// These units of these lines, each with its exact share of the order total.
    Lines(Vec<RefundLineInput>),
}

/// Units of one order line to refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLineInput {
    /// The line's SKU.
    pub sku: String,
    /// How many of its units (at least 1).
    pub quantity: u32,
}

/// Units of one line a refund returns, with the amount they return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RefundedLine {
    /// The line's SKU.
    pub sku: String,
    /// Units refunded.
    pub quantity: u32,
    /// Their share of the order total (line total, discount, tax and shipping).
    pub amount: Money,
}

/// Where a refund is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Reserved; the provider has not confirmed it yet.
    Requested,
    /// The money was returned.
    Completed,
    /// The provider refused it; nothing was returned and the reservation is released.
    Failed,
}

/// A refund as the order knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The engine's id (none for a refund made at the provider directly, or recorded before
    /// refunds had ids).
    pub refund_id: Option<Uuid>,
    /// The amount.
    pub amount: Money,
    /// The lines it returns (empty for a refund by amount).
    pub lines: Vec<RefundedLine>,
    /// Why.
    pub reason: String,
    /// Where it is.
    pub status: RefundStatus,
    /// The provider's refund reference, once completed.
    pub provider_reference: Option<String>,
}

impl OrderState {
    /// Σ completed refunds.
    pub(crate) fn refunded(&self) -> Money {
        self.refund_sum(|refund| refund.status == RefundStatus::Completed)
    }

    /// What is paid and neither refunded nor reserved by a pending refund.
    pub(crate) fn refundable(&self) -> Money {
        let Some(payment) = &self.payment else {
            return Money::zero(self.totals.total.currency);
        };
        let taken = self.refund_sum(|refund| refund.status != RefundStatus::Failed);
        Money::new(
            (payment.amount.minor - taken.minor).max(0),
            payment.amount.currency,
        )
    }

    fn refund_sum(&self, counted: impl Fn(&Refund) -> bool) -> Money {
        let minor = self
            .refunds
            .iter()
            .filter(|refund| counted(refund))
            .map(|refund| refund.amount.minor)
            .sum();
        Money::new(minor, self.totals.total.currency)
    }

    /// Units of `sku` refunded or reserved so far.
    fn refunded_units(&self, sku: &str) -> u32 {
        self.refunds
            .iter()
            .filter(|refund| refund.status != RefundStatus::Failed)
            .flat_map(|refund| &refund.lines)
            .filter(|line| line.sku == sku)
            .map(|line| line.quantity)
            .sum()
    }

    /// Each line's share of the order total: its total plus its share of shipping (spread by
    /// line totals, or by units when every line is free).
    fn line_shares(&self) -> Result<Vec<Money>, OrderError> {
        let currency = self.totals.total.currency;
        let by_total: Vec<Money> = self.lines.iter().map(|line| line.total).collect();
        let weights = if by_total.iter().all(Money::is_zero) {
            self.lines
                .iter()
                .map(|line| Money::new(i64::from(line.quantity), currency))
                .collect()
        } else {
            by_total
        };
        let shipping = spread(self.totals.shipping, &weights)?;
        Ok(self
            .lines
            .iter()
            .zip(shipping)
            .map(|(line, shipping)| Money::new(line.total.minor + shipping.minor, currency))
            .collect())
    }

    /// The lines `inputs` ask for, each with its amount.
    fn refunded_lines(&self, inputs: &[RefundLineInput]) -> Result<Vec<RefundedLine>, OrderError> {
        if inputs.is_empty() {
            return Err(OrderError::InvalidRefund {
                message: "lines: at least one line".into(),
            });
        }
        let shares = self.line_shares()?;
        let mut lines: Vec<RefundedLine> = Vec::with_capacity(inputs.len());
        for input in inputs {
            let sku = input.sku.trim();
            let Some(index) = self.lines.iter().position(|line| line.sku == sku) else {
                return Err(OrderError::InvalidRefund {
                    message: format!("lines: {sku} is not a line of the order"),
                });
            };
            if lines.iter().any(|line| line.sku == sku) {
                return Err(OrderError::InvalidRefund {
                    message: format!("lines: {sku} is named twice"),
                });
            }
            let ordered = self.lines[index].quantity;
            let before = self.refunded_units(sku);
            let refundable = ordered.saturating_sub(before);
            if input.quantity == 0 {
                return Err(OrderError::InvalidRefund {
                    message: format!("lines: the quantity of {sku} must be at least 1"),
                });
            }
            if input.quantity > refundable {
                return Err(OrderError::RefundQuantityExceeded {
                    sku: sku.to_string(),
                    requested: input.quantity,
                    refundable,
                });
            }
            let share = shares[index];
            let amount = units_share(share, ordered, before + input.quantity)
                - units_share(share, ordered, before);
            lines.push(RefundedLine {
                sku: sku.to_string(),
                quantity: input.quantity,
                amount: Money::new(amount, share.currency),
            });
        }
        Ok(lines)
    }

    fn refund(&self, refund_id: Uuid) -> Option<&Refund> {
        self.refunds
            .iter()
            .find(|refund| refund.refund_id == Some(refund_id))
    }
}

/// The share (minor units) of the first `units` of `ordered` units of a line whose share is
/// `share`: proportional, rounded down, and all of it for every unit.
fn units_share(share: Money, ordered: u32, units: u32) -> i64 {
    if units >= ordered || ordered == 0 {
        return share.minor;
    }
    let scaled = i128::from(share.minor) * i128::from(units) / i128::from(ordered);
    i64::try_from(scaled).unwrap_or(share.minor)
}

/// The engine refunds a paid order before it ships or once it is delivered (an order in
/// transit is cancelled by an admin instead), until its refunds add up to the payment.
fn check_refundable(state: &OrderState) -> Result<(), OrderError> {
    match state.status.after(OrderAction::Refund) {
        Some(_) => Ok(()),
        None => Err(OrderError::InvalidTransition {
            from: state.status,
            action: OrderAction::Refund,
        }),
    }
}

/// `RequestRefund`: reserves the amount `scope` asks for against what is still refundable.
/// Repeating a request with the same id changes nothing.
pub(crate) fn request(
    state: &OrderState,
    refund_id: Uuid,
    scope: RefundScope,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    if state.refund(refund_id).is_some() {
        return Ok(vec![]);
    }
    check_refundable(state)?;
    let reason = required_text(reason, "reason", MAX_REASON_LEN)?;
    let refundable = state.refundable();
    let (amount, lines) = match scope {
        RefundScope::Remaining => (refundable, Vec::new()),
        RefundScope::Amount(amount) => {
            if amount.currency != refundable.currency || amount.minor <= 0 {
                return Err(OrderError::InvalidRefund {
                    message: format!(
                        "amount: a positive amount in {}",
                        refundable.currency.as_str()
                    ),
                });
            }
            (amount, Vec::new())
        }
        RefundScope::Lines(inputs) => {
            let lines = state.refunded_lines(&inputs)?;
            let minor = lines.iter().map(|line| line.amount.minor).sum();
            (Money::new(minor, refundable.currency), lines)
        }
    };
    if amount.minor > refundable.minor || refundable.is_zero() {
        return Err(OrderError::RefundExceedsPaid {
            requested: amount,
            refundable,
        });
    }
    Ok(vec![OrderEvent::RefundRequested {
        refund_id,
        amount,
        lines,
        reason,
        requested_at: at,
    }])
}

/// `CompleteRefund`: the provider returned the money under `reference`. Idempotent.
pub(crate) fn complete(
    state: &OrderState,
    refund_id: Uuid,
    provider_reference: &str,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    let refund = state
        .refund(refund_id)
        .ok_or(OrderError::RefundNotFound { refund_id })?;
    let reference = required_text(provider_reference, "provider_reference", MAX_REFERENCE_LEN)?;
    match refund.status {
        RefundStatus::Requested => Ok(vec![OrderEvent::OrderRefunded {
            amount: refund.amount,
            reason: refund.reason.clone(),
            refunded_at: at,
            refund_id: Some(refund_id),
            provider_reference: Some(reference),
            lines: refund.lines.clone(),
        }]),
        RefundStatus::Completed => Ok(vec![]),
        RefundStatus::Failed => Err(OrderError::RefundNotPending { refund_id }),
    }
}

/// `FailRefund`: the provider refused; the reservation is released. Idempotent.
pub(crate) fn fail(
    state: &OrderState,
    refund_id: Uuid,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    let refund = state
        .refund(refund_id)
        .ok_or(OrderError::RefundNotFound { refund_id })?;
    match refund.status {
        RefundStatus::Requested => Ok(vec![OrderEvent::RefundFailed {
            refund_id,
            reason: required_text(reason, "reason", MAX_REASON_LEN)?,
            failed_at: at,
        }]),
        RefundStatus::Failed => Ok(vec![]),
        RefundStatus::Completed => Err(OrderError::RefundNotPending { refund_id }),
    }
}

/// `RecordProviderRefunds`: the provider reports `refunded` in total on the payment. What
/// exceeds the refunds the engine completed or has pending was refunded at the provider
/// directly, and is recorded (at most what is still refundable). Reports that add nothing
/// change nothing.
pub(crate) fn record_provider_total(
    state: &OrderState,
    refunded: Money,
    provider_reference: &str,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    // Money returned at the provider is recorded whatever the engine would have allowed.
    if !matches!(
        state.status,
        OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered
    ) {
        return Ok(vec![]);
    }
    let known = state.refund_sum(|refund| refund.status != RefundStatus::Failed);
    if refunded.currency != known.currency {
        return Err(OrderError::InvalidRefund {
            message: format!("amount: in {}", known.currency.as_str()),
        });
    }
    let extra = (refunded.minor - known.minor).min(state.refundable().minor);
    if extra <= 0 {
        return Ok(vec![]);
    }
    let reference = required_text(provider_reference, "provider_reference", MAX_REFERENCE_LEN)?;
    Ok(vec![OrderEvent::OrderRefunded {
        amount: Money::new(extra, known.currency),
        reason: "refunded at the payment provider".into(),
        refunded_at: at,
        refund_id: None,
        provider_reference: Some(reference),
        lines: Vec::new(),
    }])
}

/// How a refund event changes the order.
pub(crate) fn apply(state: &mut OrderState, event: OrderEvent) {
    match event {
        OrderEvent::RefundRequested {
            refund_id,
            amount,
            lines,
            reason,
            ..
        } => state.refunds.push(Refund {
            refund_id: Some(refund_id),
            amount,
            lines,
            reason,
            status: RefundStatus::Requested,
            provider_reference: None,
        }),
        OrderEvent::RefundFailed { refund_id, .. } => {
            if let Some(refund) = state
                .refunds
                .iter_mut()
                .find(|refund| refund.refund_id == Some(refund_id))
            {
                refund.status = RefundStatus::Failed;
            }
        }
        OrderEvent::OrderRefunded {
            amount,
            reason,
            refund_id,
            provider_reference,
            lines,
            ..
        } => {
            let requested = state
                .refunds
                .iter_mut()
                .find(|refund| refund_id.is_some() && refund.refund_id == refund_id);
            match requested {
                Some(refund) => {
                    refund.status = RefundStatus::Completed;
                    refund.provider_reference = provider_reference;
                }
                None => state.refunds.push(Refund {
                    refund_id,
                    amount,
                    lines,
                    reason,
                    status: RefundStatus::Completed,
                    provider_reference,
                }),
            }
            let paid = state
                .payment
                .as_ref()
                .map_or(state.totals.total, |payment| payment.amount);
            // A cancelled order stays cancelled when its cancellation's refund completes.
            let open = state.status != OrderStatus::Cancelled;
            if open && state.refunded().minor >= paid.minor {
                state.status = OrderStatus::Refunded;
            }
        }
        _ => {}
    }
}
