//! `GET stores` and `GET stores/{slug}`: public, so a storefront can find its store's
//! currency and contact address. Closed stores are listed for admins and auditors only.

use axum::extract::State;
use axum::Json;
use commerce_projections::read_models::stores::{self, StoreView};

use super::dto::page_of;
use super::params::{MaybeUser, PageQuery, ReadQuery};
use super::wait::{read_at_least, Access, Versioned};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

page_of!(
    /// A page of stores.
    StorePage,
    StoreView
);

impl Versioned for StoreView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// Lists the stores by slug: the active ones, and closed ones too for admins and auditors.
#[utoipa::path(
    get,
    path = "/stores",
    operation_id = "list_stores",
    tag = "stores",
    params(PageQuery),
    security((), ("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of stores", body = StorePage),
        (status = 401, description = "Invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    caller: MaybeUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<StorePage>, ApiError> {
    let request = query.checked()?;
    let page = stores::list(&state.pool, caller.reads_everything(), request).await?;
    Ok(Json(StorePage::try_from_page(page, Ok)?))
}

/// Reads one store.
#[utoipa::path(
    get,
    path = "/stores/{slug}",
    operation_id = "get_store",
    tag = "stores",
    params(("slug" = String, Path, description = "The store's slug"), ReadQuery),
    security((), ("bearer_auth" = [])),
    responses(
        (status = 200, description = "The store", body = StoreView),
        (status = 401, description = "Invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such store", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`read_model_behind`: `min_version` not reached in time", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[tracing::instrument(skip_all, fields(store = %slug))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(read): ApiQuery<ReadQuery>,
) -> Result<Json<StoreView>, ApiError> {
    let store = read_at_least(
        &state,
        "stores",
        "store",
        &slug,
        read.min_version,
        |_| Access::Visible,
        || stores::get(&state.pool, &slug),
    )
    .await?;
    Ok(Json(store))
}
