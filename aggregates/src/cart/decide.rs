//! The rules of every cart command: which events a command produces from the current state,
//! or why it is refused.

use uuid::Uuid;

use crate::cart::aggregate::{CartState, CartStatus, MAX_LINES, MAX_LINE_QUANTITY};
use crate::cart::command::CartCommand;
use crate::cart::error::CartError;
use crate::cart::event::CartEvent;
use crate::cart::merge::decide_merge_items;
use crate::cart::validate::{normalized_address, normalized_coupon_code};
use crate::line::{normalize_sku, quantity_allowed};
use crate::money::Money;

/// Decides which events `command` produces for the cart in `state` (`None`: not created).
pub(crate) fn decide(
    state: Option<&CartState>,
    command: CartCommand,
) -> Result<Vec<CartEvent>, CartError> {
    if let CartCommand::CreateCart {
        cart_id,
        owner,
        store,
        currency,
    } = command
    {
        if state.is_some() {
            return Err(CartError::AlreadyExists);
        }
        return Ok(vec![CartEvent::CartCreated {
            cart_id,
            owner,
            currency,
            store,
        }]);
    }
    let state = state.ok_or(CartError::NotFound)?;
    // A claim acts as the guest whose token it sent: it must be this guest cart's.
    if command.acting_as() != state.owner {
        return Err(CartError::NotOwner);
    }
    match (state.status, &command) {
        (CartStatus::Open, _) => {}
        (CartStatus::CheckedOut { order_id }, CartCommand::CheckOut { .. }) => {
            return Err(CartError::AlreadyCheckedOut { order_id });
        }
        (
            CartStatus::CheckedOut { .. } | CartStatus::Abandoned | CartStatus::MergedInto { .. },
            _,
        ) => {
            return Err(CartError::CartClosed);
        }
    }
    match command {
        CartCommand::CreateCart { .. } => Err(CartError::AlreadyExists),
        CartCommand::AddItem {
            product_id,
            sku,
            quantity,
            unit_price,
            store,
            ..
        } => {
            if store != state.store {
                return Err(CartError::ProductNotInStore {
                    product_id,
                    cart_store: state.store.clone(),
                });
            }
            decide_add_item(state, product_id, &sku, quantity, unit_price)
        }
        CartCommand::ChangeItemQuantity { sku, quantity, .. } => {
            check_quantity(quantity)?;
            let sku = sku.trim();
            let line = state.line(sku).ok_or_else(|| CartError::ItemNotInCart {
                sku: sku.to_string(),
            })?;
            if line.quantity == quantity {
                return Ok(vec![]);
            }
            state.subtotal_with(sku, quantity)?;
            Ok(vec![CartEvent::ItemQuantityChanged {
                sku: line.sku.clone(),
                quantity,
            }])
        }
        CartCommand::RemoveItem { sku, .. } => {
            let sku = sku.trim();
            let line = state.line(sku).ok_or_else(|| CartError::ItemNotInCart {
                sku: sku.to_string(),
            })?;
            Ok(vec![CartEvent::ItemRemoved {
                sku: line.sku.clone(),
            }])
        }
        CartCommand::ApplyCoupon { code, .. } => {
            let code = normalized_coupon_code(&code)
                .ok_or_else(|| CartError::InvalidCouponCode { code: code.clone() })?;
            if state.coupon_code.as_deref() == Some(code.as_str()) {
                return Ok(vec![]);
            }
            Ok(vec![CartEvent::CouponApplied { code }])
        }
        CartCommand::RemoveCoupon { .. } => {
            let code = state
                .coupon_code
                .clone()
                .ok_or(CartError::NoCouponApplied)?;
            Ok(vec![CartEvent::CouponRemoved { code }])
        }
        CartCommand::SetShippingAddress { address, .. } => {
            let address = normalized_address(address)?;
            if state.shipping_address.as_ref() == Some(&address) {
                return Ok(vec![]);
            }
            Ok(vec![CartEvent::ShippingAddressSet { address }])
        }
        CartCommand::CheckOut { order_id, .. } => {
            if state.lines.is_empty() {
                return Err(CartError::EmptyCart);
            }
            let shipping_address = state
                .shipping_address
                .clone()
                .ok_or(CartError::MissingShippingAddress)?;
            state.subtotal()?;
            Ok(vec![CartEvent::CartCheckedOut {
                order_id,
                lines: state.lines.clone(),
                coupon_code: state.coupon_code.clone(),
                shipping_address,
            }])
        }
        CartCommand::AbandonCart { .. } => Ok(vec![CartEvent::CartAbandoned {}]),
        CartCommand::ClaimCart { customer_id, .. } => {
            Ok(vec![CartEvent::CartClaimed { customer_id }])
        }
        CartCommand::MergeInto {
            customer_id,
            into_cart_id,
            ..
        } => {
            if into_cart_id == state.cart_id {
                return Err(CartError::CartClosed);
            }
            Ok(vec![CartEvent::CartMergedInto {
                cart_id: into_cart_id,
                customer_id,
            }])
        }
        CartCommand::MergeItems {
            from_cart_id,
            lines,
            coupon_code,
            ..
        } => Ok(decide_merge_items(state, from_cart_id, &lines, coupon_code)),
    }
}

fn check_quantity(quantity: u32) -> Result<(), CartError> {
    if quantity_allowed(quantity) {
        Ok(())
    } else {
        Err(CartError::InvalidQuantity {
            quantity,
            max: MAX_LINE_QUANTITY,
        })
    }
}

/// `AddItem`: a new line, or more of a SKU already in the cart (keeping its first price).
fn decide_add_item(
    state: &CartState,
    product_id: Uuid,
    sku: &str,
    quantity: u32,
    unit_price: Money,
) -> Result<Vec<CartEvent>, CartError> {
    let sku = normalize_sku(sku).ok_or_else(|| CartError::InvalidSku {
        sku: sku.to_string(),
    })?;
    check_quantity(quantity)?;
    if unit_price.currency != state.currency {
        return Err(CartError::CurrencyMismatch {
            expected: state.currency,
            found: unit_price.currency,
        });
    }
    if unit_price.minor <= 0 {
        return Err(CartError::NonPositivePrice);
    }
    if let Some(line) = state.line(&sku) {
        if line.product_id != product_id {
            return Err(CartError::SkuBelongsToAnotherProduct {
                sku,
                existing_product_id: line.product_id,
            });
        }
        let total = line.quantity.saturating_add(quantity);
        if total > MAX_LINE_QUANTITY {
            return Err(CartError::LineQuantityExceeded {
                sku,
                quantity: total,
                max: MAX_LINE_QUANTITY,
            });
        }
        state.subtotal_with(&sku, total)?;
        return Ok(vec![CartEvent::ItemQuantityChanged {
            sku,
            quantity: total,
        }]);
    }
    if state.lines.len() >= MAX_LINES {
        return Err(CartError::TooManyLines { max: MAX_LINES });
    }
    state
        .subtotal()?
        .checked_add(&unit_price.checked_mul(i64::from(quantity))?)?;
    Ok(vec![CartEvent::ItemAdded {
        product_id,
        sku,
        quantity,
        unit_price,
    }])
}
