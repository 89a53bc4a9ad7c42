//! `PlaceOrder`: validating the checkout's lines, coupon and address, and pricing the order.

use std::collections::BTreeSet;

use crate::cart::validate::{normalized_address, normalized_coupon_code};
use crate::line::{normalize_sku, quantity_allowed};
use crate::order::command::{AppliedCoupon, OrderCommand};
use crate::order::error::OrderError;
use crate::order::event::{OrderEvent, OrderLine};
use crate::order::pricing::{price_order, LineAmount};

/// Largest number of lines in an order (a cart's maximum).
pub const MAX_LINES: usize = crate::cart::MAX_LINES;
/// Largest quantity on one line (a cart line's maximum).
pub use crate::line::MAX_LINE_QUANTITY;
/// Longest product name on a line, in characters.
pub const MAX_LINE_NAME_LEN: usize = 200;

/// Validates and prices a `PlaceOrder` command into its `OrderPlaced` event.
///
/// Only called with `PlaceOrder` (on an order that does not exist yet); any other command
/// would be a placement on an existing order, hence `AlreadyExists`.
pub(crate) fn place(command: OrderCommand) -> Result<Vec<OrderEvent>, OrderError> {
    let OrderCommand::PlaceOrder {
        order_id,
        cart_id,
        customer_id,
        customer_role,
        guest_email,
        lines,
        coupon,
        shipping_address,
        shipping_policy,
        tax_rate_bps,
        at,
        store,
    } = command
    else {
        return Err(OrderError::AlreadyExists);
    };
    // A customer's emails go to their account; a guest's only to the address given.
    let guest_email = match (customer_id, guest_email) {
        (Some(_), _) => None,
        (None, Some(email)) if crate::common::is_email_address(email.trim()) => {
            Some(email.trim().to_owned())
        }
        (None, _) => return Err(OrderError::InvalidGuestEmail),
    };
    if lines.is_empty() {
        return Err(OrderError::NoLines);
    }
    if lines.len() > MAX_LINES {
        return Err(OrderError::TooManyLines { max: MAX_LINES });
    }
    let mut seen = BTreeSet::new();
    let mut checked = Vec::with_capacity(lines.len());
    for line in lines {
        let sku = normalize_sku(&line.sku).ok_or_else(|| OrderError::InvalidSku {
            sku: line.sku.clone(),
        })?;
        if !seen.insert(sku.clone()) {
            return Err(OrderError::DuplicateSku { sku });
        }
        let name = line.name.trim();
        if name.is_empty() || name.chars().count() > MAX_LINE_NAME_LEN {
            return Err(OrderError::InvalidLineName {
                sku,
                max: MAX_LINE_NAME_LEN,
            });
        }
        if !quantity_allowed(line.quantity) {
            return Err(OrderError::InvalidQuantity {
                sku,
                quantity: line.quantity,
                max: MAX_LINE_QUANTITY,
            });
        }
        checked.push((
            line.product_id,
            sku,
            name.to_string(),
            line.quantity,
            line.unit_price,
        ));
    }
    let coupon = coupon
        .map(|applied| {
            normalized_coupon_code(&applied.code)
                .map(|code| AppliedCoupon {
                    code,
                    discount: applied.discount,
                })
                .ok_or(OrderError::InvalidCouponCode { code: applied.code })
        })
        .transpose()?;
    let shipping_address = normalized_address(shipping_address)?;

    let amounts: Vec<LineAmount> = checked
        .iter()
        .map(|(_, _, _, quantity, unit_price)| LineAmount {
            unit_price: *unit_price,
            quantity: *quantity,
        })
        .collect();
    let priced = price_order(
        &amounts,
        coupon.as_ref().map(|c| &c.discount),
        &shipping_policy,
        tax_rate_bps,
    )?;
    let lines = checked
        .into_iter()
        .zip(priced.lines)
        .map(
            |((product_id, sku, name, quantity, unit_price), pricing)| OrderLine {
                product_id,
                sku,
                name,
                quantity,
                unit_price,
                line_total: pricing.line_total,
                discount: pricing.discount,
                tax: pricing.tax,
                total: pricing.total,
            },
        )
        .collect();
    Ok(vec![OrderEvent::OrderPlaced {
        order_id,
        cart_id,
        customer_id,
        customer_role,
        guest_email,
        lines,
        coupon,
        shipping_address,
        shipping_policy,
        tax_rate_bps,
        totals: priced.totals,
        placed_at: at,
        store,
    }])
}
