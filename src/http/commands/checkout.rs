//! `POST carts/{id}/checkout`: the checkout use case over HTTP. It answers 201 with the
//! confirmed order, or 409 with the reason the order was refused (the cart stays open); a
//! cart checked out before answers 201 with its order again.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{CommandHeaders, CommandProblems, OptionalJson};
use super::preconditions::IfMatch;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::guest::CartShopper;
use crate::http::AppState;
use crate::usecases::checkout::{self, CheckOut, CheckoutError};

/// The answer of a checkout: the order, its version and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckoutResponse {
    /// The order's id.
    pub id: String,
    /// The order's version (use it as `min_version` to read it).
    pub version: u64,
    /// `confirmed` for a new order; a later status when the same cart is checked out again.
    pub status: String,
}

/// `POST carts/{id}/checkout`'s optional body.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// A guest's email address (required for a guest cart, refused for a customer's: a
    /// customer's order emails go to their account's address).
    #[serde(default)]
    #[schema(example = "guest@example.com")]
    pub email: Option<String>,
}

/// Checks the cart out: closes it, places the order, reserves its stock, redeems its coupon
/// and confirms it, all at once.
#[utoipa::path(
    post,
    path = "/carts/{id}/checkout",
    tag = "carts",
    operation_id = "check_out_cart",
    params(("id" = Uuid, Path, description = "Cart id"), CommandHeaders,
           ("Cart-Token" = Option<String>, Header, description = "A guest cart's token")),
    request_body(content = Option<CheckoutRequest>, description = "A guest's `email`"),
    security(("bearer_auth" = []), ("cart_token" = [])),
    responses(
        (status = 201, description = "Order confirmed (stock reserved, coupon redeemed); again \
          the same order for a cart already checked out", body = CheckoutResponse,
         headers(("Location" = String, description = "/api/v1/orders/{order_id}"))),
        (status = 409, description = "Order refused, the cart stays open: `code` is the reason \
          (`out_of_stock`, `coupon_exhausted`, `coupon_expired`, `coupon_not_eligible`, \
          `coupon_invalid`, `price_changed`, `product_unavailable`), or the cart cannot be \
          checked out (`empty_cart`, `missing_shipping_address`)", body = Problem),
        CommandProblems
    )
)]
#[tracing::instrument(skip_all, fields(cart_id = %id))]
pub async fn checkout(
    shopper: CartShopper,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    OptionalJson(body): OptionalJson<CheckoutRequest>,
) -> Result<Response, ApiError> {
    // REQUIRE_VERIFIED_EMAIL: 403 `email_unverified` before anything is decided (a guest has
    // no account to verify: its order goes to the address it gives).
    if let CartShopper::Customer(user) = &shopper {
        let required = state.config.accounts.require_verified_email;
        crate::auth::status::require_verified_email(&state.pool, required, user.id).await?;
    }
    let email = body.unwrap_or_default().email;
    let guest_email = match (&shopper, email) {
        (CartShopper::Customer(_), Some(_)) => {
            return Err(ApiError::invalid_field(
                "email",
                "a customer's order emails go to their account's address; leave out email",
            ))
        }
        (CartShopper::Customer(_), None) => None,
        (CartShopper::Guest(_), Some(email))
            if commerce_aggregates::common::is_email_address(email.trim()) =>
        {
            Some(email)
        }
        (CartShopper::Guest(_), _) => {
            return Err(ApiError::invalid_field(
                "email",
                "a guest checkout needs the email address the order is sent to",
            ))
        }
    };
    let input = CheckOut {
        cart_id: id,
        holder: shopper.holder(),
        guest_email,
        expected_version: expected.0,
    };
    let settings = checkout::CheckoutSettings {
        pricing: state.config.pricing,
        payment_timeout: state.config.payment_timeout,
    };
    let metadata = shopper.metadata(id, &request_id.0);
    let order = checkout::check_out(&state.stores, &settings, &input, &metadata).await?;
    let body = CheckoutResponse {
        id: order.order_id.to_string(),
        version: u64::try_from(order.version).unwrap_or(u64::MAX),
        status: order.status.as_str().to_string(),
    };
    let location = HeaderValue::from_str(&format!("/api/v1/orders/{}", order.order_id))
        .map_err(ApiError::internal)?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

impl From<CheckoutError> for ApiError {
    fn from(error: CheckoutError) -> Self {
        match error {
            CheckoutError::CartNotFound => ApiError::not_found("cart"),
            CheckoutError::Cart(error) => error.into(),
            CheckoutError::CouponInvalid { code } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "coupon_invalid",
                format!("coupon {code} does not exist or is no longer active"),
            ),
            CheckoutError::Order(error) => error.into(),
            CheckoutError::Refused(reason) => reason.into(),
            CheckoutError::VersionMismatch { expected, actual } => {
                ApiError::version_mismatch(expected, actual)
            }
            CheckoutError::Conflict => ApiError::concurrent_modification(),
            CheckoutError::Store(error) => error.into(),
        }
    }
}
