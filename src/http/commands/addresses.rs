//! The caller's address book: `POST me/addresses`, `PATCH`/`DELETE me/addresses/{id}`
//! (shoppers). Someone else's entry is a 404. The rules (one default, at most
//! [`MAX_ADDRESSES`](commerce_aggregates::address_book::MAX_ADDRESSES)) are [`commerce_aggregates::address_book`]'s; [`crate::auth::addresses`]
//! writes the book and its account events.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::address_book::{BookEntry, EntryEdit, NewEntry};
use commerce_aggregates::Address;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{CommandHeaders, CommandJson, CommandProblems};
use super::preconditions::Shopper;
use crate::auth::addresses::{self, AddressBookFailure};
use crate::http::error::{kind_status, ApiError};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;

/// `POST me/addresses`: an address for the book.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAddressRequest {
    /// Your name for it (at most 50 characters).
    #[schema(example = "Home")]
    pub label: Option<String>,
    /// Recipient's name.
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    /// First address line.
    #[schema(example = "12 St James's Square")]
    pub line1: String,
    /// Optional second address line.
    pub line2: Option<String>,
    /// City or town.
    #[schema(example = "London")]
    pub city: String,
    /// Postal or ZIP code.
    #[schema(example = "SW1Y 4JH")]
    pub postal_code: String,
    /// ISO-3166 alpha-2 country code, upper case.
    #[schema(example = "GB")]
    pub country: String,
    /// Make it the default (the first address always is).
    #[serde(default)]
    pub is_default: bool,
}

/// One entry of the address book.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AddressView {
    /// The entry's id (`address_id` of `PUT carts/{id}/shipping-address`).
    pub id: Uuid,
    /// Your name for it.
    pub label: Option<String>,
    /// Recipient's name.
    pub name: String,
    /// First address line.
    pub line1: String,
    /// Second address line.
    pub line2: Option<String>,
    /// City or town.
    pub city: String,
    /// Postal or ZIP code.
    pub postal_code: String,
    /// ISO-3166 alpha-2 country code.
    pub country: String,
    /// Whether it is the default (exactly one is, while the book is not empty).
    pub is_default: bool,
}

impl From<BookEntry> for AddressView {
    fn from(entry: BookEntry) -> Self {
        let Address {
            name,
            line1,
            line2,
            city,
            postal_code,
            country,
        } = entry.address;
        Self {
            id: entry.id,
            label: entry.label,
            name,
            line1,
            line2,
            city,
            postal_code,
            country,
            is_default: entry.is_default,
        }
    }
}

impl From<AddressBookFailure> for ApiError {
    fn from(failure: AddressBookFailure) -> Self {
        match failure {
            AddressBookFailure::AccountNotFound => ApiError::not_found("account"),
            AddressBookFailure::Refused(error) => {
                ApiError::new(kind_status(error.kind()), error.code(), error.to_string())
            }
            AddressBookFailure::Database(error) => error.into(),
        }
    }
}

/// Adds an address to the caller's book (409 `address_book_full` beyond 20 entries).
#[utoipa::path(post, path = "/me/addresses", tag = "accounts", operation_id = "add_address",
    request_body = NewAddressRequest,
    params(CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The new entry (the default if it is the first)", body = AddressView,
            headers(("Location" = String, description = "/api/v1/me/addresses/{id}"))),
        CommandProblems
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn add(
    Shopper(user): Shopper,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    CommandJson(body): CommandJson<NewAddressRequest>,
) -> Result<Response, ApiError> {
    let entry = NewEntry {
        id: Uuid::new_v4(),
        label: body.label,
        address: Address {
            name: body.name,
            line1: body.line1,
            line2: body.line2,
            city: body.city,
            postal_code: body.postal_code,
            country: body.country,
        },
        make_default: body.is_default,
    };
    let added = addresses::add(&state.pool, user.id, entry, &user.metadata(&request_id)).await?;
    let location = HeaderValue::from_str(&format!("/api/v1/me/addresses/{}", added.id))
        .map_err(ApiError::internal)?;
    let mut response = (StatusCode::CREATED, Json(AddressView::from(added))).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// Changes an entry of the caller's book (409 `default_address_required` for
/// `is_default: false` on the default).
#[utoipa::path(patch, path = "/me/addresses/{id}", tag = "accounts", operation_id = "update_address",
    request_body = EntryEdit,
    params(("id" = Uuid, Path, description = "Address id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The entry as it is now", body = AddressView),
        CommandProblems
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id, address_id = %id))]
pub async fn update(
    Shopper(user): Shopper,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiPath(id): ApiPath<Uuid>,
    CommandJson(edit): CommandJson<EntryEdit>,
) -> Result<Json<AddressView>, ApiError> {
    let entry =
        addresses::edit(&state.pool, user.id, id, edit, &user.metadata(&request_id)).await?;
    Ok(Json(entry.into()))
}

/// Removes an entry from the caller's book; removing the default makes the oldest remaining
/// entry the default.
#[utoipa::path(delete, path = "/me/addresses/{id}", tag = "accounts", operation_id = "remove_address",
    params(("id" = Uuid, Path, description = "Address id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Removed"),
        CommandProblems
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id, address_id = %id))]
pub async fn remove(
    Shopper(user): Shopper,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    addresses::remove(&state.pool, user.id, id, &user.metadata(&request_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
