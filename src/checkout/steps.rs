//! The checkout process's steps. Each is idempotent per order: running one again (a
//! redelivered event) finds its work done and moves on.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use commerce_aggregates::common::Role;
use commerce_aggregates::coupon::{CouponCommand, CouponError};
use commerce_aggregates::order::{
    AppliedCoupon, Order, OrderCommand, OrderError, OrderLine, OrderStatus, RejectionReason,
};
use commerce_aggregates::product::{ProductCommand, ProductError, ReservationLine};
use commerce_aggregates::Money;
use commerce_projections::ProjectionError;
use uuid::Uuid;

use super::fault::{Fault, FaultPoint};
use super::CheckoutSettings;
use crate::store::{CommandMetadata, ExecuteError, Stores};

/// What the process needs from `OrderPlaced`.
pub(super) struct Placed {
    pub customer_id: Uuid,
    pub customer_role: Role,
    pub lines: Vec<OrderLine>,
    pub coupon: Option<AppliedCoupon>,
    pub subtotal: Money,
    pub placed_at: DateTime<Utc>,
}

/// One event's handling: the order it concerns and the metadata of the commands it issues.
pub(super) struct Step<'a> {
    pub stores: &'a Stores,
    pub settings: &'a CheckoutSettings,
    pub fault: &'a Fault,
    pub order_id: Uuid,
    pub metadata: CommandMetadata,
}

/// A command's failure: an event-store failure (the database unreachable) is retried for as
/// long as it lasts; anything else counts towards dead-lettering.
fn failed<E: std::error::Error>(what: &str, error: ExecuteError<E>) -> ProjectionError {
    match error {
        ExecuteError::Store(_) => ProjectionError::Unavailable(format!("{what}: {error}")),
        other => ProjectionError::Command(format!("{what}: {other}")),
    }
}

/// The order's lines grouped by product, in product id order (one lock order for all).
fn by_product(lines: &[OrderLine]) -> BTreeMap<Uuid, Vec<ReservationLine>> {
    let mut products: BTreeMap<Uuid, Vec<ReservationLine>> = BTreeMap::new();
    for line in lines {
        products
            .entry(line.product_id)
            .or_default()
            .push(ReservationLine::new(line.sku.clone(), line.quantity));
    }
    products
}

