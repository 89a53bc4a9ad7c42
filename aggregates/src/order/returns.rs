//! Returns (RMA) of a delivered order: the customer asks to send units back within the
//! return window, an admin approves or rejects, and on receipt the units may go back to stock
//! and their share of the total is refunded (a refund whose id is the return's).
//!
//! The units of a line that can still be returned are those neither in another return that
//! was not rejected nor refunded by a refund of lines of its own.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::order::aggregate::OrderState;
use crate::order::decide::{required_text, MAX_REASON_LEN};
use crate::order::error::OrderError;
use crate::order::event::OrderEvent;
use crate::order::refund::{RefundLineInput, RefundStatus};
use crate::order::status::OrderStatus;

/// Units of one line of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReturnLine {
    /// The line's SKU.
    pub sku: String,
    /// Units sent back.
    pub quantity: u32,
}

/// Where a return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Asked for by the customer.
    Requested,
    /// Accepted by an admin: the customer sends the units.
    Approved,
    /// Refused by an admin.
    Rejected,
    /// The units arrived (and were refunded).
    Received,
}

impl ReturnStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStatus::Requested => "requested",
            ReturnStatus::Approved => "approved",
            ReturnStatus::Rejected => "rejected",
            ReturnStatus::Received => "received",
        }
    }
}

/// A return as the order knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    /// Its id (also the id of the refund made on receipt).
    pub return_id: Uuid,
    /// The units.
    pub lines: Vec<ReturnLine>,
    /// The customer's reason.
    pub reason: String,
    /// Where it is.
    pub status: ReturnStatus,
    /// Whether the units went back to stock, once received.
    pub restocked: bool,
}

impl Return {
    /// The lines as a refund of lines asks for them.
    pub fn refund_lines(&self) -> Vec<RefundLineInput> {
        self.lines
            .iter()
            .map(|line| RefundLineInput {
                sku: line.sku.clone(),
                quantity: line.quantity,
            })
            .collect()
    }
}

impl OrderState {
    /// Units of `sku` that can still be returned.
    fn returnable_units(&self, sku: &str, ordered: u32) -> u32 {
        let returned: u32 = self
            .returns
            .iter()
            .filter(|r| r.status != ReturnStatus::Rejected)
            .flat_map(|r| &r.lines)
            .filter(|line| line.sku == sku)
            .map(|line| line.quantity)
            .sum();
        let refunded: u32 = self
            .refunds
            .iter()
            .filter(|refund| refund.status != RefundStatus::Failed)
            .filter(|refund| {
                !self
                    .returns
                    .iter()
                    .any(|r| Some(r.return_id) == refund.refund_id)
            })
            .flat_map(|refund| &refund.lines)
            .filter(|line| line.sku == sku)
            .map(|line| line.quantity)
            .sum();
        ordered.saturating_sub(returned + refunded)
    }

    fn find_return(&self, return_id: Uuid) -> Result<&Return, OrderError> {
        self.returns
            .iter()
            .find(|r| r.return_id == return_id)
            .ok_or(OrderError::ReturnNotFound { return_id })
    }
}

