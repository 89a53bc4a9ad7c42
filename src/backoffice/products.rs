//! The products section: the list (search and filters, paged, through the same catalog
//! search as `GET products`), the new-product form and its creation through the same use case
//! as `POST products`. One product's page and its forms are in [`super::product_page`] and
//! [`super::product_actions`], the forms' shared fields in [`super::product_forms`].

use crate::backoffice::extract::PageForm;
use crate::backoffice::extract::PageQuery;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use commerce_aggregates::store::DEFAULT_STORE;
use commerce_projections::read_models::catalog::{CatalogQuery, CatalogSort, StatusFilter};
use commerce_projections::read_models::stores::{self, StoreView};
use commerce_projections::read_models::PageRequest;
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::fields::optional_count;
use super::layout::{csrf_field, money, page, pager};
use super::product_forms::{parse_list, variant_fields, VariantForm};
use super::{product_actions, product_page, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::queries::params::Invalid;
use crate::http::queries::search_index::{self, SearchIndex};
use crate::http::AppState;
use crate::usecases::create_product::{self, CreateProduct};

/// Products per page of the list.
const PER_PAGE: u32 = 25;
/// Stores offered in the forms' store lists (a shop has a handful).
const STORES_SHOWN: u32 = 100;

/// The section's routes (behind the back office's guard).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/products", get(list).post(create))
        .route("/admin/products/new", get(new_form))
        .route("/admin/products/{id}", get(product_page::show))
        .route(
            "/admin/products/{id}/details",
            post(product_actions::update),
        )
        .route(
            "/admin/products/{id}/variants",
            post(product_actions::add_variant),
        )
        .route(
            "/admin/products/{id}/price",
            post(product_actions::change_price),
        )
        .route(
            "/admin/products/{id}/stock",
            post(product_actions::adjust_stock),
        )
        .route(
            "/admin/products/{id}/publish",
            post(product_actions::publish),
        )
        .route(
            "/admin/products/{id}/archive",
            post(product_actions::archive),
        )
        .route(
            "/admin/products/{id}/images/remove",
            post(product_actions::remove_image),
        )
        .route(
            "/admin/products/{id}/images/order",
            post(product_actions::reorder_images),
        )
        // The guard has read the whole form within the media upload limit already.
        .route(
            "/admin/products/{id}/images",
            post(product_actions::upload_image).layer(DefaultBodyLimit::disable()),
        )
}

/// Whether `path` is the image-upload route, whose form is multipart and may be as large as
/// the media upload limit (see [`super::guard`]).
pub fn takes_upload(path: &str) -> bool {
    path.strip_prefix("/admin/products/")
        .and_then(|rest| rest.strip_suffix("/images"))
        .is_some_and(|id| Uuid::parse_str(id).is_ok())
}

/// The list's query string (every field optional; blank is none).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    /// `any` (default), `draft`, `active` or `archived`.
    status: String,
    store: String,
    category: String,
    tag: String,
    page: Option<u32>,
}

impl ListQuery {
    /// The catalog query, or a 4xx naming what is wrong.
    fn to_catalog(&self) -> Result<CatalogQuery, PageError> {
        let status = match self.status.as_str() {
            "" => StatusFilter::Any,
            name => StatusFilter::parse(name)
                .ok_or_else(|| PageError::bad_request("unknown product status"))?,
        };
        let mut invalid = Invalid::default();
        let text = |value: &str| Some(value.to_owned());
        let q = invalid.text("q", text(&self.q));
        let store = invalid.text("store", text(&self.store));
        let category = invalid.text("category", text(&self.category));
        let tag = invalid.text("tag", text(&self.tag));
        let request = invalid.pagination(self.page, Some(PER_PAGE));
        invalid.check()?;
        Ok(CatalogQuery {
            q,
            store,
            category,
            tag,
            status,
            sort: CatalogSort::Relevance,
            page: request.page(),
            per_page: request.per_page(),
            ..CatalogQuery::default()
        })
    }

    /// This list's address at page `page`.
    fn link(&self, page: u32) -> String {
        let pairs = [
            ("q", self.q.as_str()),
            ("status", self.status.as_str()),
            ("store", self.store.as_str()),
            ("category", self.category.as_str()),
            ("tag", self.tag.as_str()),
        ];
        let mut query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        query.push_str(&format!("&page={page}"));
        format!("/admin/products?{query}")
    }
}

