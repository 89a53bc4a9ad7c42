//! The caller's own lists: `GET me/addresses` (their address book, oldest first) and
//! `GET me/carts` (their open carts, most recently changed first).

use axum::extract::State;
use axum::Json;
use commerce_projections::read_models::carts::{self, CartSummary};

use super::dto::{page_of, QueryProblems};
use super::params::PageQuery;
use crate::auth::addresses;
use crate::http::auth::AuthUser;
use crate::http::commands::addresses::AddressView;
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::AppState;

page_of!(
    /// A page of the caller's address book.
    AddressPage,
    AddressView
);

page_of!(
    /// A page of the caller's open carts.
    CartSummaryPage,
    CartSummary
);

/// The caller's address book, oldest first (the default is flagged `is_default`).
#[utoipa::path(
    get,
    path = "/me/addresses",
    operation_id = "list_my_addresses",
    tag = "accounts",
    params(PageQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of the address book", body = AddressPage),
        QueryProblems,
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn addresses(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<AddressPage>, ApiError> {
    let request = query.checked()?;
    let page = addresses::list(&state.pool, user.id, request).await?;
    Ok(Json(AddressPage::try_from_page(page, |entry| {
        Ok(entry.into())
    })?))
}

/// The caller's open carts, most recently changed first, with their store, line count and
/// subtotal (`GET carts/{id}` answers a cart's full pricing).
#[utoipa::path(
    get,
    path = "/me/carts",
    operation_id = "list_my_carts",
    tag = "carts",
    params(PageQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of open carts", body = CartSummaryPage),
        QueryProblems,
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn carts(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<CartSummaryPage>, ApiError> {
    let request = query.checked()?;
    let page = carts::open_of(&state.pool, user.id, request).await?;
    Ok(Json(CartSummaryPage::try_from_page(page, Ok)?))
}