/// `RequestReturn`: units of lines of a delivered order, within `window_days` of delivery.
/// Repeating a request with the same id changes nothing.
pub(crate) fn request(
    state: &OrderState,
    return_id: Uuid,
    lines: Vec<ReturnLine>,
    reason: &str,
    window_days: u32,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    if state.returns.iter().any(|r| r.return_id == return_id) {
        return Ok(vec![]);
    }
    if state.status != OrderStatus::Delivered {
        return Err(OrderError::NotReturnable {
            status: state.status,
        });
    }
    if let Some(delivered_at) = state.delivered_at {
        let closes_at = delivered_at + Duration::days(i64::from(window_days));
        if at > closes_at {
            return Err(OrderError::ReturnWindowClosed { closes_at });
        }
    }
    let reason = required_text(reason, "reason", MAX_REASON_LEN)?;
    if lines.is_empty() {
        return Err(OrderError::InvalidReturn {
            message: "lines: at least one line".into(),
        });
    }
    let mut checked: Vec<ReturnLine> = Vec::with_capacity(lines.len());
    for line in lines {
        let sku = line.sku.trim().to_string();
        let Some(ordered) = state.lines.iter().find(|l| l.sku == sku) else {
            return Err(OrderError::InvalidReturn {
                message: format!("lines: {sku} is not a line of the order"),
            });
        };
        if checked.iter().any(|l| l.sku == sku) || line.quantity == 0 {
            return Err(OrderError::InvalidReturn {
                message: format!("lines: {sku} is named twice or without units"),
            });
        }
        let returnable = state.returnable_units(&sku, ordered.quantity);
        if line.quantity > returnable {
            return Err(OrderError::ReturnQuantityExceeded {
                sku,
                requested: line.quantity,
                returnable,
            });
        }
        checked.push(ReturnLine {
            sku,
            quantity: line.quantity,
        });
    }
    Ok(vec![OrderEvent::ReturnRequested {
        return_id,
        lines: checked,
        reason,
        requested_at: at,
    }])
}

/// A move of return `return_id` from `from` (and the event it writes), or nothing when it is
/// already where the move leads.
fn moved(
    state: &OrderState,
    return_id: Uuid,
    from: ReturnStatus,
    to: ReturnStatus,
    event: OrderEvent,
) -> Result<Vec<OrderEvent>, OrderError> {
    let current = state.find_return(return_id)?.status;
    if current == to {
        return Ok(vec![]);
    }
    if current != from {
        return Err(OrderError::ReturnNotAllowed {
            return_id,
            status: current.as_str(),
        });
    }
    Ok(vec![event])
}

/// `ApproveReturn`.
pub(crate) fn approve(
    state: &OrderState,
    return_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    let event = OrderEvent::ReturnApproved {
        return_id,
        approved_at: at,
    };
    moved(
        state,
        return_id,
        ReturnStatus::Requested,
        ReturnStatus::Approved,
        event,
    )
}

/// `RejectReturn`.
pub(crate) fn reject(
    state: &OrderState,
    return_id: Uuid,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    let event = OrderEvent::ReturnRejected {
        return_id,
        reason: required_text(reason, "reason", MAX_REASON_LEN)?,
        rejected_at: at,
    };
    moved(
        state,
        return_id,
        ReturnStatus::Requested,
        ReturnStatus::Rejected,
        event,
    )
}

/// `ReceiveReturn`: the units of an approved return arrived.
pub(crate) fn receive(
    state: &OrderState,
    return_id: Uuid,
    restock: bool,
    at: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    let event = OrderEvent::ReturnReceived {
        return_id,
        restock,
        received_at: at,
    };
    moved(
        state,
        return_id,
        ReturnStatus::Approved,
        ReturnStatus::Received,
        event,
    )
}

/// How a return event changes the order.
pub(crate) fn apply(state: &mut OrderState, event: OrderEvent) {
    let status = match &event {
        OrderEvent::ReturnRequested {
            return_id,
            lines,
            reason,
            ..
        } => {
            state.returns.push(Return {
                return_id: *return_id,
                lines: lines.clone(),
                reason: reason.clone(),
                status: ReturnStatus::Requested,
                restocked: false,
            });
            return;
        }
        OrderEvent::ReturnApproved { return_id, .. } => (*return_id, ReturnStatus::Approved),
        OrderEvent::ReturnRejected { return_id, .. } => (*return_id, ReturnStatus::Rejected),
        OrderEvent::ReturnReceived { return_id, .. } => (*return_id, ReturnStatus::Received),
        _ => return,
    };
    if let Some(found) = state.returns.iter_mut().find(|r| r.return_id == status.0) {
        found.status = status.1;
        if let OrderEvent::ReturnReceived { restock, .. } = event {
            found.restocked = restock;
        }
    }
}
