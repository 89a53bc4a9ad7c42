//! Check a cart out: the cart closes, the order is placed, every product's stock is
//! reserved, the coupon redeemed and the order confirmed — one decision, one commit.
//!
//! The events `CartCheckedOut`, `OrderPlaced`, `StockReserved` (per product, with any
//! low-stock event it causes), `CouponRedeemed` and `OrderConfirmed` are appended together
//! or not at all. A refusal writes nothing and leaves the cart open, so the customer can fix
//! it (remove the SKU that ran out, drop the coupon) and check out again. A cart checked out
//! already answers with its order, so a retried or parallel checkout never places a second
//! one.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use commerce_aggregates::cart::{Cart, CartError};
use commerce_aggregates::coupon::REDEMPTION_EVENTS;
use commerce_aggregates::order::{Order, OrderError, OrderStatus, RejectionReason, ShippingPolicy};
use commerce_aggregates::product::{Product, ReservationLine};
use commerce_aggregates::{Currency, Money};
use uuid::Uuid;

mod coupon;
mod decide;

use self::coupon::{unlimited_coupon, CouponPart, Redeeming};
use self::decide::decide;
use super::attempts::{conclude, Attempt, Attempts, StreamSet};
use super::guest::CartHolder;
use super::Caller;
use crate::config::PricingSettings;
use crate::store::{CommandMetadata, Loaded, StoreError, Stores, Stream, Transaction};

/// How orders are priced and how long they may stay unpaid.
#[derive(Debug, Clone)]
pub struct CheckoutSettings {
    /// Shipping and tax.
    pub pricing: PricingSettings,
    /// How long a confirmed order may stay unpaid before it expires.
    pub payment_timeout: Duration,
}

impl CheckoutSettings {
    /// How shipping is charged for an order in `currency`: the flat rate, free from the
    /// threshold, both in that currency's minor units.
    pub fn shipping_policy(&self, currency: Currency) -> ShippingPolicy {
        shipping_policy(&self.pricing, currency)
    }
}

