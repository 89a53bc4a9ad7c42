//! `POST carts/{id}/checkout`: closes the cart as a new order and places that order.
//!
//! The order is placed from the checked-out cart; the checkout process (`crate::checkout`)
//! then reserves its stock, redeems its coupon and confirms or rejects it, and the answer
//! waits for that, bounded (see [`checkout_outcome`]). The cart records which order it became, so checking out
//! again — in sequence or in parallel — answers with the same order and never places a
//! second one; a checkout interrupted between closing the cart and placing the order is
//! completed by the next attempt.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use commerce_aggregates::cart::{Cart, CartCommand, CartError};
use commerce_aggregates::order::{
    AppliedCoupon, Order, OrderCommand, OrderError, OrderLineInput, ShippingPolicy,
};
use commerce_aggregates::{Currency, Money};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use uuid::Uuid;

use super::carts::{cart_error, owned_cart, Freshness};
use super::checkout_outcome::{self, CheckoutResponse};
use super::dto::{CommandHeaders, CommandProblems};
use super::preconditions::{IfMatch, Shopper};
use crate::config::PricingSettings;
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::store::{CommandMetadata, ExecuteError};

/// How shipping is charged for an order in `currency`: the configured flat rate
/// (`SHIPPING_FLAT_RATE`), free from `FREE_SHIPPING_FROM`, both in that currency's minor units.
pub fn shipping_policy(pricing: &PricingSettings, currency: Currency) -> ShippingPolicy {
    ShippingPolicy {
        flat_rate: Money::new(pricing.shipping_flat_rate, currency),
        free_above: pricing
            .free_shipping_from
            .map(|threshold| Money::new(threshold, currency)),
    }
}

/// Checks the cart out and places its order.
#[utoipa::path(
    post,
    path = "/carts/{id}/checkout",
    tag = "carts",
    operation_id = "check_out_cart",
    params(("id" = Uuid, Path, description = "Cart id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Order confirmed (stock reserved, coupon redeemed); again \
          the same order for a cart already checked out", body = CheckoutResponse,
         headers(("Location" = String, description = "/api/v1/orders/{order_id}"))),
        (status = 202, description = "Order placed, still being processed after \
          `CHECKOUT_WAIT_MS`; `Location` names the order", body = CheckoutResponse,
         headers(("Location" = String, description = "/api/v1/orders/{order_id}"))),
        (status = 409, description = "Order rejected: `code` is the reason (`out_of_stock`, \
          `coupon_exhausted`, `coupon_expired`, `coupon_not_eligible`, `coupon_invalid`, \
          `price_changed`, `product_unavailable`)", body = Problem),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(cart_id = %id))]
pub async fn checkout(
    Shopper(user): Shopper,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
) -> Result<Response, ApiError> {
    let metadata = user.metadata(&request_id.0);
    // The kept cart is used as it is: closing it expects its version, so a cart changed
    // meanwhile (in this process or another) is found out, read again from the store, and
    // its order built anew. A refusal is only answered once the cart was read from the store.
    let (mut cart, mut version) = owned_cart(&state, &user, id, Freshness::Kept).await?;
    let mut reads = 0;
    let (order_id, prepared) = loop {
        let closed = match cart.order_id() {
            // Checked out earlier (a retry): the order is placed from the closed cart.
            Some(order_id) => Ok(Some((order_id, None))),
            None if expected.0.is_some_and(|expected| expected != version) => Ok(None),
            None => close_cart(&state, &user, &metadata, id, &cart, version).await,
        };
        match closed {
            Ok(Some(closed)) => break closed,
            Err(error) if reads > 0 => return Err(error),
            Ok(None) | Err(_) => {}
        }
        reads += 1;
        if reads > CLOSE_ATTEMPTS {
            return Err(cart_error(ExecuteError::Conflict));
        }
        (cart, version) = owned_cart(&state, &user, id, Freshness::Current).await?;
        if let Some(expected) = expected.0.filter(|expected| *expected != version) {
            if cart.order_id().is_none() {
                return Err(cart_error(ExecuteError::VersionMismatch {
                    expected,
                    actual: version,
                }));
            }
        }
    };
    let placed_here = place(&state, &user, &metadata, id, order_id, prepared).await?;
    checkout_outcome::answer(&state, order_id, placed_here).await
}

/// How many times a checkout reads the cart again when it changed before it could be closed.
const CLOSE_ATTEMPTS: usize = 3;

