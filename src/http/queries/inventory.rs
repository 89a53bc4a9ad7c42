//! `GET admin/inventory/health`: every variant's stock and level (critical, low, medium,
//! high), fewest available first (admins and auditors).

use axum::extract::State;
use axum::Json;
use commerce_aggregates::Role;
use commerce_projections::read_models::inventory::{self, InventoryView, StockLevel};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{page_of, StaffQueryProblems};
use super::params::Invalid;
use crate::http::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::AppState;

/// A stock level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LevelParam {
    /// At or below the critical threshold.
    Critical,
    /// At or below the low threshold.
    Low,
    /// At or below the medium threshold.
    Medium,
    /// Above the medium threshold.
    High,
}

impl From<LevelParam> for StockLevel {
    fn from(level: LevelParam) -> Self {
        match level {
            LevelParam::Critical => StockLevel::Critical,
            LevelParam::Low => StockLevel::Low,
            LevelParam::Medium => StockLevel::Medium,
            LevelParam::High => StockLevel::High,
        }
    }
}

/// Level filter and page of the inventory-health list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// Only variants at this level.
    #[param(inline)]
    pub level: Option<LevelParam>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

page_of!(
    /// A page of variants, fewest available first.
    InventoryPage,
    InventoryView
);

/// Lists the stock level of every variant, fewest available first (admins and auditors).
#[utoipa::path(
    get,
    path = "/admin/inventory/health",
    operation_id = "inventory_health",
    tag = "back office",
    params(HealthQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of variants", body = InventoryPage),
        StaffQueryProblems,
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn health(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<HealthQuery>,
) -> Result<Json<InventoryPage>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let mut invalid = Invalid::default();
    let request = invalid.pagination(query.page, query.per_page);
    invalid.check()?;
    let page = inventory::list(
        &state.pool,
        query.level.map(Into::into),
        request.page(),
        request.per_page(),
    )
    .await?;
    Ok(Json(InventoryPage::try_from_page(page, Ok)?))
}
