//! `GET carts/{id}`: a cart with its lines and totals, for its owner, admins and auditors
//! (anybody else gets 404).

use axum::extract::State;
use axum::Json;
use commerce_projections::read_models::carts::{self, CartView};
use uuid::Uuid;

use super::params::ReadQuery;
use super::wait::{read_at_least, Access, Versioned};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::guest::CartReader;
use crate::http::AppState;

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
        (status = 200, description = "The cart", body = CartView),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cart, or someone else's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
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
) -> Result<Json<CartView>, ApiError> {
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
    Ok(Json(cart))
}
