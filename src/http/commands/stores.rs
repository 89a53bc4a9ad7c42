//! Store commands (admins): open a store and change its name, contact address or status. A
//! store's slug is its identity and cannot change; nor can its currency, which every cart
//! and product of the store is priced in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use commerce_aggregates::store::{StoreError, StoreStatus};
use commerce_aggregates::Currency;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{
    located, ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse, CreateHeaders,
    CreateProblems,
};
use super::preconditions::{Admin, IfMatch};
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::store::ExecuteError;
use crate::usecases::stores::{self, NewStore, StoreChanges};

/// `POST stores`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStoreRequest {
    /// Identity: lower-case letters and digits joined by single hyphens, at most 64.
    #[schema(
        example = "eu-outlet",
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 64
    )]
    pub slug: String,
    /// Display name (1–200 characters).
    #[schema(
        example = "EU Outlet",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    /// ISO-4217 currency of every cart and price in the store; cannot change later.
    #[schema(example = "EUR")]
    pub currency: String,
    /// Where customers write to; printed on invoices and emails.
    #[schema(example = "shop@example.com")]
    pub contact_email: String,
}

/// `PATCH stores/{slug}`: the fields given replace the current ones.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStoreRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New contact address.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// `closed` stops new carts and products (open carts can still check out); `active`
    /// opens the store again.
    #[serde(default)]
    #[schema(inline)]
    pub status: Option<StoreStatusDto>,
}

/// Whether a store takes new carts and products.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StoreStatusDto {
    /// Open for business.
    Active,
    /// Takes no new carts or products.
    Closed,
}

impl From<StoreStatusDto> for StoreStatus {
    fn from(status: StoreStatusDto) -> Self {
        match status {
            StoreStatusDto::Active => StoreStatus::Active,
            StoreStatusDto::Closed => StoreStatus::Closed,
        }
    }
}

/// A currency named in a request body's `field`, or a 422 naming it.
pub(super) fn currency_field(field: &str, code: &str) -> Result<Currency, ApiError> {
    Currency::parse(code).map_err(|_| {
        ApiError::invalid_field(field, "must be the code of a circulating ISO-4217 currency")
    })
}

/// A refusal of the store a request body names in `store` (a new cart's, a new product's):
/// a missing store is a 422 on that field rather than a 404 of the route.
pub(super) fn named_store_error(error: ExecuteError<StoreError>) -> ApiError {
    match error {
        ExecuteError::Domain(StoreError::NotFound) => {
            ApiError::invalid_field("store", "no store has this slug")
        }
        other => other.into(),
    }
}

/// Opens a store.
#[utoipa::path(
    post,
    path = "/stores",
    tag = "stores",
    operation_id = "create_store",
    request_body = CreateStoreRequest, params(CreateHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Opened; `Location` names the store", body = CommandResponse,
         headers(("Location" = String, description = "/api/v1/stores/{slug}"))),
        CreateProblems
    )
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    admin: Admin,
    State(state): State<AppState>,
    request_id: RequestId,
    CommandJson(body): CommandJson<CreateStoreRequest>,
) -> Result<Response, ApiError> {
    let input = NewStore {
        currency: currency_field("currency", &body.currency)?,
        slug: body.slug,
        name: body.name,
        contact_email: body.contact_email,
    };
    let slug = input.slug.clone();
    let metadata = admin.0.metadata(&request_id.0);
    let version = stores::create_store(&state.stores, input, &metadata).await?;
    located(
        StatusCode::CREATED,
        &format!("/api/v1/stores/{slug}"),
        &slug,
        version,
    )
}

command_path! {
    patch "/stores/{slug}",
    tag = "stores",
    operation_id = "update_store",
    request_body = UpdateStoreRequest,
    params(("slug" = String, Path, description = "The store's slug")),
    ok = "Updated (or already as asked)";

    /// Renames a store, changes its contact address, closes or reopens it.
    #[tracing::instrument(skip_all, fields(store = %slug))]
    pub async fn update(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(slug): ApiPath<String>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<UpdateStoreRequest>,
    ) -> Result<Response, ApiError> {
        let changes = StoreChanges {
            name: body.name,
            contact_email: body.contact_email,
            status: body.status.map(StoreStatus::from),
        };
        let metadata = admin.0.metadata(&request_id.0);
        let version =
            stores::update_store(&state.stores, &slug, changes, &metadata, expected.0).await?;
        Ok(ok(&slug, version))
    }
}
