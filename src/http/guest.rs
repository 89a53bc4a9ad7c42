//! Who calls a cart route: a signed-in user (`Authorization: Bearer …`, which wins when both
//! are sent) or a guest holding the cart's token (`Cart-Token: …`). With neither, 401.
//!
//! A wrong token is not told apart from a missing cart: the cart (or order) answers 404.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderName;
use commerce_aggregates::Role;
use uuid::Uuid;

use super::auth::AuthUser;
use super::error::ApiError;
use super::AppState;
use crate::store::CommandMetadata;
use crate::usecases::guest::{guest_metadata, CartHolder, CartToken};

/// The header a guest sends its cart token in, and the header `POST carts` answers it in.
pub static CART_TOKEN: HeaderName = HeaderName::from_static("cart-token");

/// The caller of a cart or order read: any signed-in user, or a guest with a token.
pub enum CartReader {
    /// A signed-in user (the route decides what the role may read).
    User(AuthUser),
    /// A guest presenting a cart token.
    Guest(CartToken),
}

/// The token in `Cart-Token`, if the header is there (an unreadable one opens nothing).
fn presented_token(parts: &Parts) -> Option<CartToken> {
    parts
        .headers
        .get(&CART_TOKEN)
        .map(|value| CartToken::presented(value.to_str().unwrap_or_default()))
}

impl FromRequestParts<AppState> for CartReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(AUTHORIZATION) {
            return Ok(Self::User(
                AuthUser::from_request_parts(parts, state).await?,
            ));
        }
        presented_token(parts).map(Self::Guest).ok_or_else(|| {
            ApiError::unauthorized(
                "missing `Authorization: Bearer <token>` (or a guest cart's `Cart-Token`)",
            )
        })
    }
}

/// The caller of a cart command: a signed-in shopper (`customer` or `prime`; other roles are
/// 403 before anything else is looked at), or a guest with a token.
pub enum CartShopper {
    /// A signed-in shopper.
    Customer(AuthUser),
    /// A guest presenting a cart token.
    Guest(CartToken),
}

impl CartShopper {
    /// The holder the use cases know.
    pub fn holder(&self) -> CartHolder {
        match self {
            CartShopper::Customer(user) => CartHolder::Customer(user.caller()),
            CartShopper::Guest(token) => CartHolder::Guest(token.clone()),
        }
    }

    /// Metadata for a command on cart `cart_id` in request `request_id`: the user, or the
    /// guest of that cart.
    pub fn metadata(&self, cart_id: Uuid, request_id: &str) -> CommandMetadata {
        match self {
            CartShopper::Customer(user) => user.metadata(request_id),
            CartShopper::Guest(_) => guest_metadata(cart_id, request_id),
        }
    }
}

impl FromRequestParts<AppState> for CartShopper {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match CartReader::from_request_parts(parts, state).await? {
            CartReader::User(user) => {
                user.require(&[Role::Customer, Role::Prime])?;
                Ok(Self::Customer(user))
            }
            CartReader::Guest(token) => Ok(Self::Guest(token)),
        }
    }
}
