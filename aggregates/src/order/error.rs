//! Why an order command was refused.

use chrono::{DateTime, Utc};

use crate::common::{AddressError, Role};
use crate::error_kind::ErrorKind;
use crate::money::Money;
use crate::order::pricing::PricingError;
use crate::order::status::{OrderAction, OrderStatus};
use uuid::Uuid;

/// An order command was refused; each variant is one distinct, testable reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The order has not been placed.
    #[error("order not found")]
    NotFound,
    /// `PlaceOrder` on an order that already exists.
    #[error("order already exists")]
    AlreadyExists,
    /// The action is not allowed in the order's current status.
    #[error("cannot {action} an order that is {from}")]
    InvalidTransition {
        /// The order's status.
        from: OrderStatus,
        /// What was attempted.
        action: OrderAction,
    },
    /// `PlaceOrder` without lines.
    #[error("an order needs at least one line")]
    NoLines,
    /// A guest's `PlaceOrder` without a valid email address to send the order to.
    #[error("a guest order needs a valid email address")]
    InvalidGuestEmail,
    /// More lines than allowed.
    #[error("an order holds at most {max} lines")]
    TooManyLines {
        /// The maximum.
        max: usize,
    },
    /// A SKU is empty, too long or has characters outside `[A-Za-z0-9-_.]`.
    #[error("invalid sku '{sku}'")]
    InvalidSku {
        /// The SKU as given.
        sku: String,
    },
    /// The same SKU appears on two lines.
    #[error("sku {sku} appears on more than one line")]
    DuplicateSku {
        /// The repeated SKU.
        sku: String,
    },
    /// A line's product name is empty or too long.
    #[error("line {sku} needs a name of 1 to {max} characters")]
    InvalidLineName {
        /// The line's SKU.
        sku: String,
        /// The longest accepted name.
        max: usize,
    },
    /// A line's quantity is outside `1..=max`.
    #[error("line {sku}: quantity {quantity} must be between 1 and {max}")]
    InvalidQuantity {
        /// The line's SKU.
        sku: String,
        /// The quantity given.
        quantity: u32,
        /// The largest allowed.
        max: u32,
    },
    /// The coupon code is not 3 to 32 characters of `[A-Z0-9_-]`.
    #[error("invalid coupon code '{code}'")]
    InvalidCouponCode {
        /// The code as given.
        code: String,
    },
    /// The shipping address is incomplete or malformed.
    #[error("invalid shipping address: {0}")]
    InvalidAddress(#[from] AddressError),
    /// The order could not be priced (currency, prices, discount, shipping, tax rate).
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// The payment deadline is not after the moment the order was placed.
    #[error("payment deadline {payment_due_by} is not after placement at {placed_at}")]
    InvalidPaymentDeadline {
        /// The deadline given.
        payment_due_by: DateTime<Utc>,
        /// When the order was placed.
        placed_at: DateTime<Utc>,
    },
    /// A required text field is empty.
    #[error("{field} is required")]
    MissingField {
        /// The field's name.
        field: &'static str,
    },
    /// A text field is too long.
    #[error("{field} is longer than {max} characters")]
    FieldTooLong {
        /// The field's name.
        field: &'static str,
        /// The longest accepted value.
        max: usize,
    },
    /// The payment does not match the order total (amount or currency).
    #[error("payment of {received} does not match the order total {expected}")]
    AmountMismatch {
        /// The order total.
        expected: Money,
        /// What was paid.
        received: Money,
    },
    /// This role may not perform the action (auditors change nothing).
    #[error("role {role:?} may not do this")]
    RoleNotPermitted {
        /// The caller's role.
        role: Role,
    },
    /// The refund asked for is not one the order can make (an amount in another currency or
    /// not positive, a line the order does not have, a quantity of zero).
    #[error("invalid refund: {message}")]
    InvalidRefund {
        /// What is wrong.
        message: String,
    },
    /// The refund would exceed what is paid and not yet refunded or reserved.
    #[error("a refund of {requested} exceeds the {refundable} still refundable")]
    RefundExceedsPaid {
        /// What was asked.
        requested: Money,
        /// What can still be refunded.
        refundable: Money,
    },
    /// More units of a line than are left unrefunded.
    #[error("{requested} units of {sku} asked, {refundable} left to refund")]
    RefundQuantityExceeded {
        /// The line.
        sku: String,
        /// Units asked.
        requested: u32,
        /// Units not yet refunded or reserved.
        refundable: u32,
    },
    /// No refund with this id.
    #[error("refund {refund_id} not found")]
    RefundNotFound {
        /// The id.
        refund_id: Uuid,
    },
    /// The refund has already been settled the other way (completed, or failed).
    #[error("refund {refund_id} is no longer pending")]
    RefundNotPending {
        /// The id.
        refund_id: Uuid,
    },
    /// Only a delivered order can be returned.
    #[error("only a delivered order can be returned; this one is {status}")]
    NotReturnable {
        /// The order's status.
        status: OrderStatus,
    },
    /// The return window closed.
    #[error("the return window closed at {closes_at}")]
    ReturnWindowClosed {
        /// When it closed.
        closes_at: DateTime<Utc>,
    },
    /// The return asked for is not one the order can take (no lines, a line the order does
    /// not have, a line twice or without units).
    #[error("invalid return: {message}")]
    InvalidReturn {
        /// What is wrong.
        message: String,
    },
    /// More units of a line than can still be returned.
    #[error("{requested} units of {sku} asked, {returnable} can be returned")]
    ReturnQuantityExceeded {
        /// The line.
        sku: String,
        /// Units asked.
        requested: u32,
        /// Units neither returned nor refunded yet.
        returnable: u32,
    },
    /// No return with this id.
    #[error("return {return_id} not found")]
    ReturnNotFound {
        /// The id.
        return_id: Uuid,
    },
    /// The return is not where this step starts (approve or reject a requested return,
    /// receive an approved one).
    #[error("return {return_id} is {status}")]
    ReturnNotAllowed {
        /// The id.
        return_id: Uuid,
        /// Where it is.
        status: &'static str,
    },
    /// `ExpireOrder` before the payment deadline.
    #[error("payment is due by {payment_due_by}, not yet expired at {at}")]
    NotYetDue {
        /// The deadline.
        payment_due_by: DateTime<Utc>,
        /// The instant given.
        at: DateTime<Utc>,
    },
}