/// Checks the open `cart`, at `version`, out as a new order, after making sure that order
/// could be placed (so a coupon or pricing problem leaves the cart open). Returns the order
/// id, which is another request's when it won a race to check the same cart out, and, when it
/// is this request's, the order's `PlaceOrder` (the closed cart's content is the open one's);
/// `None` when the cart is no longer at `version`.
async fn close_cart(
    state: &AppState,
    user: &AuthUser,
    metadata: &CommandMetadata,
    id: Uuid,
    cart: &Cart,
    version: usize,
) -> Result<Option<(Uuid, Option<OrderCommand>)>, ApiError> {
    let order_id = Uuid::new_v4();
    let prepared = order_command(state, user, id, order_id, cart, true).await?;
    if let Some(command) = &prepared {
        let sink = EventSink::default();
        Order::default()
            .handle(command.clone(), &(), &sink)
            .await
            .map_err(ApiError::from)?;
    }
    let command = CartCommand::CheckOut {
        customer_id: user.id,
        order_id,
    };
    match state
        .stores
        .carts
        .execute(&id.to_string(), command, metadata, Some(version))
        .await
    {
        Ok(_) => Ok(Some((order_id, prepared))),
        Err(ExecuteError::Domain(CartError::AlreadyCheckedOut { order_id })) => {
            Ok(Some((order_id, None)))
        }
        Err(ExecuteError::VersionMismatch { .. }) => Ok(None),
        Err(error) => Err(cart_error(error)),
    }
}

/// Places order `order_id` from the checked-out cart `cart_id` unless it is placed already;
/// true when this request placed it (so it is `placed` now). `prepared` is the `PlaceOrder`
/// this request built before closing the cart, for an order id it drew itself; without it (a
/// retry of an earlier checkout) the order is looked up and, when missing, built from the
/// closed cart.
async fn place(
    state: &AppState,
    user: &AuthUser,
    metadata: &CommandMetadata,
    cart_id: Uuid,
    order_id: Uuid,
    prepared: Option<OrderCommand>,
) -> Result<bool, ApiError> {
    let id = order_id.to_string();
    let result = match prepared {
        Some(command) => {
            state
                .stores
                .orders
                .execute_new(&id, command, metadata)
                .await
        }
        None => {
            let (order, _) = state.stores.orders.load(&id).await?;
            if order.order_id().is_some() {
                return Ok(false);
            }
            // The cart is closed: its content is final.
            let (cart, _) = state
                .stores
                .carts
                .load(&cart_id.to_string())
                .await
                .map_err(cart_error)?;
            let command = order_command(state, user, cart_id, order_id, &cart, false)
                .await?
                .ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!(
                        "checked-out cart {cart_id} has no lines or no address"
                    ))
                })?;
            state
                .stores
                .orders
                .execute(&id, command, metadata, None)
                .await
        }
    };
    match result {
        Ok(_) => Ok(true),
        Err(ExecuteError::Domain(OrderError::AlreadyExists)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// The `PlaceOrder` for `cart`: its lines named after their products, its coupon's discount,
/// the shipping policy and tax rate. `None` when the cart has no lines or no address (the
/// checkout itself refuses it). With `require_active`, a coupon that is no longer active is a
/// 422 `coupon_invalid`.
async fn order_command(
    state: &AppState,
    user: &AuthUser,
    cart_id: Uuid,
    order_id: Uuid,
    cart: &Cart,
    require_active: bool,
) -> Result<Option<OrderCommand>, ApiError> {
    let (Some(currency), Some(address)) = (cart.currency(), cart.shipping_address()) else {
        return Ok(None);
    };
    if cart.lines().is_empty() {
        return Ok(None);
    }
    let mut names: BTreeMap<Uuid, String> = BTreeMap::new();
    for line in cart.lines() {
        if let std::collections::btree_map::Entry::Vacant(entry) = names.entry(line.product_id) {
            let name = state
                .stores
                .products
                .read_recent(&line.product_id.to_string(), super::RECENT, |product, _| {
                    product.details().name.clone()
                })
                .await?;
            entry.insert(name);
        }
    }
    let lines = cart
        .lines()
        .iter()
        .map(|line| OrderLineInput {
            product_id: line.product_id,
            sku: line.sku.clone(),
            name: names
                .get(&line.product_id)
                .filter(|name| !name.is_empty())
                .cloned()
                .unwrap_or_else(|| line.sku.clone()),
            quantity: line.quantity,
            unit_price: line.unit_price,
        })
        .collect();
    let coupon = match cart.coupon_code() {
        Some(code) => Some(applied_coupon(state, code, require_active).await?),
        None => None,
    };
    Ok(Some(OrderCommand::PlaceOrder {
        order_id,
        cart_id,
        customer_id: user.id,
        customer_role: user.role,
        lines,
        coupon,
        shipping_address: address.clone(),
        shipping_policy: shipping_policy(&state.config.pricing, currency),
        tax_rate_bps: state.config.pricing.tax_rate_bps,
        at: Utc::now(),
    }))
}

/// The coupon `code` with its discount; 422 `coupon_invalid` when it does not exist (or, with
/// `require_active`, is no longer active).
async fn applied_coupon(
    state: &AppState,
    code: &str,
    require_active: bool,
) -> Result<AppliedCoupon, ApiError> {
    let (coupon, _) = state.stores.coupons.load(code).await?;
    match coupon.terms() {
        Some(terms) if coupon.is_active() || !require_active => Ok(AppliedCoupon {
            code: code.to_string(),
            discount: terms.discount,
        }),
        _ => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "coupon_invalid",
            format!("coupon {code} does not exist or is no longer active"),
        )),
    }
}
