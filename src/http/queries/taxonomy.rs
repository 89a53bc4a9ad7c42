//! `GET categories` (the tree with product counts), `GET categories/{slug}` and `GET tags`
//! (with product counts): public, like the catalogue.

use axum::extract::State;
use axum::Json;
use commerce_projections::read_models::taxonomy::{self, CategoryNode, TagView};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::page_of;
use super::params::Invalid;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

page_of!(
    /// A page of tags.
    TagPage,
    TagView
);

/// `?store=`: count one store's products only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoreFilter {
    /// Count only the products of this store (its slug); absent: every store.
    #[param(max_length = 64)]
    pub store: Option<String>,
}

/// `?store=&page=&per_page=` of `GET tags`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagQuery {
    /// Count only the products of this store (its slug); absent: every store.
    #[param(max_length = 64)]
    pub store: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// The store named by `?store=`, or a 422 when it is too long to be one.
fn store_filter(store: Option<String>) -> Result<Option<String>, ApiError> {
    let mut invalid = Invalid::default();
    let store = invalid.text("store", store);
    invalid.check()?;
    Ok(store)
}

/// The category tree: root categories by name, each with the categories below it and the
/// number of active products in it or below it. Free-text categories of products that name
/// no created category are implicit root categories.
#[utoipa::path(
    get,
    path = "/categories",
    operation_id = "list_categories",
    tag = "catalog",
    params(StoreFilter),
    responses(
        (status = 200, description = "The root categories, each with its subtree", body = [CategoryNode]),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn tree(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<StoreFilter>,
) -> Result<Json<Vec<CategoryNode>>, ApiError> {
    let store = store_filter(filter.store)?;
    Ok(Json(
        taxonomy::category_tree(&state.pool, store.as_deref()).await?,
    ))
}

/// One category with the categories below it.
#[utoipa::path(
    get,
    path = "/categories/{slug}",
    operation_id = "get_category",
    tag = "catalog",
    params(("slug" = String, Path, description = "Category slug"), StoreFilter),
    responses(
        (status = 200, description = "The category and its subtree", body = CategoryNode),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(slug = %slug))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(filter): ApiQuery<StoreFilter>,
) -> Result<Json<CategoryNode>, ApiError> {
    let store = store_filter(filter.store)?;
    taxonomy::category(&state.pool, &slug, store.as_deref())
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("category"))
}

/// Every tag (created, or named by products' free text), by slug, with the number of active
/// products that have it.
#[utoipa::path(
    get,
    path = "/tags",
    operation_id = "list_tags",
    tag = "catalog",
    params(TagQuery),
    responses(
        (status = 200, description = "One page of tags", body = TagPage),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn tags(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TagQuery>,
) -> Result<Json<TagPage>, ApiError> {
    let mut invalid = Invalid::default();
    let store = invalid.text("store", query.store);
    let page = invalid.pagination(query.page, query.per_page);
    invalid.check()?;
    let page = taxonomy::tags(&state.pool, page, store.as_deref()).await?;
    Ok(Json(TagPage::try_from_page(page, Ok)?))
}
