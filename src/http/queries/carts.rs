//! `GET carts/{id}`: a cart with its lines and totals, for its owner, admins and auditors
//! (anybody else gets 404).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use commerce_projections::read_models::carts;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{decode, AddressView, MoneyDto};
use super::params::ReadQuery;
use super::wait::{read_at_least, Access, Versioned};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

/// A cart as its owner sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartView {
    /// The cart's id.
    pub id: Uuid,
    /// Its owner.
    pub customer_id: Uuid,
    /// `open`, `checked_out` or `abandoned`.
    #[schema(example = "open")]
    pub status: String,
    /// The cart's currency.
    pub currency: String,
    /// The applied coupon code.
    pub coupon_code: Option<String>,
    /// The shipping address, once set.
    pub shipping_address: Option<AddressView>,
    /// The order the cart became, once checked out.
    pub order_id: Option<Uuid>,
    /// Total number of items.
    pub item_count: i64,
    /// Number of distinct SKUs.
    pub line_count: i64,
    /// Sum of the line totals, before any coupon.
    pub subtotal: MoneyDto,
    /// The lines, in the order they were added.
    pub lines: Vec<CartLineView>,
    /// When the cart was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The cart's version as of this view (compare with command responses).
    pub version: i64,
}

/// One line of a cart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartLineView {
    /// The product.
    pub product_id: Uuid,
    /// The variant's SKU.
    pub sku: String,
    /// How many.
    pub quantity: i64,
    /// Price per item, captured when the SKU was first added.
    pub unit_price: MoneyDto,
    /// `unit_price × quantity`.
    pub line_total: MoneyDto,
}

impl Versioned for carts::CartView {
    fn version(&self) -> i64 {
        self.version
    }
}

impl TryFrom<carts::CartView> for CartView {
    type Error = ApiError;

    fn try_from(cart: carts::CartView) -> Result<Self, ApiError> {
        Ok(Self {
            shipping_address: cart
                .shipping_address
                .map(|address| decode("cart address", address))
                .transpose()?,
            id: cart.id,
            customer_id: cart.customer_id,
            status: cart.status,
            currency: cart.currency,
            coupon_code: cart.coupon_code,
            order_id: cart.order_id,
            item_count: cart.item_count,
            line_count: cart.line_count,
            subtotal: cart.subtotal.into(),
            lines: cart
                .lines
                .into_iter()
                .map(|line| CartLineView {
                    product_id: line.product_id,
                    sku: line.sku,
                    quantity: line.quantity,
                    unit_price: line.unit_price.into(),
                    line_total: line.line_total.into(),
                })
                .collect(),
            created_at: cart.created_at,
            updated_at: cart.updated_at,
            version: cart.version,
        })
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
        (status = 200, description = "The cart", body = CartView),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cart, or someone else's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`read_model_behind`: `min_version` not reached in time", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[tracing::instrument(skip_all, fields(cart_id = %id, user_id = %user.id))]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(read): ApiQuery<ReadQuery>,
) -> Result<Json<CartView>, ApiError> {
    let access = |cart: &carts::CartView| {
        if user.reads_everything() || cart.customer_id == user.id {
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
    Ok(Json(cart.try_into()?))
}
