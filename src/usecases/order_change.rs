//! What the order use cases share: one command on an order, decided together with what it
//! means for the stock and the coupon the order holds, committed at once.

use std::collections::BTreeSet;

use commerce_aggregates::coupon::{Coupon, CouponCommand, CouponError};
use commerce_aggregates::order::{Order, OrderCommand, OrderError, RejectionReason};
use commerce_aggregates::product::{Product, ProductCommand, ProductError, ReservationLine};
use commerce_aggregates::Role;
use uuid::Uuid;

use super::attempts::{conclude, Attempt, Attempts, StreamSet};
use super::reasons::{price_change, redemption_reason, reservation_reason};
use super::Caller;
use crate::store::{CommandMetadata, Loaded, StoreError, Stores, Stream, Transaction};

/// What an order command does to the order's reservations and coupon redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Holdings {
    /// Nothing.
    Keep,
    /// Gives the stock and the redemption back, for this reason.
    Release(&'static str),
    /// Turns the reservations into sales (the units leave the stock).
    Commit,
    /// Reserves the stock of every line (its price checked) and redeems the coupon: what an
    /// order placed before checkouts were one commit still needs to be confirmed.
    Secure,
    /// Puts the units of this return back into stock, when the command received it (a
    /// repeated receipt adds nothing).
    Restock(Uuid),
}

/// One order command and its effects.
pub(super) struct OrderChange {
    /// The order.
    pub order_id: Uuid,
    /// Who asks (`None`: the engine itself). Customers may only change their own orders.
    pub caller: Option<Caller>,
    /// The command.
    pub command: OrderCommand,
    /// What it does to stock and coupon.
    pub holdings: Holdings,
    /// The order version the caller saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Why an order command was not committed.
#[derive(Debug, thiserror::Error)]
pub enum OrderChangeError {
    /// No such order, or someone else's.
    #[error("order not found")]
    NotFound,
    /// The order refused.
    #[error(transparent)]
    Order(OrderError),
    /// A product refused the order's stock change (release or commit).
    #[error(transparent)]
    Product(ProductError),
    /// The coupon would not give the redemption back.
    #[error(transparent)]
    Coupon(CouponError),
    /// The order is not at the version the caller expected.
    #[error("expected version {expected}, the order is at version {actual}")]
    VersionMismatch {
        /// The version sent.
        expected: usize,
        /// The order's version.
        actual: usize,
    },
    /// Concurrent commits kept winning.
    #[error("the order kept changing concurrently; retry")]
    Conflict,
    /// Stock, a price or the coupon stands in the way of securing the order.
    #[error("order refused: {0}")]
    Refused(RejectionReason),
    /// The event store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The order's version after the change.
pub(super) async fn change_order(
    stores: &Stores,
    change: &OrderChange,
    metadata: &CommandMetadata,
) -> Result<usize, OrderChangeError> {
    let mut attempts = Attempts::default();
    loop {
        let attempt = attempt(stores, change, metadata, attempts.kept()).await;
        if let Some(result) = attempts.next(attempt, || OrderChangeError::Conflict).await {
            return result;
        }
    }
}

/// Order `id` as the store has it now.
pub(super) async fn load_order(
    stores: &Stores,
    id: &str,
) -> Result<Loaded<Order>, OrderChangeError> {
    stores
        .orders
        .load(id)
        .await
        .map_err(|error| OrderChangeError::Store(error.into_store_error()))
}

struct Streams {
    order: Stream<Order>,
    products: Vec<Stream<Product>>,
    coupon: Option<Stream<Coupon>>,
}

impl StreamSet for Streams {
    fn any_unchecked(&self) -> bool {
        self.order.is_unchecked()
            || self.products.iter().any(Stream::is_unchecked)
            || self.coupon.as_ref().is_some_and(Stream::is_unchecked)
    }

    fn unchecked_without_events(&self) -> bool {
        self.order.is_unverified()
            || self.products.iter().any(Stream::is_unverified)
            || self.coupon.as_ref().is_some_and(Stream::is_unverified)
    }

    fn close(self, stores: &Stores) {
        stores.orders.close(self.order);
        for product in self.products {
            stores.products.close(product);
        }
        if let Some(coupon) = self.coupon {
            stores.coupons.close(coupon);
        }
    }

