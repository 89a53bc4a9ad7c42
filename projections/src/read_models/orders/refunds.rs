//! An order's refunds as the read model shows them, folded from its refund events
//! (`RefundRequested`, `RefundFailed`, `OrderRefunded`) by one function that the live
//! projection, its fast replay and the as-of view all use.

use chrono::{DateTime, Utc};
use commerce_aggregates::order::{OrderEvent, OrderStatus, RefundedLine};
use commerce_aggregates::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::read_models::MoneyView;

/// One refund of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundView {
    /// The engine's id (none for a refund made at the payment provider directly, or one
    /// recorded before refunds had ids).
    pub refund_id: Option<Uuid>,
    /// The amount.
    pub amount: MoneyView,
    /// The units of lines it returns (empty for a refund by amount).
    pub lines: Vec<RefundLineView>,
    /// Why.
    pub reason: String,
    /// `requested` (the provider has not confirmed it), `completed` or `failed`.
    #[cfg_attr(feature = "openapi", schema(example = "completed"))]
    pub status: String,
    /// The provider's refund reference, once completed.
    pub provider_reference: Option<String>,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When the money was returned.
    pub refunded_at: Option<DateTime<Utc>>,
    /// When the provider refused it.
    pub failed_at: Option<DateTime<Utc>>,
    /// The provider's reason for refusing it.
    pub failure_reason: Option<String>,
}

/// Units of one line a refund returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundLineView {
    /// The line's SKU.
    pub sku: String,
    /// Units refunded.
    pub quantity: u32,
    /// Their share of the order total.
    pub amount: MoneyView,
}

fn lines(lines: &[RefundedLine]) -> Vec<RefundLineView> {
    lines
        .iter()
        .map(|line| RefundLineView {
            sku: line.sku.clone(),
            quantity: line.quantity,
            amount: MoneyView::new(line.amount.minor, line.amount.currency.as_str()),
        })
        .collect()
}

/// The money an `OrderCancelled` returns at once: its `refund`, unless a refund id goes with
/// it — a refund requested with the cancellation counts when it completes (`OrderRefunded`).
pub fn returned_on_cancellation(refund: Option<Money>, refund_id: Option<Uuid>) -> Option<i64> {
    refund
        .filter(|_| refund_id.is_none())
        .map(|money| money.minor)
}

/// Whether `refund` was recorded before refunds were partial: no id and no provider reference,
/// always of the whole order.
fn recorded_whole(refund: &RefundView) -> bool {
    refund.refund_id.is_none() && refund.provider_reference.is_none()
}

/// The refund columns of an order row: the refunds, the amount returned so far and the
/// reason of the last one returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refunds {
    /// Every refund, in the order they were asked for (or made).
    pub list: Vec<RefundView>,
    /// Σ money returned (`refund_minor`; a cancellation after payment sets it too).
    pub refunded_minor: Option<i64>,
    /// Why the last refund was made (`refund_reason`).
    pub reason: Option<String>,
    /// Whether a refund recorded before refunds were partial (no id, no provider reference:
    /// always of the whole order) was folded in.
    pub whole: bool,
}

impl Refunds {
    /// The refund columns of a stored row.
    pub fn from_row(
        list: Vec<RefundView>,
        refunded_minor: Option<i64>,
        reason: Option<String>,
    ) -> Self {
        let whole = list.iter().any(recorded_whole);
        Self {
            list,
            refunded_minor,
            reason,
            whole,
        }
    }

    /// Folds `event` in. False (and nothing changed) for events that are not about refunds.
    pub fn apply(&mut self, event: &OrderEvent) -> bool {
        match event {
            OrderEvent::RefundRequested {
                refund_id,
                amount,
                lines: refunded,
                reason,
                requested_at,
            } => self.list.push(RefundView {
                refund_id: Some(*refund_id),
                amount: MoneyView::new(amount.minor, amount.currency.as_str()),
                lines: lines(refunded),
                reason: reason.clone(),
                status: "requested".into(),
                provider_reference: None,
                requested_at: *requested_at,
                refunded_at: None,
                failed_at: None,
                failure_reason: None,
            }),
            OrderEvent::RefundFailed {
                refund_id,
                reason,
                failed_at,
            } => {
                if let Some(refund) = self.find(*refund_id) {
                    refund.status = "failed".into();
                    refund.failed_at = Some(*failed_at);
                    refund.failure_reason = Some(reason.clone());
                }
            }
            OrderEvent::OrderRefunded {
                amount,
                reason,
                refunded_at,
                refund_id,
                provider_reference,
                lines: refunded,
            } => {
                match refund_id.and_then(|id| self.find(id)) {
                    Some(refund) => {
                        refund.status = "completed".into();
                        refund.provider_reference = provider_reference.clone();
                        refund.refunded_at = Some(*refunded_at);
                    }
                    None => self.list.push(RefundView {
                        refund_id: *refund_id,
                        amount: MoneyView::new(amount.minor, amount.currency.as_str()),
                        lines: lines(refunded),
                        reason: reason.clone(),
                        status: "completed".into(),
                        provider_reference: provider_reference.clone(),
                        requested_at: *refunded_at,
                        refunded_at: Some(*refunded_at),
                        failed_at: None,
                        failure_reason: None,
                    }),
                }
                self.refunded_minor = Some(self.refunded_minor.unwrap_or(0) + amount.minor);
                self.reason = Some(reason.clone());
                self.whole = self.list.iter().any(recorded_whole);
            }
            _ => return false,
        }
        true
    }

    fn find(&mut self, refund_id: Uuid) -> Option<&mut RefundView> {
        self.list
            .iter_mut()
            .find(|refund| refund.refund_id == Some(refund_id))
    }

    /// The order's status once these refunds are folded in: `refunded` when they return the
    /// whole total (or one was recorded before refunds were partial), unless the order was
    /// cancelled; else `current`.
    pub fn status(&self, current: OrderStatus, total_minor: i64) -> OrderStatus {
        let all = self.whole
            || self
                .refunded_minor
                .is_some_and(|refunded| refunded >= total_minor);
        if all && current != OrderStatus::Cancelled {
            OrderStatus::Refunded
        } else {
            current
        }
    }
}
