//! The carts projection's fast replay: each cart's events folded into its final
//! `cart_views` row and `cart_lines`, with the same effect as the statements of
//! [`CartProjection::apply`](super::CartProjection) (updates of a missing cart row change
//! nothing; lines are kept even then).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use commerce_aggregates::cart::CartEvent;
use uuid::Uuid;

use crate::projection::ProjectionError;
use crate::replay::{CopyRows, Rebuild, StoredEvent};

const STATEMENTS: &[&str] = &[
    "COPY cart_views (id, customer_id, status, currency, coupon_code, shipping_address, \
     order_id, item_count, line_count, subtotal_minor, created_at, updated_at, version, store, \
     guest_token_hash) FROM STDIN (FORMAT binary)",
    "COPY cart_lines (cart_id, sku, product_id, quantity, unit_price_minor, line_total_minor, \
     position) FROM STDIN (FORMAT binary)",
];

/// The `cart_views` columns the events set (the counts are computed from the lines).
#[derive(Debug)]
struct Cart {
    customer_id: Option<Uuid>,
    guest_token_hash: Option<String>,
    status: &'static str,
    currency: String,
    coupon_code: Option<String>,
    /// JSON text.
    shipping_address: Option<String>,
    order_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    store: String,
}

#[derive(Debug)]
struct Line {
    product_id: Uuid,
    quantity: i64,
    unit_price_minor: i64,
    line_total_minor: i64,
    position: i64,
}

/// The cart being folded.
#[derive(Debug, Default)]
pub(super) struct CartRebuild {
    id: Option<Uuid>,
    cart: Option<Cart>,
    lines: BTreeMap<String, Line>,
    last: Option<(i64, DateTime<Utc>)>,
}

fn times(quantity: i64, price: i64, event: &StoredEvent<'_>) -> Result<i64, ProjectionError> {
    quantity
        .checked_mul(price)
        .ok_or_else(|| event.error("line total out of range"))
}

impl Rebuild for CartRebuild {
    fn copy_statements(&self) -> &'static [&'static str] {
        STATEMENTS
    }

    fn apply(&mut self, event: &StoredEvent<'_>) -> Result<(), ProjectionError> {
        let cart: CartEvent = event.decode()?;
        let id = event.aggregate_uuid()?;
        self.id = Some(id);
        let version = event.sequence;
        let at = event.recorded_at;
        match cart {
            CartEvent::CartCreated {
                owner,
                currency,
                store,
                ..
            } => {
                self.cart = Some(Cart {
                    customer_id: owner.customer_id(),
                    guest_token_hash: owner.guest_token_hash().map(str::to_string),
                    status: "open",
                    currency: currency.as_str().to_string(),
                    coupon_code: None,
                    shipping_address: None,
                    order_id: None,
                    created_at: at,
                    store,
                });
            }
            CartEvent::ItemAdded {
                product_id,
                sku,
                quantity,
                unit_price,
            } => {
                let quantity = i64::from(quantity);
                let line = Line {
                    product_id,
                    quantity,
                    unit_price_minor: unit_price.minor,
                    line_total_minor: times(quantity, unit_price.minor, event)?,
                    position: version,
                };
                self.lines.insert(sku, line);
            }
            CartEvent::ItemQuantityChanged { sku, quantity } => {
                if let Some(line) = self.lines.get_mut(&sku) {
                    line.quantity = i64::from(quantity);
                    line.line_total_minor = times(line.quantity, line.unit_price_minor, event)?;
                }
            }
            CartEvent::ItemRemoved { sku } => {
                self.lines.remove(&sku);
            }
            CartEvent::CouponApplied { code } => {
                if let Some(cart) = &mut self.cart {
                    cart.coupon_code = Some(code);
                }
            }
            CartEvent::CouponRemoved { .. } => {
                if let Some(cart) = &mut self.cart {
                    cart.coupon_code = None;
                }
            }
            CartEvent::ShippingAddressSet { address } => {
                if let Some(cart) = &mut self.cart {
                    cart.shipping_address =
                        Some(serde_json::to_string(&address).map_err(|e| event.error(e))?);
                }
            }
            CartEvent::CartCheckedOut {
                order_id,
                coupon_code,
                shipping_address,
                ..
            } => {
                if let Some(cart) = &mut self.cart {
                    cart.status = "checked_out";
                    cart.order_id = Some(order_id);
                    cart.coupon_code = coupon_code;
                    cart.shipping_address =
                        Some(serde_json::to_string(&shipping_address).map_err(|e| event.error(e))?);
                }
            }
            CartEvent::CartAbandoned {} => {
                if let Some(cart) = &mut self.cart {
                    cart.status = "abandoned";
                }
            }
            CartEvent::CartClaimed { customer_id } => {
                if let Some(cart) = &mut self.cart {
                    cart.customer_id = Some(customer_id);
                    cart.guest_token_hash = None;
                }
            }
            CartEvent::CartMergedInto { .. } => {
                if let Some(cart) = &mut self.cart {
                    cart.status = "merged";
                }
            }
            CartEvent::ItemsMerged { lines, .. } => {
                for merged in lines {
                    let quantity = i64::from(merged.quantity);
                    let line_total_minor = times(quantity, merged.unit_price.minor, event)?;
                    match self.lines.get_mut(&merged.sku) {
                        Some(line) => {
                            line.quantity = quantity;
                            line.line_total_minor = times(quantity, line.unit_price_minor, event)?;
                        }
                        None => {
                            self.lines.insert(
                                merged.sku,
                                Line {
                                    product_id: merged.product_id,
                                    quantity,
                                    unit_price_minor: merged.unit_price.minor,
                                    line_total_minor,
                                    position: version,
                                },
                            );
                        }
                    }
                }
            }
        }
        // The live projection refreshes counts, version and time after every event; a cart
        // row, once there, stays, so the last event's are the ones that remain.
        self.last = Some((version, at));
        Ok(())
    }

    fn finish(&mut self, tables: &mut [CopyRows]) -> Result<(), ProjectionError> {
        let done = std::mem::take(self);
        let (Some(id), [views, lines, ..]) = (done.id, tables) else {
            return Ok(());
        };
        let overflow = || ProjectionError::Decode {
            event_type: "cart".into(),
            reason: format!("cart {id}: totals out of range"),
        };
        if let (Some(cart), Some((version, at))) = (&done.cart, done.last) {
            let mut items = 0i64;
            let mut subtotal = 0i64;
            for line in done.lines.values() {
                items = items.checked_add(line.quantity).ok_or_else(overflow)?;
                subtotal = subtotal
                    .checked_add(line.line_total_minor)
                    .ok_or_else(overflow)?;
            }
            let line_count = i64::try_from(done.lines.len()).map_err(|_| overflow())?;
            views
                .uuid(id)
                .opt_uuid(cart.customer_id)
                .text(cart.status)
                .text(&cart.currency)
                .opt_text(cart.coupon_code.as_deref())
                .opt_raw_json(cart.shipping_address.as_deref())
                .opt_uuid(cart.order_id)
                .int(items)
                .int(line_count)
                .int(subtotal)
                .time(cart.created_at)
                .time(at)
                .int(version)
                .text(&cart.store)
                .opt_text(cart.guest_token_hash.as_deref());
            views.end_row();
        }
        for (sku, line) in &done.lines {
            lines
                .uuid(id)
                .text(sku)
                .uuid(line.product_id)
                .int(line.quantity)
                .int(line.unit_price_minor)
                .int(line.line_total_minor)
                .int(line.position);
            lines.end_row();
        }
        Ok(())
    }
}
