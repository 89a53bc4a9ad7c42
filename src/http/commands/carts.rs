//! Cart commands (the owning customer only; staff own no carts): open a cart, add, change and
//! remove items at the catalogue's current price. Someone else's cart is a 404. The coupon and
//! the shipping address are in [`super::cart_details`], checkout in [`super::checkout`].

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::cart::{CartCommand, CartError};
use commerce_aggregates::store::DEFAULT_STORE;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{
    located, ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse, CreateHeaders,
    CreateProblems, OptionalJson,
};
use super::preconditions::{IfMatch, Shopper};
use super::stores::{currency_field, named_store_error};
use crate::http::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::guest::{CartShopper, CART_TOKEN};
use crate::http::AppState;
use crate::store::ExecuteError;
use crate::usecases::add_item::{self, AddItem, AddItemError};
use crate::usecases::guest::{guest_metadata, CartToken};
use crate::usecases::stores::{self, OpenCart, OpenCartError};

/// `POST carts`.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCartRequest {
    /// The store to shop in (default `default`); it must be active.
    #[serde(default)]
    #[schema(example = "eu-outlet")]
    pub store: Option<String>,
    /// The currency the client expects: optional, and if given it must be the store's (every
    /// cart is priced in its store's currency).
    #[serde(default)]
    #[schema(example = "EUR")]
    pub currency: Option<String>,
}

/// `POST carts/{id}/items`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItemRequest {
    /// The product (active) the SKU belongs to.
    pub product_id: Uuid,
    /// The variant's SKU.
    #[schema(example = "MUG-WHITE")]
    pub sku: String,
    /// How many to add (1–99; a SKU already in the cart gets its quantity increased).
    #[schema(minimum = 1, maximum = 99, example = 2)]
    pub quantity: u32,
}

/// `PUT carts/{id}/items/{sku}`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeQuantityRequest {
    /// The line's new quantity (1–99).
    #[schema(minimum = 1, maximum = 99, example = 3)]
    pub quantity: u32,
}

/// A cart error, with a missing cart and someone else's cart both answered as 404 `not_found`,
/// and a quantity out of range as a problem with the body's `quantity` field.
pub(super) fn cart_error(error: ExecuteError<CartError>) -> ApiError {
    match error {
        ExecuteError::Domain(CartError::NotFound | CartError::NotOwner) => {
            ApiError::not_found("cart")
        }
        ExecuteError::Domain(CartError::InvalidQuantity { max, .. }) => {
            ApiError::invalid_field("quantity", format!("must be between 1 and {max}"))
        }
        other => other.into(),
    }
}

/// Runs `command` on cart `id` for `shopper`.
pub(super) async fn execute(
    state: &AppState,
    shopper: &CartShopper,
    request_id: &RequestId,
    id: Uuid,
    command: CartCommand,
    expected: IfMatch,
) -> Result<Response, ApiError> {
    let committed = state
        .stores
        .carts
        .execute(
            &id.to_string(),
            command,
            &shopper.metadata(id, &request_id.0),
            expected.0,
        )
        .await
        .map_err(cart_error)?;
    Ok(ok(id, committed.version))
}

/// Opens a cart owned by the caller, or without `Authorization` a guest cart.
#[utoipa::path(
    post,
    path = "/carts",
    tag = "carts",
    operation_id = "create_cart",
    request_body(
        content = Option<CreateCartRequest>,
        description = "Optional; the currency defaults to USD"
    ),
    params(CreateHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Opened; `Location` names the cart. Without `Authorization` \
          a guest cart is opened: the body is a `GuestCartResponse` with `cart_token`, also in \
          the `Cart-Token` header", body = CommandResponse,
         headers(("Location" = String, description = "/api/v1/carts/{id}"),
                 ("Cart-Token" = String, description = "A guest cart's token"))),
        CreateProblems
    )
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    caller: CartCreator,
    State(state): State<AppState>,
    request_id: RequestId,
    OptionalJson(body): OptionalJson<CreateCartRequest>,
) -> Result<Response, ApiError> {
    let body = body.unwrap_or_default();
    let user = caller.0;
    let input = OpenCart {
        customer: user.as_ref().map(AuthUser::caller),
        store: body.store.unwrap_or_else(|| DEFAULT_STORE.to_owned()),
        currency: body
            .currency
            .map(|code| currency_field("currency", &code))
            .transpose()?,
    };
    let metadata = match &user {
        Some(user) => user.metadata(&request_id.0),
        None => guest_metadata(Uuid::nil(), &request_id.0),
    };
    let opened = stores::open_cart(&state.stores, input, &metadata)
        .await
        .map_err(|error| match error {
            OpenCartError::Store(error) => named_store_error(error),
            currency @ OpenCartError::Currency { .. } => {
                ApiError::invalid_field("currency", currency.to_string())
            }
            OpenCartError::Cart(error) => error.into(),
        })?;
    match opened.token {
        None => located(
            StatusCode::CREATED,
            &format!("/api/v1/carts/{}", opened.id),
            opened.id,
            opened.version,
        ),
        Some(token) => guest_cart_created(opened.id, opened.version, &token),
    }
}

