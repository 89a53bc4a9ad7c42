//! Merging a guest's cart into a customer's: which lines the customer's cart ends up with.

use uuid::Uuid;

use crate::cart::aggregate::{CartLine, CartState, MAX_LINES, MAX_LINE_QUANTITY};
use crate::cart::event::CartEvent;
use crate::cart::validate::normalized_coupon_code;

/// The events merging `lines` (and `coupon_code`) from cart `from_cart_id` into `state`.
///
/// A merge never fails, so a login never does: a SKU already in the cart gets the summed
/// quantity capped at `MAX_LINE_QUANTITY` (at the price the cart holds); a new SKU is added
/// while the cart has room for `MAX_LINES`; a line that cannot be taken (another currency,
/// the SKU held for another product, a subtotal that would overflow) is left out. The coupon
/// is kept only when this cart has none.
pub(crate) fn decide_merge_items(
    state: &CartState,
    from_cart_id: Uuid,
    lines: &[CartLine],
    coupon_code: Option<String>,
) -> Vec<CartEvent> {
    let mut merged: Vec<CartLine> = Vec::new();
    let mut after = state.clone();
    for line in lines {
        if line.unit_price.currency != state.currency || line.unit_price.minor <= 0 {
            continue;
        }
        let candidate = match after.line(&line.sku) {
            Some(existing) if existing.product_id != line.product_id => continue,
            Some(existing) => CartLine {
                quantity: existing
                    .quantity
                    .saturating_add(line.quantity)
                    .min(MAX_LINE_QUANTITY),
                ..existing.clone()
            },
            None if after.lines.len() >= MAX_LINES => continue,
            None => CartLine {
                quantity: line.quantity.clamp(1, MAX_LINE_QUANTITY),
                ..line.clone()
            },
        };
        if after.line(&line.sku) == Some(&candidate) {
            continue;
        }
        let mut trial = after.clone();
        upsert(&mut trial.lines, candidate.clone());
        if trial.subtotal().is_err() {
            continue;
        }
        after = trial;
        upsert(&mut merged, candidate);
    }
    let mut events = Vec::new();
    if !merged.is_empty() {
        events.push(CartEvent::ItemsMerged {
            from_cart_id,
            lines: merged,
        });
    }
    let kept = coupon_code
        .filter(|_| state.coupon_code.is_none())
        .and_then(|code| normalized_coupon_code(&code));
    if let Some(code) = kept {
        events.push(CartEvent::CouponApplied { code });
    }
    events
}

/// Replaces the line with `line`'s SKU, or appends it.
fn upsert(lines: &mut Vec<CartLine>, line: CartLine) {
    match lines.iter_mut().find(|l| l.sku == line.sku) {
        Some(existing) => *existing = line,
        None => lines.push(line),
    }
}