/// `GET /admin/products`.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    index: Option<Extension<SearchIndex>>,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    let catalog_query = query.to_catalog()?;
    let index = index.as_ref().map(|Extension(index)| index);
    let found = search_index::search(index, &state.pool, &catalog_query)
        .await
        .map_err(ApiError::from)?
        .page;
    let stores = all_stores(&state).await?;
    let body = html! {
        p class="actions" {
            @if staff.acts() { a href="/admin/products/new" { "New product" } }
            a href="/admin/products/catalogue" { "Stores, categories and tags" }
        }
        (filters(&query, &stores))
        div class="table-wrap" {
            table id="products" {
                thead { tr { th { "Product" } th { "Status" } th { "Store" } th { "Category" } th { "Variants" } th { "Price" } th { "Available" } } }
                tbody {
                    @for product in &found.items {
                        tr {
                            td { a href={ "/admin/products/" (product.id) } { (product.name) } }
                            td { (product.status) }
                            td { (product.store) }
                            td { (product.category_ref.name) }
                            td { (product.variants.len()) }
                            td {
                                @match (&product.min_price, &product.max_price) {
                                    (Some(min), Some(max)) if min == max => { (money(min)) },
                                    (Some(min), Some(max)) => { (money(min)) " – " (money(max)) },
                                    _ => { "—" },
                                }
                            }
                            td { (product.total_available) }
                        }
                    }
                }
            }
        }
        (pager(found.total, found.page, PER_PAGE, |page| query.link(page)))
    };
    Ok(page(&staff.0, "/admin/products", "Products", body))
}

/// The list's search form.
fn filters(query: &ListQuery, stores: &[StoreView]) -> Markup {
    let statuses = [
        ("", "Any"),
        ("draft", "Draft"),
        ("active", "Published (active)"),
        ("archived", "Archived"),
    ];
    html! {
        form method="get" action="/admin/products" class="filters" role="search" {
            div { label for="q" { "Search" } input id="q" name="q" type="search" value=(query.q) maxlength="200"; }
            div {
                label for="status" { "Status" }
                select id="status" name="status" {
                    @for (value, label) in statuses {
                        option value=(value) selected[query.status == value] { (label) }
                    }
                }
            }
            div {
                label for="store" { "Store" }
                select id="store" name="store" {
                    option value="" { "Every store" }
                    @for store in stores {
                        option value=(store.slug) selected[query.store == store.slug] { (store.name) }
                    }
                }
            }
            div { label for="category" { "Category" } input id="category" name="category" value=(query.category) maxlength="200"; }
            div { label for="tag" { "Tag" } input id="tag" name="tag" value=(query.tag) maxlength="200"; }
            p { button type="submit" { "Search" } }
        }
    }
}

/// Every store, closed ones too (for the filters and the new-product form; the default store
/// is offered even before the stores' read model shows it).
async fn all_stores(state: &AppState) -> Result<Vec<StoreView>, PageError> {
    let request = PageRequest::new(1, STORES_SHOWN);
    Ok(stores::list(&state.pool, true, request)
        .await
        .map_err(ApiError::from)?
        .items)
}

/// `GET /admin/products/new` (admins).
pub async fn new_form(State(state): State<AppState>, staff: Staff) -> Result<Markup, PageError> {
    staff.require_admin()?;
    let stores = all_stores(&state).await?;
    let body = html! {
        form method="post" action="/admin/products" {
            (csrf_field(&staff.0.csrf_token))
            h2 { "Product" }
            label for="name" { "Name" }
            input id="name" name="name" required maxlength="200";
            label for="description" { "Description" }
            textarea id="description" name="description" rows="4" maxlength="5000" {}
            label for="category" { "Category" }
            input id="category" name="category" required maxlength="100";
            label for="tags" { "Tags (comma-separated)" }
            input id="tags" name="tags" maxlength="2000";
            label for="store" { "Store" }
            select id="store" name="store" {
                @if !stores.iter().any(|store| store.slug == DEFAULT_STORE) {
                    option value=(DEFAULT_STORE) { "The default store" }
                }
                @for store in &stores {
                    option value=(store.slug) selected[store.slug == DEFAULT_STORE] {
                        (store.name) " (" (store.currency) ")"
                    }
                }
            }
            label for="low_stock_threshold" { "Low-stock threshold (blank: the default)" }
            input id="low_stock_threshold" name="low_stock_threshold" type="number" min="0";
            h2 { "First variant" }
            (variant_fields(None))
            p { button type="submit" { "Create product" } }
        }
    };
    Ok(page(&staff.0, "/admin/products", "New product", body))
}

/// The new-product form as posted.
#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    store: String,
    #[serde(default)]
    low_stock_threshold: String,
    #[serde(flatten)]
    variant: VariantForm,
}

/// `POST /admin/products` (admins): as `POST products`; on to the new product's page.
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    PageForm(form): PageForm<CreateForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = CreateProduct {
        name: form.name,
        description: form.description,
        category: form.category,
        tags: parse_list(&form.tags),
        images: Vec::new(),
        variants: vec![form.variant.to_variant()?],
        low_stock_threshold: optional_count(&form.low_stock_threshold, "the low-stock threshold")?,
        store: match form.store.trim() {
            "" => DEFAULT_STORE.to_owned(),
            slug => slug.to_owned(),
        },
    };
    let metadata = staff.metadata(&request_id);
    let created = create_product::create_product(&state.stores, &state.pool, input, &metadata)
        .await
        .map_err(ApiError::from)?;
    Ok(Redirect::to(&format!(
        "/admin/products/{}?v={}",
        created.id, created.version
    ))
    .into_response())
}
