//! The checkout's decision: every aggregate decides in turn on the streams opened for it.

use chrono::{DateTime, Utc};
use commerce_aggregates::cart::{CartCommand, CartError};
use commerce_aggregates::coupon::{CouponCommand, CouponError};
use commerce_aggregates::order::{OrderCommand, OrderLineInput};
use commerce_aggregates::product::{ProductCommand, ProductError};
use uuid::Uuid;

use super::coupon::CouponPart;
use super::{
    by_product, payment_due_by, redeemer, CheckOut, CheckoutError, CheckoutSettings, Streams,
};
use crate::usecases::reasons::{price_change, redemption_reason, reservation_reason};

/// Lets every aggregate decide; the first refusal, if any.
pub(super) async fn decide(
    streams: &mut Streams,
    settings: &CheckoutSettings,
    input: &CheckOut,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), CheckoutError> {
    let reservations = by_product(streams.cart.state());
    let customer = redeemer(&input.holder);
    streams
        .cart
        .decide(CartCommand::CheckOut {
            shopper: input.holder.owner(),
            order_id,
        })
        .await
        .map_err(|error| match error {
            CartError::NotFound | CartError::NotOwner => CheckoutError::CartNotFound,
            other => CheckoutError::Cart(other),
        })?;
    let place = place_order(streams, settings, input, order_id, at)?;
    streams
        .order
        .decide(place)
        .await
        .map_err(CheckoutError::Order)?;
    let lines = streams.order.state().lines().to_vec();
    for (product, (product_id, reservation)) in streams.products.iter_mut().zip(reservations) {
        let first_sku = reservation
            .first()
            .map(|l| l.sku.clone())
            .unwrap_or_default();
        let of_product = lines.iter().filter(|line| line.product_id == product_id);
        if let Some(reason) = price_change(product.state(), of_product) {
            return Err(CheckoutError::Refused(reason));
        }
        let command = ProductCommand::ReserveStock {
            order_id,
            lines: reservation,
        };
        product
            .decide(command)
            .await
            .map_err(|error| reservation_refused(error, first_sku))?;
    }
    match &mut streams.coupon {
        Some(CouponPart::Limited(coupon)) => {
            let Some(totals) = streams.order.state().totals() else {
                return Err(CheckoutError::CouponInvalid {
                    code: coupon.id().to_owned(),
                });
            };
            let command = CouponCommand::RedeemCoupon {
                order_id,
                customer_id: customer.id,
                customer_role: customer.role,
                subtotal: totals.subtotal,
                at,
            };
            let code = coupon.id().to_owned();
            coupon
                .decide(command)
                .await
                .map_err(|error| redemption_refused(error, code))?;
        }
        Some(CouponPart::Unlimited {
            code,
            redemption: Err(error),
            ..
        }) => return Err(redemption_refused(error.clone(), code.clone())),
        Some(CouponPart::Unlimited { .. }) | None => {}
    }
    streams
        .order
        .decide(OrderCommand::ConfirmOrder {
            payment_due_by: payment_due_by(at, settings.payment_timeout),
        })
        .await
        .map_err(CheckoutError::Order)
}

/// The `PlaceOrder` for the cart just checked out: its lines named after their products, its
/// coupon's discount, the shipping policy and tax rate.
fn place_order(
    streams: &Streams,
    settings: &CheckoutSettings,
    input: &CheckOut,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Result<OrderCommand, CheckoutError> {
    let customer = redeemer(&input.holder);
    let cart = streams.cart.state();
    // The cart checked both out already (`CheckOut` refuses a cart without them).
    let (Some(currency), Some(address)) = (cart.currency(), cart.shipping_address()) else {
        return Err(CheckoutError::Cart(CartError::MissingShippingAddress));
    };
    let name = |product_id: Uuid, sku: &str| {
        streams
            .products
            .iter()
            .find(|p| p.state().product_id() == Some(product_id))
            .map(|p| p.state().details().name.clone())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| sku.to_owned())
    };
    let lines = cart
        .lines()
        .iter()
        .map(|line| OrderLineInput {
            product_id: line.product_id,
            sku: line.sku.clone(),
            name: name(line.product_id, &line.sku),
            quantity: line.quantity,
            unit_price: line.unit_price,
        })
        .collect();
    let coupon = match &streams.coupon {
        Some(part) => Some(part.applied().ok_or_else(|| CheckoutError::CouponInvalid {
            code: part.code().to_owned(),
        })?),
        None => None,
    };
    Ok(OrderCommand::PlaceOrder {
        order_id,
        cart_id: streams.cart.state().cart_id().unwrap_or_default(),
        customer_id: input.holder.customer().map(|customer| customer.id),
        customer_role: customer.role,
        guest_email: input
            .holder
            .customer()
            .is_none()
            .then(|| input.guest_email.clone())
            .flatten(),
        lines,
        coupon,
        shipping_address: address.clone(),
        shipping_policy: settings.shipping_policy(currency),
        tax_rate_bps: settings.pricing.tax_rate_bps,
        at,
        store: streams.cart.state().store().unwrap_or_default().to_owned(),
    })
}

/// A product's refusal to reserve, as the reason the checkout is refused.
fn reservation_refused(error: ProductError, first_sku: String) -> CheckoutError {
    CheckoutError::Refused(reservation_reason(error, first_sku))
}

/// The coupon's refusal to be redeemed, as the reason the checkout is refused.
fn redemption_refused(error: CouponError, code: String) -> CheckoutError {
    CheckoutError::Refused(redemption_reason(error, code))
}
