//! `GET carts/{id}`: a cart with its lines and totals, for its owner, admins and auditors
//! (anybody else gets 404), and an open cart's `pricing`: what the order its checkout would
//! place costs, by the checkout's own code ([`crate::usecases::price_cart`]).

use axum::extract::State;
use axum::Json;
use commerce_aggregates::cart::CartPricing;
use commerce_aggregates::order::LineAmount;
use commerce_aggregates::{Currency, Money, Role};
use commerce_projections::read_models::carts::{self, CartView};
use commerce_projections::read_models::MoneyView;

use super::dto::QueryProblems;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::params::ReadQuery;
use super::wait::{read_at_least, Access, Versioned};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::guest::CartReader;
use crate::http::AppState;
use crate::usecases::checkout;
use crate::usecases::price_cart::{price_cart, PriceCart, PriceCartError};
use crate::usecases::Caller;

/// A cart and what it would cost if checked out now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartWithPricing {
    /// The cart.
    #[serde(flatten)]
    pub cart: CartView,
    /// The totals of the order a checkout would place now (equal to it to the minor unit);
    /// `null` once the cart is closed (its order holds the totals).
    pub pricing: Option<PricingView>,
}

/// An open cart's totals, as the order placed from it would have them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PricingView {
    /// Σ line totals.
    pub subtotal: MoneyView,
    /// The coupon's discount (zero when it does not apply).
    pub discount: MoneyView,
    /// Shipping (`SHIPPING_FLAT_RATE`, free from `FREE_SHIPPING_FROM`; zero for an empty cart).
    pub shipping: MoneyView,
    /// Tax (`TAX_RATE_BPS` on each discounted line).
    pub tax: MoneyView,
    /// `subtotal − discount + shipping + tax`.
    pub total: MoneyView,
    /// Whether the cart's coupon applies; `null` without a coupon.
    pub coupon_status: Option<CouponStatusView>,
}

/// Whether a cart's coupon applies, and why not. The checkout refuses a cart whose coupon
/// does not apply (409, or 422); the totals are those of the order placed once it is removed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponStatusView {
    /// The coupon code.
    #[schema(example = "WELCOME10")]
    pub code: String,
    /// True when the checkout would redeem it.
    pub applies: bool,
    /// Why not: `unknown`, `inactive`, `not_yet_valid`, `expired`, `role_not_eligible`,
    /// `currency_mismatch`, `below_min_subtotal`, `exhausted`, `customer_limit_reached` or
    /// `invalid`; `null` when it applies.
    #[schema(example = "below_min_subtotal")]
    pub reason: Option<String>,
    /// The reason in words.
    pub detail: Option<String>,
}

impl Versioned for carts::CartView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// Reads one cart.
#[utoipa::path(
    get,
    path = "/carts/{id}",
    operation_id = "get_cart",
    tag = "carts",
    params(("id" = Uuid, Path, description = "The cart's id"), ReadQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The cart, with its pricing while it is open", body = CartWithPricing),
        QueryProblems,
        (status = 404, description = "No such cart, or someone else's", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`read_model_behind`: `min_version` not reached in time", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[tracing::instrument(skip_all, fields(cart_id = %id))]
pub async fn get(
    State(state): State<AppState>,
    reader: CartReader,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(read): ApiQuery<ReadQuery>,
) -> Result<Json<CartWithPricing>, ApiError> {
    let token_hash = match &reader {
        CartReader::Guest(token) => Some(token.hash()),
        CartReader::User(_) => None,
    };
    let access = |cart: &carts::CartView| {
        let visible = match &reader {
            CartReader::User(user) => user.reads_everything() || cart.customer_id == Some(user.id),
            CartReader::Guest(_) => {
                cart.guest_token_hash.is_some() && cart.guest_token_hash == token_hash
            }
        };
        if visible {
            Access::Visible
        } else {
            Access::Hidden
        }
    };
    let cart = read_at_least(
        &state,
        "carts",
        "cart",
        &id.to_string(),
        read.min_version,
        access,
        || carts::get(&state.pool, id),
    )
    .await?;
    let pricing = if cart.status == "open" {
        Some(pricing_of(&state, &reader, &cart).await?)
    } else {
        None
    };
    Ok(Json(CartWithPricing { cart, pricing }))
}

/// The open cart's pricing, for its owner's role (an admin or auditor reading someone's cart
/// sees it as the owner would).
async fn pricing_of(
    state: &AppState,
    reader: &CartReader,
    cart: &CartView,
) -> Result<PricingView, ApiError> {
    // Priced for whoever would redeem the coupon at checkout: the owner in their role, or
    // the checkout's stand-in for a guest.
    let redeemer = match (cart.customer_id, reader) {
        (None, _) => checkout::guest_redeemer(),
        (Some(owner), CartReader::User(user)) if owner == user.id => user.caller(),
        (Some(owner), _) => Caller {
            id: owner,
            role: crate::auth::accounts::find(&state.pool, owner)
                .await?
                .map_or(Role::Customer, |account| account.role),
        },
    };
    let currency = Currency::parse(&cart.currency).map_err(ApiError::internal)?;
    let lines = cart
        .lines
        .iter()
        .map(|line| {
            Ok(LineAmount {
                unit_price: Money::new(line.unit_price.amount, currency),
                quantity: u32::try_from(line.quantity)?,
            })
        })
        .collect::<Result<Vec<_>, std::num::TryFromIntError>>()
        .map_err(ApiError::internal)?;
    let input = PriceCart {
        customer_id: redeemer.id,
        role: redeemer.role,
        currency,
        lines,
        coupon_code: cart.coupon_code.clone(),
    };
    let priced = price_cart(&state.stores, &state.config.pricing, &input)
        .await
        .map_err(|error| match error {
            PriceCartError::Store(error) => ApiError::from(error),
            PriceCartError::Pricing(error) => ApiError::internal(error),
        })?;
    Ok(view_of(priced, cart.coupon_code.as_deref()))
}

fn view_of(priced: CartPricing, code: Option<&str>) -> PricingView {
    let money = |m: Money| MoneyView::new(m.minor, m.currency.as_str());
    let totals = priced.totals;
    let coupon_status = priced
        .coupon
        .zip(code)
        .map(|(verdict, code)| CouponStatusView {
            code: code.to_owned(),
            applies: verdict.is_ok(),
            reason: verdict.as_ref().err().map(|r| r.code().to_owned()),
            detail: verdict.err().map(|r| r.to_string()),
        });
    PricingView {
        subtotal: money(totals.subtotal),
        discount: money(totals.discount),
        shipping: money(totals.shipping),
        tax: money(totals.tax),
        total: money(totals.total),
        coupon_status,
    }
}
