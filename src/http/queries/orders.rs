//! `GET orders` (a customer's own; everyone's with filters for admins and auditors) and
//! `GET orders/{id}` with totals, lines, payment, shipment, outcome and status timeline (for
//! its owner, admins and auditors; anybody else gets 404).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Datelike, Utc};
use commerce_aggregates::order::OrderStatus;
use commerce_projections::read_models::carts::{self, guest};
use commerce_projections::read_models::orders::{self, OrderQuery, OrderView};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{OrderReadProblems, QueryProblems};
use super::order_as_of;
use super::order_views::{OrderDetail, OrderPage};
use super::params::{Invalid, ReadQuery};
use super::wait::{read_at_least, Access};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::guest::CartReader;
use crate::http::AppState;

/// Filters and page of an order list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderSearch {
    /// Only orders in this status.
    #[param(inline)]
    pub status: Option<OrderStatus>,
    /// Only orders placed in this store (its slug).
    #[param(max_length = 64)]
    pub store: Option<String>,
    /// Placed at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Placed before this instant (RFC 3339); not before `from`.
    pub to: Option<DateTime<Utc>>,
    /// Only this customer's orders (admins and auditors; a customer may only name themself,
    /// anyone else is 403).
    pub customer_id: Option<Uuid>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Order `id` as the read model has it once it reflects `min_version`, for its customer,
/// admins and auditors (404 for anybody else).
pub(super) async fn visible_order(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
    min_version: Option<u64>,
) -> Result<OrderView, ApiError> {
    let access = |order: &OrderView| {
        if user.reads_everything() || order.customer_id == Some(user.id) {
            Access::Visible
        } else {
            Access::Hidden
        }
    };
    read_order(state, id, min_version, access).await
}

/// Order `id` as the read model has it once it reflects `min_version` (bounded wait), if
/// `access` lets the reader see it (404 otherwise).
pub(crate) async fn read_order(
    state: &AppState,
    id: Uuid,
    min_version: Option<u64>,
    access: impl Fn(&OrderView) -> Access,
) -> Result<OrderView, ApiError> {
    read_at_least(
        state,
        "orders",
        "order",
        &id.to_string(),
        min_version,
        access,
        || orders::get(&state.pool, id),
    )
    .await
}

/// Order `id` for `reader`: as [`visible_order`] for a signed-in user; for a guest, a guest's
/// order placed from the cart the token opens (404 otherwise, whatever the reason).
pub(super) async fn readable_order(
    state: &AppState,
    reader: &CartReader,
    id: Uuid,
    min_version: Option<u64>,
) -> Result<OrderView, ApiError> {
    let token = match reader {
        CartReader::User(user) => return visible_order(state, user, id, min_version).await,
        CartReader::Guest(token) => token,
    };
    let access = |order: &OrderView| {
        if order.customer_id.is_none() {
            Access::Visible
        } else {
            Access::Hidden
        }
    };
    let order = read_order(state, id, min_version, access).await?;
    // The cart's row may lag the order's (another projection): wait for it, bounded.
    let hash = token.hash();
    let opens = |cart: &carts::CartView| {
        if cart.guest_token_hash.as_deref() == Some(hash.as_str()) {
            Access::Visible
        } else {
            Access::Hidden
        }
    };
    let cart_id = order.cart_id;
    read_at_least(
        state,
        "carts",
        "cart",
        &cart_id.to_string(),
        Some(1),
        opens,
        || carts::get(&state.pool, cart_id),
    )
    .await
    .map_err(|error| {
        if error.status() == axum::http::StatusCode::NOT_FOUND {
            ApiError::not_found("order")
        } else {
            error
        }
    })?;
    Ok(order)
}

/// Lists orders: a customer's own, or (admins and auditors) everyone's, with filters.
#[utoipa::path(
    get,
    path = "/orders",
    operation_id = "list_orders",
    tag = "orders",
    params(OrderSearch),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of orders, most recently placed first", body = OrderPage),
        QueryProblems,
        (status = 403, description = "A customer naming another customer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(search): ApiQuery<OrderSearch>,
) -> Result<Json<OrderPage>, ApiError> {
    let mut invalid = Invalid::default();
    for (field, at) in [("from", search.from), ("to", search.to)] {
        // Postgres timestamps end before chrono's: keep to years the database can compare.
        if at.is_some_and(|at| !(1..=9999).contains(&at.year())) {
            invalid.push(field, "the year must be between 1 and 9999");
        }
    }
    if let (Some(from), Some(to)) = (search.from, search.to) {
        if from > to {
            invalid.push("from", "must not be after to");
        }
    }
    let store = invalid.text("store", search.store);
    let request = invalid.pagination(search.page, search.per_page);
    invalid.check()?;
    let customer_id = if user.reads_everything() {
        search.customer_id
    } else {
        match search.customer_id {
            Some(other) if other != user.id => {
                return Err(ApiError::forbidden(
                    "customers list only their own orders; leave out customer_id",
                ))
            }
            _ => Some(user.id),
        }
    };
    let query = OrderQuery {
        customer_id,
        status: search.status,
        store,
        from: search.from,
        to: search.to,
        page: request.page(),
        per_page: request.per_page(),
    };
    let page = orders::list(&state.pool, &query).await?;
    Ok(Json(OrderPage::try_from_page(page, Ok)?))
}

