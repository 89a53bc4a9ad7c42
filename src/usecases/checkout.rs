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
use commerce_aggregates::cart::{Cart, CartCommand, CartError};
use commerce_aggregates::coupon::{
    Coupon, CouponCommand, CouponError, CouponEvent, REDEMPTION_EVENTS,
};
use commerce_aggregates::order::{
    AppliedCoupon, Order, OrderCommand, OrderError, OrderLineInput, OrderStatus, RejectionReason,
    ShippingPolicy,
};
use commerce_aggregates::product::{Product, ProductCommand, ProductError, ReservationLine};
use commerce_aggregates::{Currency, Money};
use uuid::Uuid;

use super::add_item::RECENT;
use super::attempts::{Attempt, Attempts};
use super::Caller;
use crate::config::PricingSettings;
use crate::store::{CommandMetadata, CommitError, Snapshots, StoreError, Stores, Stream};

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
        ShippingPolicy {
            flat_rate: Money::new(self.pricing.shipping_flat_rate, currency),
            free_above: self
                .pricing
                .free_shipping_from
                .map(|threshold| Money::new(threshold, currency)),
        }
    }
}

/// Check out cart `cart_id` for `customer`.
#[derive(Debug, Clone)]
pub struct CheckOut {
    /// The cart.
    pub cart_id: Uuid,
    /// Its owner (anyone else is told the cart does not exist).
    pub customer: Caller,
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

/// The coupon's part of a checkout.
enum CouponPart {
    /// A coupon with redemption limits: decided on its stream, committed at its version (its
    /// checkouts follow each other).
    Limited(Stream<Coupon>),
    /// A coupon without limits: its redemption was decided on its terms as read at `version`,
    /// and is committed after whatever redemptions other checkouts append meanwhile (see
    /// `Coupon::redeem`).
    Unlimited {
        code: String,
        version: usize,
        /// Its discount, `None` when it does not exist or is deactivated.
        applied: Option<AppliedCoupon>,
        redemption: Result<Vec<CouponEvent>, CouponError>,
        unchecked: bool,
    },
}

impl CouponPart {
    fn code(&self) -> &str {
        match self {
            CouponPart::Limited(stream) => stream.id(),
            CouponPart::Unlimited { code, .. } => code,
        }
    }

    fn is_unchecked(&self) -> bool {
        match self {
            CouponPart::Limited(stream) => stream.is_unchecked(),
            CouponPart::Unlimited { unchecked, .. } => *unchecked,
        }
    }

    /// Its discount, `None` when it does not exist or is deactivated.
    fn applied(&self) -> Option<AppliedCoupon> {
        match self {
            CouponPart::Limited(stream) => {
                let coupon = stream.state();
                coupon
                    .terms()
                    .filter(|_| coupon.is_active())
                    .map(|terms| AppliedCoupon {
                        code: stream.id().to_owned(),
                        discount: terms.discount,
                    })
            }
            CouponPart::Unlimited { applied, .. } => applied.clone(),
        }
    }
}

impl Streams {
    fn any_unchecked(&self) -> bool {
        self.cart.is_unchecked()
            || self.products.iter().any(Stream::is_unchecked)
            || self.coupon.as_ref().is_some_and(CouponPart::is_unchecked)
    }

    /// True when a stream taken unchecked decided nothing (a reservation the product already
    /// held for this order, say): the commit does not look at it, so that must be decided
    /// again on the stored state.
    fn unchecked_without_events(&self) -> bool {
        self.cart.is_unverified()
            || self.products.iter().any(Stream::is_unverified)
            || matches!(&self.coupon, Some(CouponPart::Limited(c)) if c.is_unverified())
    }

    /// Hands every stream back uncommitted.
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

