//! The order state machine: its states, the actions that move it, and which moves are legal.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an order is in its life.
///
/// Legal moves (anything else is `OrderError::InvalidTransition`):
/// - placed → confirmed (confirm) · rejected (reject) · cancelled (cancel, cancel_as_admin)
/// - confirmed → paid (record_payment) · expired (expire) · cancelled (cancel, cancel_as_admin)
/// - paid → shipped (ship) · refunded (refund) · cancelled (cancel, cancel_as_admin)
/// - shipped → delivered (deliver) · cancelled (cancel_as_admin only)
/// - delivered → refunded (refund)
/// - rejected, cancelled, refunded, expired: terminal
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Accepted from a checkout; stock and coupon not yet secured.
    Placed,
    /// Stock reserved and coupon redeemed; awaiting payment until its deadline.
    Confirmed,
    /// Paid in full.
    Paid,
    /// Handed to a carrier.
    Shipped,
    /// Received by the customer.
    Delivered,
    /// Could not be confirmed (out of stock, coupon refused...). Terminal.
    Rejected,
    /// Cancelled by the customer or an admin. Terminal.
    Cancelled,
    /// Money returned after payment or delivery. Terminal.
    Refunded,
    /// Not paid before its deadline. Terminal.
    Expired,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::Placed,
        OrderStatus::Confirmed,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Rejected,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::Expired,
    ];

    /// The status's wire name (`placed`, `confirmed`...).
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Expired => "expired",
        }
    }

    /// The status whose wire name is `name`, if any.
    pub fn from_name(name: &str) -> Option<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
    }

    /// The status `action` leads to from this one, or `None` when the move is illegal.
    pub fn after(self, action: OrderAction) -> Option<OrderStatus> {
        use OrderAction as A;
        use OrderStatus as S;
        match (self, action) {
            (S::Placed, A::Confirm) => Some(S::Confirmed),
            (S::Placed, A::Reject) => Some(S::Rejected),
            (S::Confirmed, A::RecordPayment) => Some(S::Paid),
            (S::Confirmed, A::Expire) => Some(S::Expired),
            (S::Paid, A::Ship) => Some(S::Shipped),
            (S::Shipped, A::Deliver) => Some(S::Delivered),
            (S::Placed | S::Confirmed | S::Paid, A::Cancel | A::CancelAsAdmin) => {
                Some(S::Cancelled)
            }
            (S::Shipped, A::CancelAsAdmin) => Some(S::Cancelled),
            (S::Paid | S::Delivered, A::Refund) => Some(S::Refunded),
            _ => None,
        }
    }

    /// True when no action can move the order any more.
    pub fn is_terminal(self) -> bool {
        OrderAction::ALL
            .iter()
            .all(|action| self.after(*action).is_none())
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that moves an existing order (placing creates it and is not an action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    /// `ConfirmOrder`.
    Confirm,
    /// `RejectOrder`.
    Reject,
    /// `RecordPayment`.
    RecordPayment,
    /// `ShipOrder`.
    Ship,
    /// `DeliverOrder`.
    Deliver,
    /// `CancelOrder` by the customer.
    Cancel,
    /// `CancelOrder` by an admin (may also cancel a shipped order).
    CancelAsAdmin,
    /// `RefundOrder`.
    Refund,
    /// `ExpireOrder`.
    Expire,
}

impl OrderAction {
    /// Every action.
    pub const ALL: [OrderAction; 9] = [
        OrderAction::Confirm,
        OrderAction::Reject,
        OrderAction::RecordPayment,
        OrderAction::Ship,
        OrderAction::Deliver,
        OrderAction::Cancel,
        OrderAction::CancelAsAdmin,
        OrderAction::Refund,
        OrderAction::Expire,
    ];

    /// The action's snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderAction::Confirm => "confirm",
            OrderAction::Reject => "reject",
            OrderAction::RecordPayment => "record_payment",
            OrderAction::Ship => "ship",
            OrderAction::Deliver => "deliver",
            OrderAction::Cancel => "cancel",
            OrderAction::CancelAsAdmin => "cancel_as_admin",
            OrderAction::Refund => "refund",
            OrderAction::Expire => "expire",
        }
    }
}

impl fmt::Display for OrderAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
