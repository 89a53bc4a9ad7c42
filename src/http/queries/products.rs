//! `GET products` (search) and `GET products/{id}`: public for active products; drafts and
//! archived products only for admins and auditors.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use commerce_projections::read_models::catalog::{
    self, CatalogFacets, CatalogQuery, CatalogSort, ProductView, StatusFilter,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::params::{Invalid, MaybeUser, ReadQuery};
use super::product_cache::{CachedProduct, ProductCache};
use super::search_index::{self, SearchIndex};
use super::wait::{read_at_least, Access, Versioned};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

/// Which product statuses a search returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatusFilter {
    /// On sale (the only status anonymous callers and customers may ask for).
    #[default]
    Active,
    /// Drafts (admins and auditors).
    Draft,
    /// Archived (admins and auditors).
    Archived,
    /// Every status (admins and auditors).
    Any,
}

impl From<ProductStatusFilter> for StatusFilter {
    fn from(status: ProductStatusFilter) -> Self {
        match status {
            ProductStatusFilter::Active => StatusFilter::Active,
            ProductStatusFilter::Draft => StatusFilter::Draft,
            ProductStatusFilter::Archived => StatusFilter::Archived,
            ProductStatusFilter::Any => StatusFilter::Any,
        }
    }
}

/// Filters, sort and page of a product search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductSearch {
    /// Full-text query, web-search syntax (`"exact phrase"`, `-excluded`, `or`).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only the products of this store (its slug); absent: every store.
    #[param(max_length = 64)]
    pub store: Option<String>,
    /// Category (case-insensitive).
    #[param(max_length = 200)]
    pub category: Option<String>,
    /// A tag the product has (case-insensitive).
    #[param(max_length = 200)]
    pub tag: Option<String>,
    /// Some variant costs at least this much (minor units).
    #[param(minimum = 0)]
    pub min_price: Option<i64>,
    /// The same variant costs at most this much (minor units); not below `min_price`.
    #[param(minimum = 0)]
    pub max_price: Option<i64>,
    /// Only products with (`true`) or without (`false`) units available.
    pub in_stock: Option<bool>,
    /// Statuses to include; anything but `active` needs an admin or auditor token
    /// (401 without a token, 403 for other roles).
    #[param(inline)]
    pub status: Option<ProductStatusFilter>,
    /// Result order (default `relevance`).
    #[param(inline)]
    pub sort: Option<CatalogSort>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

impl ProductSearch {
    /// The read-model query, or a 422 listing every invalid parameter.
    fn into_query(self) -> Result<CatalogQuery, ApiError> {
        let mut invalid = Invalid::default();
        let q = invalid.text("q", self.q);
        let store = invalid.text("store", self.store);
        let category = invalid.text("category", self.category);
        let tag = invalid.text("tag", self.tag);
        for (field, price) in [("min_price", self.min_price), ("max_price", self.max_price)] {
            if price.is_some_and(|price| price < 0) {
                invalid.push(field, "must not be negative");
            }
        }
        if let (Some(min), Some(max)) = (self.min_price, self.max_price) {
            if min > max {
                invalid.push("min_price", "must not exceed max_price");
            }
        }
        let request = invalid.pagination(self.page, self.per_page);
        invalid.check()?;
        Ok(CatalogQuery {
            q,
            store,
            category,
            tag,
            min_price: self.min_price,
            max_price: self.max_price,
            in_stock: self.in_stock,
            status: self.status.unwrap_or_default().into(),
            sort: self.sort.unwrap_or_default(),
            page: request.page(),
            per_page: request.per_page(),
        })
    }
}

/// A page of products and the facets of every match.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct ProductPage {
    /// The items of this page, in the search's order.
    pub items: Vec<ProductView>,
    /// How many products match, over all pages.
    pub total: i64,
    /// This page's number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Counts per category, tag, price range and stock state over every match (all pages).
    pub facets: CatalogFacets,
}

impl Versioned for catalog::ProductView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// Searches the catalog.
#[utoipa::path(
    get,
    path = "/products",
    operation_id = "search_products",
    tag = "catalog",
    params(ProductSearch),
    security((), ("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of matching products and the facets of all matches", body = ProductPage),
        (status = 401, description = "Invalid token, or a non-active `status` without one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A non-active `status` asked by a customer", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn search(
    State(state): State<AppState>,
    index: Option<Extension<SearchIndex>>,
    caller: MaybeUser,
    ApiQuery(search): ApiQuery<ProductSearch>,
) -> Result<Json<ProductPage>, ApiError> {
    let query = search.into_query()?;
    if query.status != StatusFilter::Active && !caller.reads_everything() {
        return Err(match caller.0 {
            None => ApiError::unauthorized(
                "only active products are public; sign in as admin or auditor",
            ),
            Some(_) => {
                ApiError::forbidden("only admins and auditors see products that are not active")
            }
        });
    }
    let index = index.as_ref().map(|Extension(index)| index);
    let results = search_index::search(index, &state.pool, &query).await?;
    Ok(Json(ProductPage {
        items: results.page.items,
        total: results.page.total,
        page: results.page.page,
        per_page: results.page.per_page,
        facets: results.facets,
    }))
}

/// Reads one product: active ones for everybody, others for admins and auditors (404 for
/// anybody else).
#[utoipa::path(
    get,
    path = "/products/{id}",
    operation_id = "get_product",
    tag = "catalog",
    params(("id" = Uuid, Path, description = "The product's id"), ReadQuery),
    security((), ("bearer_auth" = [])),
    responses(
        (status = 200, description = "The product", body = ProductView),
        (status = 401, description = "Invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`read_model_behind`: `min_version` not reached in time", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[tracing::instrument(skip_all, fields(product_id = %id))]
pub async fn get(
    State(state): State<AppState>,
    cache: Option<Extension<ProductCache>>,
    caller: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(read): ApiQuery<ReadQuery>,
) -> Result<Response, ApiError> {
    let sees_all = caller.reads_everything();
    let cache = cache.map(|Extension(cache)| cache);
    if let Some(cached) = cache.as_ref().and_then(|cache| cache.get(id)) {
        let recent = read
            .min_version
            .is_none_or(|wanted| u64::try_from(cached.version).is_ok_and(|v| v >= wanted));
        if recent && (cached.active || sees_all) {
            return Ok(json_body(cached.body.clone()));
        }
    }
    let ticket = cache.as_ref().map(ProductCache::ticket);
    let access = |product: &catalog::ProductView| {
        if sees_all || product.status == "active" {
            Access::Visible
        } else {
            Access::HiddenForNow
        }
    };
    let product = read_product(&state, id, read.min_version, access).await?;
    let (active, version) = (product.status == "active", product.version);
    let body = Bytes::from(serde_json::to_vec(&product).map_err(ApiError::internal)?);
    if let (Some(cache), Some(ticket)) = (cache, ticket) {
        let cached = CachedProduct {
            active,
            version,
            body: body.clone(),
        };
        cache.store(id, ticket, cached);
    }
    Ok(json_body(body))
}

/// Product `id` as the catalog read model has it once it reflects `min_version` (bounded
/// wait), if `access` lets the reader see it (404 otherwise).
pub(crate) async fn read_product(
    state: &AppState,
    id: Uuid,
    min_version: Option<u64>,
    access: impl Fn(&ProductView) -> Access,
) -> Result<ProductView, ApiError> {
    read_at_least(
        state,
        "catalog",
        "product",
        &id.to_string(),
        min_version,
        access,
        || catalog::get(&state.pool, id),
    )
    .await
}

/// A 200 with a JSON body rendered earlier.
fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