    fn stage<'s>(self, transaction: &mut Transaction<'s>, stores: &'s Stores) {
        transaction.add(&stores.orders, self.order);
        for product in self.products {
            transaction.add(&stores.products, product);
        }
        if let Some(coupon) = self.coupon {
            transaction.add(&stores.coupons, coupon);
        }
    }
}

async fn attempt(
    stores: &Stores,
    change: &OrderChange,
    metadata: &CommandMetadata,
    kept: bool,
) -> Attempt<usize, OrderChangeError> {
    let order_id = change.order_id.to_string();
    let order_turn = stores.orders.turns([order_id.as_str()]).await;
    let order = match stores.orders.open(&order_id, kept).await {
        Ok(order) => order,
        Err(error) => return Attempt::Done(Err(error.into())),
    };
    if let Some(refusal) = refusal(&order, change) {
        let unchecked = order.is_unchecked();
        stores.orders.close(order);
        return if unchecked {
            Attempt::Unchecked
        } else {
            Attempt::Done(Err(refusal))
        };
    }
    let (product_ids, code) = match change.holdings {
        Holdings::Keep => (Vec::new(), None),
        Holdings::Release(_) => (
            products_of(order.state()),
            order.state().coupon().map(|c| c.code.clone()),
        ),
        Holdings::Commit => (products_of(order.state()), None),
        Holdings::Secure => (
            products_of(order.state()),
            order.state().coupon().map(|c| c.code.clone()),
        ),
        Holdings::Restock(return_id) => (returned_products(order.state(), return_id), None),
    };
    let product_turns = stores
        .products
        .turns(product_ids.iter().map(String::as_str))
        .await;
    let coupon_turn = stores.coupons.turns(code.as_deref()).await;
    let mut streams = Streams {
        order,
        products: Vec::with_capacity(product_ids.len()),
        coupon: None,
    };
    let opened = async {
        for id in &product_ids {
            streams.products.push(stores.products.open(id, kept).await?);
        }
        if let Some(code) = &code {
            streams.coupon = Some(stores.coupons.open(code, kept).await?);
        }
        Ok::<_, StoreError>(())
    }
    .await;
    if let Err(error) = opened {
        streams.close(stores);
        return Attempt::Done(Err(error.into()));
    }
    let decided = decide(&mut streams, change).await;
    let version = streams.order.next_version();
    let turns = (order_turn, product_turns, coupon_turn);
    conclude(streams, decided, turns, stores, metadata, version).await
}

/// Why the caller cannot change the order as read, before anything is decided.
fn refusal(order: &Stream<Order>, change: &OrderChange) -> Option<OrderChangeError> {
    // A guest's order (no customer) is changed by admins and the engine only.
    let owner = order.state().customer_id();
    if let Some(caller) = change.caller {
        if owner != Some(caller.id) && caller.role != Role::Admin {
            return Some(OrderChangeError::NotFound);
        }
    }
    match change.expected_version {
        Some(expected) if expected != order.version() => Some(OrderChangeError::VersionMismatch {
            expected,
            actual: order.version(),
        }),
        _ => None,
    }
}

/// The products of the units of return `return_id`, in id order.
fn returned_products(order: &Order, return_id: Uuid) -> Vec<String> {
    let ids: BTreeSet<Uuid> = returned_units(order, return_id)
        .into_iter()
        .map(|(product_id, _, _)| product_id)
        .collect();
    ids.into_iter().map(|id| id.to_string()).collect()
}

/// The units of return `return_id`: (product, SKU, units).
fn returned_units(order: &Order, return_id: Uuid) -> Vec<(Uuid, String, u32)> {
    let Some(found) = order.returns().iter().find(|r| r.return_id == return_id) else {
        return Vec::new();
    };
    found
        .lines
        .iter()
        .filter_map(|line| {
            let ordered = order.lines().iter().find(|l| l.sku == line.sku)?;
            Some((ordered.product_id, line.sku.clone(), line.quantity))
        })
        .collect()
}

/// The order's products, in id order (the order every use case takes their turns in).
fn products_of(order: &Order) -> Vec<String> {
    let ids: BTreeSet<Uuid> = order.lines().iter().map(|line| line.product_id).collect();
    ids.into_iter().map(|id| id.to_string()).collect()
}

async fn decide(streams: &mut Streams, change: &OrderChange) -> Result<(), OrderChangeError> {
    streams
        .order
        .decide(change.command.clone())
        .await
        .map_err(|error| match error {
            OrderError::NotFound => OrderChangeError::NotFound,
            other => OrderChangeError::Order(other),
        })?;
    let order_id = change.order_id;
    if change.holdings == Holdings::Secure {
        return secure(streams, order_id).await;
    }
    if let Holdings::Restock(return_id) = change.holdings {
        return restock(streams, return_id).await;
    }
    for product in &mut streams.products {
        let command = match change.holdings {
            Holdings::Keep | Holdings::Secure | Holdings::Restock(_) => continue,
            Holdings::Release(reason) => ProductCommand::ReleaseReservation {
                order_id,
                reason: reason.to_owned(),
            },
            Holdings::Commit => ProductCommand::CommitReservation { order_id },
        };
        match product.decide(command).await {
            Ok(()) | Err(ProductError::NotFound) => {}
            Err(error) => return Err(OrderChangeError::Product(error)),
        }
    }
    if let (Some(coupon), Holdings::Release(reason)) = (&mut streams.coupon, change.holdings) {
        let command = CouponCommand::ReleaseRedemption {
            order_id,
            reason: reason.to_owned(),
        };
        match coupon.decide(command).await {
            Ok(()) | Err(CouponError::NotFound) => {}
            Err(error) => return Err(OrderChangeError::Coupon(error)),
        }
    }
    Ok(())
}

/// Adds the units of return `return_id` back to their products' stock, when the order
/// command just received it.
async fn restock(streams: &mut Streams, return_id: Uuid) -> Result<(), OrderChangeError> {
    if streams.order.next_version() == streams.order.version() {
        return Ok(());
    }
    let units = returned_units(streams.order.state(), return_id);
    for product in &mut streams.products {
        let product_id = product.state().product_id();
        for (_, sku, quantity) in units.iter().filter(|(id, _, _)| Some(*id) == product_id) {
            let command = ProductCommand::AdjustStock {
                sku: sku.clone(),
                adjustment: i64::from(*quantity),
                reason: format!("returned (return {return_id})"),
            };
            product
                .decide(command)
                .await
                .map_err(OrderChangeError::Product)?;
        }
    }
    Ok(())
}

/// Reserves every product's lines of the order (prices checked first) and redeems its
/// coupon, all idempotent per order; the first refusal as the order's rejection reason.
async fn secure(streams: &mut Streams, order_id: Uuid) -> Result<(), OrderChangeError> {
    let order = streams.order.state().clone();
    for product in &mut streams.products {
        let product_id = product.state().product_id();
        let lines: Vec<_> = order
            .lines()
            .iter()
            .filter(|line| Some(line.product_id) == product_id)
            .collect();
        let first_sku = lines.first().map(|l| l.sku.clone()).unwrap_or_default();
        if let Some(reason) = price_change(product.state(), lines.iter().copied()) {
            return Err(OrderChangeError::Refused(reason));
        }
        let command = ProductCommand::ReserveStock {
            order_id,
            lines: lines
                .iter()
                .map(|l| ReservationLine::new(l.sku.clone(), l.quantity))
                .collect(),
        };
        product.decide(command).await.map_err(|error| {
            OrderChangeError::Refused(reservation_reason(error, first_sku.clone()))
        })?;
    }
    if let Some(coupon) = &mut streams.coupon {
        let code = coupon.id().to_owned();
        // A guest redeems as the nil customer (see `checkout::redeemer`).
        let customer_id = order.customer_id().unwrap_or_default();
        let (Some(customer_role), Some(totals), Some(placed_at)) =
            (order.customer_role(), order.totals(), order.placed_at())
        else {
            return Err(OrderChangeError::NotFound);
        };
        let command = CouponCommand::RedeemCoupon {
            order_id,
            customer_id,
            customer_role,
            subtotal: totals.subtotal,
            at: placed_at,
        };
        coupon
            .decide(command)
            .await
            .map_err(|error| OrderChangeError::Refused(redemption_reason(error, code)))?;
    }
    Ok(())
}
