//! The order aggregate: an explicit state machine from placement to delivery (or rejection,
//! cancellation, refund, expiry), with exact, reconciling pricing.

mod aggregate;
mod command;
mod decide;
mod error;
mod event;
mod place;
mod pricing;
mod refund;
mod rejection;
mod returns;
mod status;

pub use aggregate::{Order, Payment, Shipment};
pub use command::{AppliedCoupon, OrderCommand, OrderLineInput};
pub use decide::{MAX_REASON_LEN, MAX_REFERENCE_LEN};
pub use error::OrderError;
pub use event::{
    OrderEvent, OrderLine, ORDER_CANCELLED_VERSION, ORDER_PLACED_VERSION, ORDER_REFUNDED_VERSION,
};
pub use place::{MAX_LINES, MAX_LINE_NAME_LEN, MAX_LINE_QUANTITY};
pub use pricing::{
    allocate, price_order, spread, LineAmount, LinePricing, OrderTotals, PricedOrder, PricingError,
    ShippingPolicy, MAX_TAX_RATE_BPS,
};
pub use refund::{Refund, RefundLineInput, RefundScope, RefundStatus, RefundedLine};
pub use rejection::RejectionReason;
pub use returns::{Return, ReturnLine, ReturnStatus};
pub use status::{OrderAction, OrderStatus};

#[cfg(test)]
mod tests;