impl OrderError {
    /// A stable snake_case code for the error, used in problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            OrderError::NotFound => "not_found",
            OrderError::AlreadyExists => "already_exists",
            OrderError::InvalidTransition { .. } => "invalid_state",
            OrderError::NoLines => "empty_order",
            OrderError::InvalidGuestEmail => "invalid_email",
            OrderError::TooManyLines { .. } => "too_many_lines",
            OrderError::InvalidSku { .. } => "invalid_sku",
            OrderError::DuplicateSku { .. } => "duplicate_sku",
            OrderError::InvalidLineName { .. } => "invalid_line_name",
            OrderError::InvalidQuantity { .. } => "invalid_quantity",
            OrderError::InvalidCouponCode { .. } => "invalid_coupon_code",
            OrderError::InvalidAddress(_) => "invalid_address",
            OrderError::Pricing(error) => error.code(),
            OrderError::InvalidPaymentDeadline { .. } => "invalid_payment_deadline",
            OrderError::MissingField { .. } => "missing_field",
            OrderError::FieldTooLong { .. } => "field_too_long",
            OrderError::AmountMismatch { .. } => "amount_mismatch",
            OrderError::RoleNotPermitted { .. } => "forbidden",
            OrderError::NotYetDue { .. } => "not_yet_due",
            OrderError::InvalidRefund { .. } => "invalid_refund",
            OrderError::RefundExceedsPaid { .. } => "refund_exceeds_paid",
            OrderError::RefundQuantityExceeded { .. } => "refund_quantity_exceeded",
            OrderError::RefundNotFound { .. } => "refund_not_found",
            OrderError::RefundNotPending { .. } => "refund_not_pending",
            OrderError::NotReturnable { .. } => "invalid_state",
            OrderError::ReturnWindowClosed { .. } => "return_window_closed",
            OrderError::InvalidReturn { .. } => "invalid_return",
            OrderError::ReturnQuantityExceeded { .. } => "return_quantity_exceeded",
            OrderError::ReturnNotFound { .. } => "return_not_found",
            OrderError::ReturnNotAllowed { .. } => "invalid_return_state",
        }
    }

    /// What kind of refusal this is: a missing order, a role that may not act, a refusal by
    /// the order's current state (status, payment due or amount), invalid input, or for a
    /// pricing failure the pricing error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OrderError::NotFound
            | OrderError::RefundNotFound { .. }
            | OrderError::ReturnNotFound { .. } => ErrorKind::NotFound,
            OrderError::RoleNotPermitted { .. } => ErrorKind::Forbidden,
            OrderError::AlreadyExists
            | OrderError::InvalidTransition { .. }
            | OrderError::TooManyLines { .. }
            | OrderError::DuplicateSku { .. }
            | OrderError::AmountMismatch { .. }
            | OrderError::NotYetDue { .. }
            | OrderError::RefundExceedsPaid { .. }
            | OrderError::RefundQuantityExceeded { .. }
            | OrderError::RefundNotPending { .. }
            | OrderError::NotReturnable { .. }
            | OrderError::ReturnWindowClosed { .. }
            | OrderError::ReturnQuantityExceeded { .. }
            | OrderError::ReturnNotAllowed { .. } => ErrorKind::Conflict,
            OrderError::Pricing(error) => error.kind(),
            OrderError::NoLines
            | OrderError::InvalidGuestEmail
            | OrderError::InvalidSku { .. }
            | OrderError::InvalidLineName { .. }
            | OrderError::InvalidQuantity { .. }
            | OrderError::InvalidCouponCode { .. }
            | OrderError::InvalidAddress(_)
            | OrderError::InvalidPaymentDeadline { .. }
            | OrderError::MissingField { .. }
            | OrderError::FieldTooLong { .. }
            | OrderError::InvalidRefund { .. }
            | OrderError::InvalidReturn { .. } => ErrorKind::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_kind::spec::assert_kinds_follow_codes;
    use crate::money::{Currency, MoneyError};

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid currency"))
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("valid instant")
    }

    fn sku() -> String {
        "TEE-M".to_string()
    }

    /// One value of every variant, and a pricing error of each pricing code.
    fn every_variant() -> Vec<OrderError> {
        vec![
            OrderError::NotFound,
            OrderError::AlreadyExists,
            OrderError::InvalidTransition {
                from: OrderStatus::Delivered,
                action: OrderAction::Cancel,
            },
            OrderError::NoLines,
            OrderError::InvalidGuestEmail,
            OrderError::TooManyLines { max: 100 },
            OrderError::InvalidSku {
                sku: "bad sku".into(),
            },
            OrderError::DuplicateSku { sku: sku() },
            OrderError::InvalidLineName {
                sku: sku(),
                max: 200,
            },
            OrderError::InvalidQuantity {
                sku: sku(),
                quantity: 0,
                max: 99,
            },
            OrderError::InvalidCouponCode { code: "X".into() },
            OrderError::InvalidAddress(AddressError::InvalidCountry),
            OrderError::Pricing(PricingError::NoLines),
            OrderError::Pricing(PricingError::ZeroQuantity { index: 0 }),
            OrderError::Pricing(PricingError::InvalidDiscount),
            OrderError::Pricing(PricingError::Money(MoneyError::Overflow)),
            OrderError::InvalidPaymentDeadline {
                payment_due_by: at(5),
                placed_at: at(10),
            },
            OrderError::MissingField { field: "reason" },
            OrderError::FieldTooLong {
                field: "reason",
                max: 500,
            },
            OrderError::AmountMismatch {
                expected: usd(4604),
                received: usd(100),
            },
            OrderError::RoleNotPermitted {
                role: Role::Auditor,
            },
            OrderError::NotYetDue {
                payment_due_by: at(10),
                at: at(5),
            },
            OrderError::InvalidRefund {
                message: "lines".into(),
            },
            OrderError::RefundExceedsPaid {
                requested: usd(5000),
                refundable: usd(4604),
            },
            OrderError::RefundQuantityExceeded {
                sku: sku(),
                requested: 3,
                refundable: 2,
            },
            OrderError::RefundNotFound {
                refund_id: Uuid::nil(),
            },
            OrderError::RefundNotPending {
                refund_id: Uuid::nil(),
            },
            OrderError::NotReturnable {
                status: OrderStatus::Paid,
            },
            OrderError::ReturnWindowClosed { closes_at: at(10) },
            OrderError::InvalidReturn {
                message: "lines".into(),
            },
            OrderError::ReturnQuantityExceeded {
                sku: sku(),
                requested: 3,
                returnable: 2,
            },
            OrderError::ReturnNotFound {
                return_id: Uuid::nil(),
            },
            OrderError::ReturnNotAllowed {
                return_id: Uuid::nil(),
                status: "received",
            },
        ]
    }

    #[test]
    fn a_missing_order_is_not_found() {
        assert_eq!(OrderError::NotFound.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn a_role_that_may_not_act_is_forbidden() {
        let auditor = OrderError::RoleNotPermitted {
            role: Role::Auditor,
        };
        assert_eq!(auditor.kind(), ErrorKind::Forbidden);
    }

    #[test]
    fn refusals_by_the_orders_state_are_conflicts() {
        let transition = OrderError::InvalidTransition {
            from: OrderStatus::Delivered,
            action: OrderAction::Cancel,
        };
        assert_eq!(transition.kind(), ErrorKind::Conflict);
        let paid = OrderError::AmountMismatch {
            expected: usd(4604),
            received: usd(100),
        };
        assert_eq!(paid.kind(), ErrorKind::Conflict);
        let early = OrderError::NotYetDue {
            payment_due_by: at(10),
            at: at(5),
        };
        assert_eq!(early.kind(), ErrorKind::Conflict);
    }

    #[test]
    fn malformed_input_is_invalid() {
        assert_eq!(OrderError::NoLines.kind(), ErrorKind::Invalid);
        let address = OrderError::InvalidAddress(AddressError::MissingField("city"));
        assert_eq!(address.kind(), ErrorKind::Invalid);
        let field = OrderError::MissingField { field: "reason" };
        assert_eq!(field.kind(), ErrorKind::Invalid);
    }

    #[test]
    fn a_pricing_failure_has_the_pricing_errors_kind() {
        let pricing = PricingError::InvalidShippingPolicy;
        assert_eq!(OrderError::Pricing(pricing.clone()).kind(), pricing.kind());
    }

    #[test]
    fn every_error_keeps_its_status_kind() {
        assert_kinds_follow_codes(&every_variant(), OrderError::kind, OrderError::code);
    }
}