/// Query parameters of `GET orders/{id}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderReadQuery {
    /// Answer only once the read model has applied this version of the order (waits at most
    /// `READ_WAIT_TIMEOUT_MS`, then 503 `read_model_behind`); 0 or absent: no wait. Ignored
    /// with `as_of`.
    #[param(minimum = 0)]
    pub min_version: Option<u64>,
    /// Rebuild the order from its stored events as they were at this instant (RFC 3339, e.g.
    /// `2026-11-21T13:05:22.120Z`; write `+` in an offset as `%2B`) instead of reading the
    /// read model: same response shape, the events recorded at or before it. 404 when the
    /// order had not been placed yet; 422 when not an RFC 3339 instant.
    #[param(value_type = Option<DateTime<Utc>>)]
    pub as_of: Option<String>,
}

/// `as_of` parsed: 422 naming it when it is not an RFC 3339 instant of the years 1–9999.
fn parse_as_of(as_of: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = as_of else {
        return Ok(None);
    };
    match crate::audit::parse_instant(text) {
        Ok(at) if (1..=9999).contains(&at.year()) => Ok(Some(at)),
        Ok(_) => Err(ApiError::invalid_field(
            "as_of",
            "the year must be between 1 and 9999",
        )),
        Err(message) => Err(ApiError::invalid_field("as_of", message)),
    }
}

/// Reads one order with its status timeline; with `as_of`, rebuilt from its events as they
/// were at that instant.
#[utoipa::path(
    get,
    path = "/orders/{id}",
    operation_id = "get_order",
    tag = "orders",
    params(("id" = Uuid, Path, description = "The order's id"), OrderReadQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The order and its timeline", body = OrderDetail),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or someone else's (or not placed yet at `as_of`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters (`as_of` not an RFC 3339 instant)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`read_model_behind`: `min_version` not reached in time", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn get(
    State(state): State<AppState>,
    reader: CartReader,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(read): ApiQuery<OrderReadQuery>,
) -> Result<Json<OrderDetail>, ApiError> {
    if let Some(as_of) = parse_as_of(read.as_of.as_deref())? {
        let detail = order_as_of::order_as_of(&state.pool, id, as_of).await?;
        let visible = match (&detail, &reader) {
            (Some(detail), CartReader::User(user)) => {
                user.reads_everything() || detail.order.customer_id == Some(user.id)
            }
            (Some(detail), CartReader::Guest(token)) => {
                detail.order.customer_id.is_none()
                    && guest::token_opens_cart(&state.pool, detail.order.cart_id, &token.hash())
                        .await?
            }
            (None, _) => false,
        };
        return match detail {
            Some(detail) if visible => Ok(Json(detail)),
            _ => Err(ApiError::not_found("order")),
        };
    }
    let order = readable_order(&state, &reader, id, read.min_version).await?;
    // The timeline is read after the order: keep it to the events the order row reflects.
    let timeline = orders::timeline(&state.pool, id)
        .await?
        .into_iter()
        .filter(|entry| entry.sequence <= order.version)
        .collect();
    Ok(Json(OrderDetail { order, timeline }))
}

/// An order's refunds, in the order they were asked for: requested, completed (with the
/// provider's reference) or failed. The order's owner, admins and auditors.
#[utoipa::path(
    get,
    path = "/orders/{id}/refunds",
    operation_id = "list_refunds",
    tag = "orders",
    params(("id" = Uuid, Path, description = "The order's id"), ReadQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The order's refunds", body = Vec<orders::RefundView>),
        OrderReadProblems,
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id, user_id = %user.id))]
pub async fn refunds(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(read): ApiQuery<ReadQuery>,
) -> Result<Json<Vec<orders::RefundView>>, ApiError> {
    let order = visible_order(&state, &user, id, read.min_version).await?;
    Ok(Json(order.refunds))
}