impl Step<'_> {
    fn id(&self) -> String {
        self.order_id.to_string()
    }

    /// Secures stock and coupon for a placed order, then confirms or rejects it.
    pub async fn on_placed(&self, placed: Placed) -> Result<(), ProjectionError> {
        let order = self.load_order().await?;
        match order.status() {
            Some(OrderStatus::Placed) => {}
            // Rejected earlier (a redelivery): make sure nothing is held, then done.
            Some(OrderStatus::Rejected) => return self.release(&order, "order_rejected").await,
            // Confirmed or beyond, or cancelled/expired (their own events release).
            _ => return Ok(()),
        }
        match self.secure(&placed).await? {
            None => {
                self.fault.hit(FaultPoint::BeforeConfirm); // tests only
                self.confirm(placed.placed_at).await
            }
            Some(reason) => {
                tracing::info!(order_id = %self.order_id, reason = reason.code(), "order rejected");
                self.release(&order, "order_rejected").await?;
                self.fault.hit(FaultPoint::AfterRelease); // tests only
                self.reject(reason).await
            }
        }
    }

    /// Checks prices, reserves stock and redeems the coupon; the first reason to reject the
    /// order, if any.
    async fn secure(&self, placed: &Placed) -> Result<Option<RejectionReason>, ProjectionError> {
        // A reservation released by an earlier, interrupted rejection: the original reason
        // is looked for among the other steps, this one is the fallback.
        let mut closed: Option<RejectionReason> = None;
        for (product_id, lines) in by_product(&placed.lines) {
            // The prices are checked on the state the reservation was decided on (it is
            // current as of that commit): a changed price rejects the order, whose
            // reservations are then released like any rejected order's. A refused
            // reservation checks them too: a changed price is the reason given first.
            let reserving = Instant::now();
            let command = ProductCommand::ReserveStock {
                order_id: self.order_id,
                lines: lines.clone(),
            };
            let first_sku = lines.first().map(|l| l.sku.clone()).unwrap_or_default();
            match self
                .stores
                .products
                .execute(&product_id.to_string(), command, &self.metadata, None)
                .await
            {
                Ok(_) => {
                    self.fault.hit(FaultPoint::AfterReserve); // tests only
                    let since = reserving.elapsed();
                    if let Some(reason) = self.check_prices(product_id, placed, since).await? {
                        return Ok(Some(reason));
                    }
                }
                Err(ExecuteError::Domain(error)) => {
                    let current = Duration::ZERO;
                    if let Some(reason) = self.check_prices(product_id, placed, current).await? {
                        return Ok(Some(reason));
                    }
                    match error {
                        ProductError::InsufficientStock { sku, .. } => {
                            return Ok(Some(RejectionReason::OutOfStock { sku }))
                        }
                        ProductError::UnknownSku { sku } => {
                            return Ok(Some(RejectionReason::ProductUnavailable { sku }))
                        }
                        ProductError::NotAvailable { .. }
                        | ProductError::Archived
                        | ProductError::NotFound => {
                            return Ok(Some(RejectionReason::ProductUnavailable { sku: first_sku }))
                        }
                        ProductError::ReservationClosed { .. } => {
                            closed.get_or_insert(RejectionReason::ProductUnavailable {
                                sku: first_sku,
                            });
                        }
                        other => {
                            return Err(ProjectionError::Command(format!(
                                "reserving product {product_id}: {other}"
                            )))
                        }
                    }
                }
                Err(error) => return Err(failed("reserving stock", error)),
            }
        }
        if let Some(coupon) = &placed.coupon {
            if let Some(reason) = self.redeem(coupon, placed).await? {
                return Ok(Some(reason));
            }
        }
        Ok(closed)
    }

    /// `PriceChanged` when a line's unit price is no longer the variant's price: on the kept
    /// product when it is known current within `max_age`, else on the stored one.
    async fn check_prices(
        &self,
        product_id: Uuid,
        placed: &Placed,
        max_age: Duration,
    ) -> Result<Option<RejectionReason>, ProjectionError> {
        let lines = placed.lines.iter().filter(|l| l.product_id == product_id);
        self.stores
            .products
            .read_recent(&product_id.to_string(), max_age, |product, _| {
                lines
                    .filter(|line| {
                        product
                            .variant(&line.sku)
                            .is_some_and(|variant| variant.price != line.unit_price)
                    })
                    .map(|line| RejectionReason::PriceChanged {
                        sku: line.sku.clone(),
                    })
                    .next()
            })
            .await
            .map_err(|e| failed("loading product", e))
    }

    /// Redeems the order's coupon; the rejection reason when the coupon refuses.
    async fn redeem(
        &self,
        coupon: &AppliedCoupon,
        placed: &Placed,
    ) -> Result<Option<RejectionReason>, ProjectionError> {
        let command = CouponCommand::RedeemCoupon {
            order_id: self.order_id,
            customer_id: placed.customer_id,
            customer_role: placed.customer_role,
            subtotal: placed.subtotal,
            at: placed.placed_at,
        };
        let result = self
            .stores
            .coupons
            .execute(&coupon.code, command, &self.metadata, None)
            .await;
        let error = match result {
            Ok(_) => {
                self.fault.hit(FaultPoint::AfterRedeem); // tests only
                return Ok(None);
            }
            Err(ExecuteError::Domain(error)) => error,
            Err(error) => return Err(failed("redeeming coupon", error)),
        };
        Ok(Some(match error {
            CouponError::Exhausted { .. } => RejectionReason::CouponExhausted,
            CouponError::Expired { .. } | CouponError::NotYetValid { .. } => {
                RejectionReason::CouponExpired
            }
            CouponError::RoleNotEligible { .. }
            | CouponError::BelowMinimumSubtotal { .. }
            | CouponError::CustomerLimitReached { .. } => RejectionReason::CouponNotEligible,
            CouponError::Inactive
            | CouponError::NotFound
            | CouponError::RedemptionClosed { .. } => RejectionReason::CouponInvalid {
                code: coupon.code.clone(),
            },
            other => {
                return Err(ProjectionError::Command(format!(
                    "redeeming coupon {}: {other}",
                    coupon.code
                )))
            }
        }))
    }

    async fn confirm(&self, placed_at: DateTime<Utc>) -> Result<(), ProjectionError> {
        let timeout = chrono::Duration::from_std(self.settings.payment_timeout)
            .unwrap_or_else(|_| chrono::Duration::minutes(30));
        let command = OrderCommand::ConfirmOrder {
            payment_due_by: placed_at + timeout,
        };
        self.order_command(command).await
    }

    async fn reject(&self, reason: RejectionReason) -> Result<(), ProjectionError> {
        self.order_command(OrderCommand::RejectOrder { reason })
            .await
    }

    /// Runs a confirm or reject; an order already moved on (a redelivery, or cancelled
    /// meanwhile) needs nothing more.
    async fn order_command(&self, command: OrderCommand) -> Result<(), ProjectionError> {
        match self
            .stores
            .orders
            .execute(&self.id(), command, &self.metadata, None)
            .await
        {
            Ok(_) | Err(ExecuteError::Domain(OrderError::InvalidTransition { .. })) => Ok(()),
            Err(error) => Err(failed("updating the order", error)),
        }
    }

    async fn load_order(&self) -> Result<Order, ProjectionError> {
        let (order, _) = self
            .stores
            .orders
            .load(&self.id())
            .await
            .map_err(|e| failed("loading the order", e))?;
        Ok(order)
    }

    /// Releases every reservation and the coupon redemption of the order.
    pub async fn release_all(&self, reason: &str) -> Result<(), ProjectionError> {
        let order = self.load_order().await?;
        self.release(&order, reason).await
    }

    async fn release(&self, order: &Order, reason: &str) -> Result<(), ProjectionError> {
        for product_id in by_product(order.lines()).into_keys() {
            let command = ProductCommand::ReleaseReservation {
                order_id: self.order_id,
                reason: reason.to_string(),
            };
            match self
                .stores
                .products
                .execute(&product_id.to_string(), command, &self.metadata, None)
                .await
            {
                Ok(_) | Err(ExecuteError::Domain(ProductError::NotFound)) => {}
                Err(error) => return Err(failed("releasing stock", error)),
            }
        }
        if let Some(coupon) = order.coupon() {
            let command = CouponCommand::ReleaseRedemption {
                order_id: self.order_id,
                reason: reason.to_string(),
            };
            match self
                .stores
                .coupons
                .execute(&coupon.code, command, &self.metadata, None)
                .await
            {
                Ok(_) | Err(ExecuteError::Domain(CouponError::NotFound)) => {}
                Err(error) => return Err(failed("releasing the coupon", error)),
            }
        }
        Ok(())
    }

    /// Turns the order's reservations into sales (at shipment).
    pub async fn commit_all(&self) -> Result<(), ProjectionError> {
        let order = self.load_order().await?;
        for product_id in by_product(order.lines()).into_keys() {
            let command = ProductCommand::CommitReservation {
                order_id: self.order_id,
            };
            self.stores
                .products
                .execute(&product_id.to_string(), command, &self.metadata, None)
                .await
                .map_err(|e| failed("committing stock", e))?;
        }
        Ok(())
    }
}
