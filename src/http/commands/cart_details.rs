//! Cart details (the owning customer only): apply or remove a coupon, set the shipping
//! address. Someone else's cart is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::Address;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::carts::{cart_error, execute};
use super::dto::{ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse};
use super::preconditions::IfMatch;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::guest::CartShopper;
use crate::http::AppState;
use crate::usecases::apply_coupon::{self, ApplyCoupon, ApplyCouponError};
use crate::usecases::set_shipping_address::{
    self, AddressSource, SetShippingAddress, SetShippingAddressError,
};

/// `PUT carts/{id}/coupon`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCouponRequest {
    /// An active coupon's code, any case.
    #[schema(example = "WELCOME10")]
    pub code: String,
}

command_path! {
    put "/carts/{id}/coupon",
    tag = "carts",
    operation_id = "cart_apply_coupon",
    request_body = ApplyCouponRequest,
    params(("id" = Uuid, Path, description = "Cart id")),
    ok = "Applied";

    /// Applies an existing, active coupon (its other terms are checked at checkout).
    #[tracing::instrument(skip_all, fields(cart_id = %id))]
    pub async fn apply_coupon(
        shopper: CartShopper,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<ApplyCouponRequest>,
    ) -> Result<Response, ApiError> {
        let input = ApplyCoupon {
            cart_id: id,
            holder: shopper.holder(),
            code: body.code,
            expected_version: expected.0,
        };
        let version = apply_coupon::apply_coupon(&state.stores, input, &shopper.metadata(id, &request_id.0))
            .await
            .map_err(|error| match error {
                ApplyCouponError::CouponInvalid { code } => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "coupon_invalid",
                    format!("coupon {code} does not exist or is no longer active"),
                ),
                ApplyCouponError::Cart(error) => cart_error(error),
            })?;
        Ok(ok(id, version))
    }
}

command_path! {
    delete "/carts/{id}/coupon",
    tag = "carts",
    operation_id = "cart_remove_coupon",
    params(("id" = Uuid, Path, description = "Cart id")),
    ok = "Removed";

    /// Removes the applied coupon.
    #[tracing::instrument(skip_all, fields(cart_id = %id))]
    pub async fn remove_coupon(
        shopper: CartShopper,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let command = CartCommand::RemoveCoupon {
            shopper: shopper.holder().owner(),
        };
        execute(&state, &shopper, &request_id, id, command, expected).await
    }
}

/// `PUT carts/{id}/shipping-address`: the address itself, or `{"address_id"}` naming an
/// entry of the caller's address book (copied into the cart: editing the book later changes
/// neither the cart nor its order).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ShippingAddressRequest {
    /// An entry of the caller's address book.
    Book(AddressIdRequest),
    /// The address.
    Given(Address),
}

/// An entry of the caller's address book.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressIdRequest {
    /// The entry's id (`GET me/addresses`).
    pub address_id: Uuid,
}

// By hand rather than `untagged`: a body naming `address_id` is read as that form only, so
// each form's errors name its own fields.
impl<'de> Deserialize<'de> for ShippingAddressRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        if value
            .as_object()
            .is_some_and(|fields| fields.contains_key("address_id"))
        {
            AddressIdRequest::deserialize(value)
                .map(Self::Book)
                .map_err(D::Error::custom)
        } else {
            Address::deserialize(value)
                .map(Self::Given)
                .map_err(D::Error::custom)
        }
    }
}

command_path! {
    put "/carts/{id}/shipping-address",
    tag = "carts",
    operation_id = "cart_set_shipping_address",
    request_body = ShippingAddressRequest,
    params(("id" = Uuid, Path, description = "Cart id")),
    ok = "Address set";

    /// Sets (or replaces) the shipping address: given, or copied from the caller's address
    /// book (422 `unknown_address` when `address_id` names no entry of it).
    #[tracing::instrument(skip_all, fields(cart_id = %id))]
    pub async fn set_shipping_address(
        shopper: CartShopper,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<ShippingAddressRequest>,
    ) -> Result<Response, ApiError> {
        let input = SetShippingAddress {
            cart_id: id,
            holder: shopper.holder(),
            source: match body {
                ShippingAddressRequest::Book(entry) => AddressSource::Book(entry.address_id),
                ShippingAddressRequest::Given(address) => AddressSource::Given(address),
            },
            expected_version: expected.0,
        };
        let metadata = shopper.metadata(id, &request_id.0);
        let version =
            set_shipping_address::set_shipping_address(&state.pool, &state.stores, input, &metadata)
                .await
                .map_err(|error| match error {
                    SetShippingAddressError::UnknownAddress(_) => ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "unknown_address",
                        error.to_string(),
                    ),
                    SetShippingAddressError::Cart(error) => cart_error(error),
                    SetShippingAddressError::Database(error) => error.into(),
                })?;
        Ok(ok(id, version))
    }
}