/// When an order confirmed at `at` must be paid by: `payment_timeout` later (the end of time
/// should that not be representable).
pub(crate) fn payment_due_by(at: DateTime<Utc>, payment_timeout: Duration) -> DateTime<Utc> {
    let timeout = chrono::Duration::from_std(payment_timeout).unwrap_or(chrono::Duration::MAX);
    at.checked_add_signed(timeout)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How `pricing` charges shipping in `currency`: the checkout's policy, which a cart's
/// pricing ([`crate::usecases::price_cart`]) applies too.
pub fn shipping_policy(pricing: &PricingSettings, currency: Currency) -> ShippingPolicy {
    ShippingPolicy {
        flat_rate: Money::new(pricing.shipping_flat_rate, currency),
        free_above: pricing
            .free_shipping_from
            .map(|threshold| Money::new(threshold, currency)),
    }
}

/// Check out cart `cart_id` for its holder.
#[derive(Debug, Clone)]
pub struct CheckOut {
    /// The cart.
    pub cart_id: Uuid,
    /// Its owner (anyone else is told the cart does not exist).
    pub holder: CartHolder,
    /// A guest's email address, where the order's emails go (ignored for a customer).
    pub guest_email: Option<String>,
    /// The cart version the customer saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// The order a checkout placed (or had placed, for a cart checked out before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedOut {
    /// The order.
    pub order_id: Uuid,
    /// The order's version.
    pub version: usize,
    /// Its status: `confirmed` for a new order.
    pub status: OrderStatus,
}

/// Why a cart was not checked out.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// No such cart, or someone else's.
    #[error("cart not found")]
    CartNotFound,
    /// The cart refused (empty, no shipping address, closed).
    #[error(transparent)]
    Cart(CartError),
    /// The cart's coupon does not exist or is deactivated.
    #[error("coupon {code} does not exist or is no longer active")]
    CouponInvalid {
        /// The code.
        code: String,
    },
    /// The order could not be placed from the cart (pricing).
    #[error(transparent)]
    Order(OrderError),
    /// Stock, a price or the coupon stands in the way; the cart stays open.
    #[error("order refused: {0}")]
    Refused(RejectionReason),
    /// The cart is not at the version the customer expected.
    #[error("expected version {expected}, the cart is at version {actual}")]
    VersionMismatch {
        /// The version sent.
        expected: usize,
        /// The cart's version.
        actual: usize,
    },
    /// Concurrent commits kept winning.
    #[error("the cart's products or coupon kept changing concurrently; retry")]
    Conflict,
    /// The event store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks the cart out (see the module documentation).
#[tracing::instrument(skip_all, fields(cart_id = %input.cart_id), err(level = "debug"))]
pub async fn check_out(
    stores: &Stores,
    settings: &CheckoutSettings,
    input: &CheckOut,
    metadata: &CommandMetadata,
) -> Result<CheckedOut, CheckoutError> {
    let mut attempts = Attempts::default();
    loop {
        let attempt = attempt(stores, settings, input, metadata, attempts.kept()).await;
        if let Some(result) = attempts.next(attempt, || CheckoutError::Conflict).await {
            return result;
        }
    }
}

/// Every stream a checkout decides on.
struct Streams {
    cart: Stream<Cart>,
    order: Stream<Order>,
    products: Vec<Stream<Product>>,
    coupon: Option<CouponPart>,
}

impl StreamSet for Streams {
    fn any_unchecked(&self) -> bool {
        self.cart.is_unchecked()
            || self.products.iter().any(Stream::is_unchecked)
            || self.coupon.as_ref().is_some_and(CouponPart::is_unchecked)
    }

    fn unchecked_without_events(&self) -> bool {
        self.cart.is_unverified()
            || self.products.iter().any(Stream::is_unverified)
            || matches!(&self.coupon, Some(CouponPart::Limited(c)) if c.is_unverified())
    }

    fn close(self, stores: &Stores) {
        stores.carts.close(self.cart);
        stores.orders.close(self.order);
        for product in self.products {
            stores.products.close(product);
        }
        if let Some(CouponPart::Limited(coupon)) = self.coupon {
            stores.coupons.close(coupon);
        }
    }

    fn stage<'s>(self, transaction: &mut Transaction<'s>, stores: &'s Stores) {
        transaction.add(&stores.carts, self.cart);
        transaction.add(&stores.orders, self.order);
        for product in self.products {
            transaction.add(&stores.products, product);
        }
        match self.coupon {
            Some(CouponPart::Limited(coupon)) => transaction.add(&stores.coupons, coupon),
            Some(CouponPart::Unlimited {
                code,
                version,
                redemption: Ok(events),
                ..
            }) => transaction.add_following(
                &stores.coupons,
                &code,
                version,
                events,
                REDEMPTION_EVENTS,
            ),
            Some(CouponPart::Unlimited { .. }) | None => {}
        }
    }
}

async fn attempt(
    stores: &Stores,
    settings: &CheckoutSettings,
    input: &CheckOut,
    metadata: &CommandMetadata,
    kept: bool,
) -> Attempt<CheckedOut, CheckoutError> {
    let cart_id = input.cart_id.to_string();
    let cart_turn = stores.carts.turns([cart_id.as_str()]).await;
    let cart = match stores.carts.open(&cart_id, kept).await {
        Ok(cart) => cart,
        Err(error) => return Attempt::Done(Err(error.into())),
    };
    if let Some(refusal) = cart_refusal(&cart, input) {
        let unchecked = cart.is_unchecked();
        stores.carts.close(cart);
        return match (refusal, unchecked) {
            (_, true) => Attempt::Unchecked,
            (Ok(order_id), false) => Attempt::Done(existing_order(stores, order_id).await),
            (Err(error), false) => Attempt::Done(Err(error)),
        };
    }
    // The turns of the cart's products and coupon, in the order every use case takes them.
    let product_ids: Vec<String> = by_product(cart.state())
        .into_keys()
        .map(|id| id.to_string())
        .collect();
    let order_id = Uuid::new_v4();
    let at = Utc::now();
    // An unlimited coupon is decided on the state this process keeps, without its turn; a
    // limited one under its turn, after the products' (the order of the turns).
    let unlimited = match cart.state().coupon_code() {
        Some(code) => {
            let redeeming = Redeeming {
                order_id,
                customer: redeemer(&input.holder),
                subtotal: cart.state().subtotal(),
                at,
            };
            match unlimited_coupon(stores, code, &redeeming, kept).await {
                Ok(part) => Some(part),
                Err(error) => return Attempt::Done(Err(error.into())),
            }
        }
        None => None,
    };
    let limited_code = match &unlimited {
        Some(Err(code)) => Some(code.clone()),
        _ => None,
    };
    let product_turns = stores
        .products
        .turns(product_ids.iter().map(String::as_str))
        .await;
    let coupon_turn = stores.coupons.turns(limited_code.as_deref()).await;
    let mut products = Vec::with_capacity(product_ids.len());
    for id in &product_ids {
        match stores.products.open(id, kept).await {
            Ok(product) => products.push(product),
            Err(error) => return Attempt::Done(Err(error.into())),
        }
    }
    let coupon = match (unlimited, &limited_code) {
        (Some(Ok(part)), _) => Some(part),
        (_, Some(code)) => match stores.coupons.open(code, kept).await {
            Ok(coupon) => Some(CouponPart::Limited(coupon)),
            Err(error) => return Attempt::Done(Err(error.into())),
        },
        _ => None,
    };
    let mut streams = Streams {
        cart,
        order: stores.orders.open_new(&order_id.to_string()),
        products,
        coupon,
    };
    let decided = decide(&mut streams, settings, input, order_id, at).await;
    let checked_out = CheckedOut {
        order_id,
        version: streams.order.next_version(),
        status: OrderStatus::Confirmed,
    };
    let turns = (cart_turn, product_turns, coupon_turn);
    conclude(streams, decided, turns, stores, metadata, checked_out).await
}