    async fn commit(
        self,
        stores: &Stores,
        metadata: &CommandMetadata,
    ) -> Result<Snapshots, CommitError> {
        let mut transaction = stores.transaction();
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
        transaction.commit(metadata).await
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
                customer: input.customer,
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
    if let Err(refusal) = decide(&mut streams, settings, input.customer, order_id, at).await {
        let unchecked = streams.any_unchecked();
        streams.close(stores);
        return if unchecked {
            Attempt::Unchecked
        } else {
            Attempt::Done(Err(refusal))
        };
    }
    if streams.unchecked_without_events() {
        streams.close(stores);
        return Attempt::Unchecked;
    }
    let version = streams.order.next_version();
    match streams.commit(stores, metadata).await {
        Ok(snapshots) => {
            drop((cart_turn, product_turns, coupon_turn));
            snapshots.write().await;
            Attempt::Done(Ok(CheckedOut {
                order_id,
                version,
                status: OrderStatus::Confirmed,
            }))
        }
        Err(CommitError::Conflict) => Attempt::Conflict,
        Err(CommitError::Store(error)) => Attempt::Done(Err(error.into())),
    }
}

/// Why the cart as read cannot be checked out by this request: `Ok` with the order of a cart
/// checked out already, or the error to answer. `None` when it can.
fn cart_refusal(cart: &Stream<Cart>, input: &CheckOut) -> Option<Result<Uuid, CheckoutError>> {
    let state = cart.state();
    if state.customer_id() != Some(input.customer.id) {
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

/// The order of a cart checked out before, as it stands now.
async fn existing_order(stores: &Stores, order_id: Uuid) -> Result<CheckedOut, CheckoutError> {
    let (order, version) = stores
        .orders
        .load(&order_id.to_string())
        .await
        .map_err(|error| match error {
            crate::store::ExecuteError::Store(error) => CheckoutError::Store(error),
            other => CheckoutError::Store(StoreError::Failed(other.to_string())),
        })?;
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

/// What an unlimited coupon's redemption is decided on.
struct Redeeming {
    order_id: Uuid,
    customer: Caller,
    /// The cart's subtotal (the order's: the same lines at the same prices).
    subtotal: Result<Money, CartError>,
    at: DateTime<Utc>,
}

/// The coupon `code` decided without its turn when it has no redemption limits (with `kept`
/// as this process last knew it within [`RECENT`], else as stored); `Err(code)` when it has
/// limits (or does not exist), to be decided on its stream instead.
async fn unlimited_coupon(
    stores: &Stores,
    code: &str,
    redeeming: &Redeeming,
    kept: bool,
) -> Result<Result<CouponPart, String>, StoreError> {
    let decide = |coupon: &Coupon, version: usize| {
        if !coupon.exists() || coupon.redemptions_limited() {
            return Err(code.to_owned());
        }
        let applied = coupon
            .terms()
            .filter(|_| coupon.is_active())
            .map(|terms| AppliedCoupon {
                code: code.to_owned(),
                discount: terms.discount,
            });
        let redemption = match &redeeming.subtotal {
            Ok(subtotal) => coupon.redeem(
                redeeming.order_id,
                redeeming.customer.id,
                redeeming.customer.role,
                *subtotal,
                redeeming.at,
            ),
            // The cart refuses its checkout first (see `decide`).
            Err(_) => Ok(Vec::new()),
        };
        Ok(CouponPart::Unlimited {
            code: code.to_owned(),
            version,
            applied,
            redemption,
            unchecked: kept,
        })
    };
    let read = if kept {
        stores.coupons.read_recent(code, RECENT, decide).await
    } else {
        stores
            .coupons
            .load(code)
            .await
            .map(|(coupon, version)| decide(&coupon, version))
    };
    read.map_err(|error| match error {
        crate::store::ExecuteError::Store(error) => error,
        other => StoreError::Failed(other.to_string()),
    })
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

/// Lets every aggregate decide; the first refusal, if any.
async fn decide(
    streams: &mut Streams,
    settings: &CheckoutSettings,
    customer: Caller,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), CheckoutError> {
    let reservations = by_product(streams.cart.state());
    streams
        .cart
        .decide(CartCommand::CheckOut {
            customer_id: customer.id,
            order_id,
        })
        .await
        .map_err(|error| match error {
            CartError::NotFound | CartError::NotOwner => CheckoutError::CartNotFound,
            other => CheckoutError::Cart(other),
        })?;
    let place = place_order(streams, settings, customer, order_id, at)?;
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
        // A price that changed since the item was added is the reason given first.
        let changed = lines
            .iter()
            .filter(|line| line.product_id == product_id)
            .find(|line| {
                product
                    .state()
                    .variant(&line.sku)
                    .is_some_and(|variant| variant.price != line.unit_price)
            });
        if let Some(line) = changed {
            return Err(CheckoutError::Refused(RejectionReason::PriceChanged {
                sku: line.sku.clone(),
            }));
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
    let timeout =
        chrono::Duration::from_std(settings.payment_timeout).unwrap_or(chrono::Duration::MAX);
    streams
        .order
        .decide(OrderCommand::ConfirmOrder {
            payment_due_by: at
                .checked_add_signed(timeout)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        })
        .await
        .map_err(CheckoutError::Order)
}

/// The `PlaceOrder` for the cart just checked out: its lines named after their products, its
/// coupon's discount, the shipping policy and tax rate.
fn place_order(
    streams: &Streams,
    settings: &CheckoutSettings,
    customer: Caller,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Result<OrderCommand, CheckoutError> {
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
        customer_id: customer.id,
        customer_role: customer.role,
        lines,
        coupon,
        shipping_address: address.clone(),
        shipping_policy: settings.shipping_policy(currency),
        tax_rate_bps: settings.pricing.tax_rate_bps,
        at,
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

/// Why a product refused to reserve an order's lines (`first_sku` names the product when the
/// refusal names no SKU).
pub(super) fn reservation_reason(error: ProductError, first_sku: String) -> RejectionReason {
    match error {
        ProductError::InsufficientStock { sku, .. } => RejectionReason::OutOfStock { sku },
        ProductError::UnknownSku { sku } => RejectionReason::ProductUnavailable { sku },
        _ => RejectionReason::ProductUnavailable { sku: first_sku },
    }
}

/// Why coupon `code` refused to be redeemed for an order.
pub(super) fn redemption_reason(error: CouponError, code: String) -> RejectionReason {
    match error {
        CouponError::Exhausted { .. } => RejectionReason::CouponExhausted,
        CouponError::Expired { .. } | CouponError::NotYetValid { .. } => {
            RejectionReason::CouponExpired
        }
        CouponError::RoleNotEligible { .. }
        | CouponError::BelowMinimumSubtotal { .. }
        | CouponError::CustomerLimitReached { .. } => RejectionReason::CouponNotEligible,
        _ => RejectionReason::CouponInvalid { code },
    }
}
