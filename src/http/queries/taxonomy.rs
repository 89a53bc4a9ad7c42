//! `GET categories` (the tree with product counts), `GET categories/{slug}` and `GET tags`
//! (with product counts): public, like the catalogue.

use axum::extract::State;
use axum::Json;
use commerce_projections::read_models::taxonomy::{self, CategoryNode, TagView};

use super::coupons::PageQuery;
use super::dto::page_of;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

page_of!(
    /// A page of tags.
    TagPage,
    TagView
);

/// The category tree: root categories by name, each with the categories below it and the
/// number of active products in it or below it. Free-text categories of products that name
/// no created category are implicit root categories.
#[utoipa::path(
    get,
    path = "/categories",
    operation_id = "list_categories",
    tag = "catalog",
    responses(
        (status = 200, description = "The root categories, each with its subtree", body = [CategoryNode]),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn tree(State(state): State<AppState>) -> Result<Json<Vec<CategoryNode>>, ApiError> {
    Ok(Json(taxonomy::category_tree(&state.pool).await?))
}

/// One category with the categories below it.
#[utoipa::path(
    get,
    path = "/categories/{slug}",
    operation_id = "get_category",
    tag = "catalog",
    params(("slug" = String, Path, description = "Category slug")),
    responses(
        (status = 200, description = "The category and its subtree", body = CategoryNode),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(slug = %slug))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<CategoryNode>, ApiError> {
    taxonomy::category(&state.pool, &slug)
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
    params(PageQuery),
    responses(
        (status = 200, description = "One page of tags", body = TagPage),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn tags(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<TagPage>, ApiError> {
    let page = taxonomy::tags(&state.pool, query.checked()?).await?;
    Ok(Json(TagPage::try_from_page(page, Ok)?))
}
