//! Reading returns: an order's (`GET orders/{id}/returns`, its owner, admins and auditors)
//! and every order's, by status (`GET returns`, admins and auditors).

use axum::extract::State;
use axum::Json;
use commerce_aggregates::Role;
use commerce_projections::read_models::orders::{self, OrderReturn, ReturnView};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{page_of, OrderReadProblems, StaffQueryProblems};
use super::orders::visible_order;
use super::params::{Invalid, ReadQuery};
use crate::http::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

/// Where a return is.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatusParam {
    /// Asked for by the customer.
    Requested,
    /// Approved: the customer sends the units.
    Approved,
    /// Rejected.
    Rejected,
    /// The units arrived and were refunded.
    Received,
}

impl ReturnStatusParam {
    fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Received => "received",
        }
    }
}

/// Status filter and page of the returns list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnsQuery {
    /// Only returns in this status.
    #[param(inline)]
    pub status: Option<ReturnStatusParam>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

page_of!(
    /// A page of returns, most recently requested first.
    ReturnPage,
    OrderReturn
);

/// An order's returns, in the order they were asked for.
#[utoipa::path(
    get,
    path = "/orders/{id}/returns",
    operation_id = "list_order_returns",
    tag = "returns",
    params(("id" = Uuid, Path, description = "The order's id"), ReadQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The order's returns", body = Vec<ReturnView>),
        OrderReadProblems,
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id, user_id = %user.id))]
pub async fn of_order(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(read): ApiQuery<ReadQuery>,
) -> Result<Json<Vec<ReturnView>>, ApiError> {
    let order = visible_order(&state, &user, id, read.min_version).await?;
    Ok(Json(order.returns))
}

/// Every order's returns, most recently requested first, by status (admins and auditors).
#[utoipa::path(
    get,
    path = "/returns",
    operation_id = "list_returns",
    tag = "returns",
    params(ReturnsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of returns", body = ReturnPage),
        StaffQueryProblems,
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<ReturnsQuery>,
) -> Result<Json<ReturnPage>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let mut invalid = Invalid::default();
    let request = invalid.pagination(query.page, query.per_page);
    invalid.check()?;
    let status = query.status.map(ReturnStatusParam::as_str);
    let page = orders::returns(&state.pool, status, request).await?;
    Ok(Json(ReturnPage::try_from_page(page, Ok)?))
}