/// Why the cart as read cannot be checked out by this request: `Ok` with the order of a cart
/// checked out already, or the error to answer. `None` when it can.
fn cart_refusal(cart: &Stream<Cart>, input: &CheckOut) -> Option<Result<Uuid, CheckoutError>> {
    let state = cart.state();
    if state.owner() != Some(&input.holder.owner()) {
        return Some(Err(CheckoutError::CartNotFound));
    }
    if let Some(order_id) = state.order_id() {
        return Some(Ok(order_id));
    }
    match input.expected_version {
        Some(expected) if expected != cart.version() => Some(Err(CheckoutError::VersionMismatch {
            expected,
            actual: cart.version(),
        })),
        _ => None,
    }
}

/// Who redeems the cart's coupon: the customer, or for a guest [`guest_redeemer`].
pub(super) fn redeemer(holder: &CartHolder) -> Caller {
    holder.customer().unwrap_or_else(guest_redeemer)
}

/// Who redeems a guest's coupon (a guest has no account): the nil id in the `customer` role —
/// so a role-restricted coupon refuses guests unless open to customers, and a per-customer
/// limit counts every guest together. A guest cart's pricing uses it too.
pub(crate) fn guest_redeemer() -> Caller {
    Caller {
        id: Uuid::nil(),
        role: commerce_aggregates::Role::Customer,
    }
}

/// The order of a cart checked out before, as it stands now.
async fn existing_order(stores: &Stores, order_id: Uuid) -> Result<CheckedOut, CheckoutError> {
    let Loaded {
        aggregate: order,
        version,
    } = stores
        .orders
        .load(&order_id.to_string())
        .await
        .map_err(|error| CheckoutError::Store(error.into_store_error()))?;
    match order.status() {
        // An order rejected before checkouts were decided in one commit.
        Some(OrderStatus::Rejected) => Err(CheckoutError::Refused(
            order
                .rejection()
                .cloned()
                .unwrap_or(RejectionReason::ProductUnavailable { sku: String::new() }),
        )),
        Some(status) => Ok(CheckedOut {
            order_id,
            version,
            status,
        }),
        None => Err(CheckoutError::Store(StoreError::Failed(format!(
            "the checked-out cart's order {order_id} does not exist"
        )))),
    }
}

/// The cart's lines as reservations, by product in id order.
fn by_product(cart: &Cart) -> BTreeMap<Uuid, Vec<ReservationLine>> {
    let mut products: BTreeMap<Uuid, Vec<ReservationLine>> = BTreeMap::new();
    for line in cart.lines() {
        products
            .entry(line.product_id)
            .or_default()
            .push(ReservationLine::new(line.sku.clone(), line.quantity));
    }
    products
}
