//! `POST carts/{id}/claim`: a signed-in customer takes over a guest cart whose `Cart-Token`
//! they send (after logging in on the device that shopped as a guest). A missing or wrong
//! token, like a missing cart, is 404.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{CommandHeaders, CommandProblems};
use super::preconditions::Shopper;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::guest::CART_TOKEN;
use crate::http::AppState;
use crate::usecases::claim_cart::{self, ClaimCart, ClaimCartError, Claimed};
use crate::usecases::guest::CartToken;

/// What a claim did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimResponse {
    /// The customer's cart holding the lines now: the claimed cart (`adopted`) or the
    /// customer's open cart in the same store (`merged`).
    pub id: String,
    /// That cart's version.
    pub version: u64,
    /// `adopted` or `merged`.
    #[schema(example = "merged")]
    pub outcome: String,
}

/// Claims a guest cart: merges it into the caller's open cart in its store (quantities summed
/// and capped, the coupon kept when the caller's cart has none and it applies to them), or
/// adopts it. The token no longer opens it.
#[utoipa::path(
    post,
    path = "/carts/{id}/claim",
    tag = "carts",
    operation_id = "claim_cart",
    params(("id" = Uuid, Path, description = "The guest cart's id"),
           ("Cart-Token" = String, Header, description = "The guest cart's token"),
           CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Claimed", body = ClaimResponse),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(cart_id = %id))]
pub async fn claim(
    Shopper(user): Shopper,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    request_id: RequestId,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let token = headers
        .get(&CART_TOKEN)
        .and_then(|value| value.to_str().ok())
        .map(CartToken::presented)
        .ok_or_else(|| ApiError::not_found("cart"))?;
    let input = ClaimCart {
        cart_id: id,
        customer: user.caller(),
        token,
    };
    let claimed = claim_cart::claim_cart(
        &state.stores,
        &state.pool,
        &input,
        &user.metadata(&request_id.0),
    )
    .await
    .map_err(|error| match error {
        ClaimCartError::CartNotFound => ApiError::not_found("cart"),
        ClaimCartError::Cart(error) => error.into(),
        conflict @ ClaimCartError::Conflict => ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "conflict",
            conflict.to_string(),
        ),
        ClaimCartError::Store(error) => error.into(),
    })?;
    let (cart_id, version, outcome) = match claimed {
        Claimed::Adopted { cart_id, version } => (cart_id, version, "adopted"),
        Claimed::Merged { cart_id, version } => (cart_id, version, "merged"),
    };
    Ok(Json(ClaimResponse {
        id: cart_id.to_string(),
        version: u64::try_from(version).unwrap_or(u64::MAX),
        outcome: outcome.to_owned(),
    })
    .into_response())
}