/// `POST carts` by a guest: the cart and its token, handed out this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GuestCartResponse {
    /// The cart's id.
    pub id: String,
    /// The cart's version.
    pub version: u64,
    /// The cart's token: send it as `Cart-Token` on every call about this cart (and the order
    /// it becomes). It is not stored and cannot be recovered.
    pub cart_token: String,
}

/// 201 with a guest cart's id, version and token (also in the `Cart-Token` header).
fn guest_cart_created(id: Uuid, version: usize, token: &CartToken) -> Result<Response, ApiError> {
    let location =
        HeaderValue::from_str(&format!("/api/v1/carts/{id}")).map_err(ApiError::internal)?;
    let header = HeaderValue::from_str(token.expose()).map_err(ApiError::internal)?;
    let body = GuestCartResponse {
        id: id.to_string(),
        version: u64::try_from(version).unwrap_or(u64::MAX),
        cart_token: token.expose().to_owned(),
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().insert(LOCATION, location);
    response.headers_mut().insert(CART_TOKEN.clone(), header);
    Ok(response)
}

/// Who opens a cart: a signed-in shopper, or (without `Authorization`) a guest.
pub struct CartCreator(Option<AuthUser>);

impl axum::extract::FromRequestParts<AppState> for CartCreator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        if !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            return Ok(Self(None));
        }
        let Shopper(user) = Shopper::from_request_parts(parts, state).await?;
        Ok(Self(Some(user)))
    }
}

command_path! {
    post "/carts/{id}/items",
    tag = "carts",
    operation_id = "cart_add_item",
    request_body = AddItemRequest,
    params(("id" = Uuid, Path, description = "Cart id")),
    ok = "Added";

    /// Adds a SKU of an active product at its current price.
    #[tracing::instrument(skip_all, fields(cart_id = %id))]
    pub async fn add_item(
        shopper: CartShopper,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<AddItemRequest>,
    ) -> Result<Response, ApiError> {
        let input = AddItem {
            cart_id: id,
            holder: shopper.holder(),
            product_id: body.product_id,
            sku: body.sku,
            quantity: body.quantity,
            expected_version: expected.0,
        };
        let metadata = shopper.metadata(id, &request_id.0);
        let version = add_item::add_item(&state.stores, input, &metadata).await?;
        Ok(ok(id, version))
    }
}

impl From<AddItemError> for ApiError {
    fn from(error: AddItemError) -> Self {
        match error {
            AddItemError::UnknownProduct(id) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_product",
                format!("product {id} does not exist"),
            ),
            AddItemError::Product(error) => error.into(),
            AddItemError::Cart(error) => cart_error(error),
        }
    }
}

command_path! {
    put "/carts/{id}/items/{sku}",
    tag = "carts",
    operation_id = "cart_change_quantity",
    request_body = ChangeQuantityRequest,
    params(("id" = Uuid, Path, description = "Cart id"), ("sku" = String, Path, description = "The line's SKU")),
    ok = "Quantity set";

    /// Sets the quantity of a line.
    #[tracing::instrument(skip_all, fields(cart_id = %id, sku = %sku))]
    pub async fn change_quantity(
        shopper: CartShopper,
        State(state): State<AppState>,
        ApiPath((id, sku)): ApiPath<(Uuid, String)>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<ChangeQuantityRequest>,
    ) -> Result<Response, ApiError> {
        let command = CartCommand::ChangeItemQuantity {
            shopper: shopper.holder().owner(),
            sku,
            quantity: body.quantity,
        };
        execute(&state, &shopper, &request_id, id, command, expected).await
    }
}

command_path! {
    delete "/carts/{id}/items/{sku}",
    tag = "carts",
    operation_id = "cart_remove_item",
    params(("id" = Uuid, Path, description = "Cart id"), ("sku" = String, Path, description = "The line's SKU")),
    ok = "Removed";

    /// Removes a line.
    #[tracing::instrument(skip_all, fields(cart_id = %id, sku = %sku))]
    pub async fn remove_item(
        shopper: CartShopper,
        State(state): State<AppState>,
        ApiPath((id, sku)): ApiPath<(Uuid, String)>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let command = CartCommand::RemoveItem {
            shopper: shopper.holder().owner(),
            sku,
        };
        execute(&state, &shopper, &request_id, id, command, expected).await
    }
}
