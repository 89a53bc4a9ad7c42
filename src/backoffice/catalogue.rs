//! What products are filed under: the stores (slug, name, currency, status), the category
//! tree and the tags, each with how many products on sale use it, from their read models;
//! and, for admins, forms opening a store and creating a category or a tag through the same
//! use cases as `POST stores`, `POST categories` and `POST tags`.
//!
//! An action answers with this page again; the lists come from read models that follow the
//! commit within their projection's delay, so a new entry may take a moment to be listed.

use crate::backoffice::extract::PageForm;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use commerce_projections::read_models::taxonomy::{self, CategoryNode};
use commerce_projections::read_models::{stores, PageRequest};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page};
use super::{fields, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::AppState;
use crate::usecases::categories::{self, CreateCategory};
use crate::usecases::{stores as store_cases, tags};

/// Where the page is.
const PATH: &str = "/admin/products/catalogue";
/// Most stores and tags listed (a shop has a handful of stores and some dozens of tags).
const LISTED: u32 = 100;

/// The page's routes (behind the back office's guard).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(show))
        .route("/admin/products/catalogue/stores", post(create_store))
        .route(
            "/admin/products/catalogue/categories",
            post(create_category),
        )
        .route("/admin/products/catalogue/tags", post(create_tag))
}

/// `GET /admin/products/catalogue`.
pub async fn show(State(state): State<AppState>, staff: Staff) -> Result<Markup, PageError> {
    let listed = PageRequest::new(1, LISTED);
    let shops = stores::list(&state.pool, true, listed)
        .await
        .map_err(ApiError::from)?;
    let tree = taxonomy::category_tree(&state.pool, None)
        .await
        .map_err(ApiError::from)?;
    let tags = taxonomy::tags(&state.pool, listed, None)
        .await
        .map_err(ApiError::from)?;
    let csrf = staff.acts().then_some(staff.0.csrf_token.as_str());
    let body = html! {
        p { a href="/admin/products" { "Back to the products" } }
        h2 { "Stores" }
        div class="table-wrap" {
            table id="stores" {
                thead { tr { th { "Slug" } th { "Name" } th { "Currency" } th { "Contact" } th { "Status" } } }
                tbody {
                    @for shop in &shops.items {
                        tr {
                            td { a href={ "/admin/products?store=" (shop.slug) } { (shop.slug) } }
                            td { (shop.name) } td { (shop.currency) } td { (shop.contact_email) } td { (shop.status) }
                        }
                    }
                }
            }
        }
        @if let Some(csrf) = csrf { (store_form(csrf)) }
        h2 { "Categories" }
        p { "With the number of products on sale in each (and below it)." }
        @if tree.is_empty() { p { "No category yet." } }
        (categories_list(&tree))
        @if let Some(csrf) = csrf { (category_form(csrf, &tree)) }
        h2 { "Tags" }
        p { (tags.total) " tags" }
        ul id="tags" {
            @for tag in &tags.items {
                li { a href={ "/admin/products?tag=" (tag.slug) } { (tag.name) } " (" (tag.product_count) ")" }
            }
        }
        @if let Some(csrf) = csrf { (tag_form(csrf)) }
    };
    Ok(page(
        &staff.0,
        "/admin/products",
        "Stores, categories and tags",
        body,
    ))
}

fn categories_list(nodes: &[CategoryNode]) -> Markup {
    html! {
        ul {
            @for node in nodes {
                li {
                    a href={ "/admin/products?category=" (node.slug) } { (node.name) }
                    " (" (node.product_count) ")"
                    @if node.implicit { " — free text, not created" }
                    @if !node.children.is_empty() { (categories_list(&node.children)) }
                }
            }
        }
    }
}

/// Every created category as (slug, name indented by depth), for the parent list.
fn flatten(nodes: &[CategoryNode], depth: usize, out: &mut Vec<(String, String)>) {
    for node in nodes.iter().filter(|node| !node.implicit) {
        out.push((
            node.slug.clone(),
            format!("{}{}", "— ".repeat(depth), node.name),
        ));
        flatten(&node.children, depth + 1, out);
    }
}

fn store_form(csrf: &str) -> Markup {
    html! {
        form method="post" action="/admin/products/catalogue/stores" {
            (csrf_field(csrf))
            h3 { "Open a store" }
            label for="store-slug" { "Slug (lower-case letters, digits, hyphens)" }
            input id="store-slug" name="slug" required maxlength="64" pattern="[a-z0-9]+(-[a-z0-9]+)*";
            label for="store-name" { "Name" }
            input id="store-name" name="name" required maxlength="200";
            label for="store-currency" { "Currency (cannot change later)" }
            input id="store-currency" name="currency" required maxlength="3" value="USD";
            label for="store-contact" { "Contact email" }
            input id="store-contact" name="contact_email" type="email" required;
            p { button type="submit" { "Open store" } }
        }
    }
}

fn category_form(csrf: &str, tree: &[CategoryNode]) -> Markup {
    let mut parents = Vec::new();
    flatten(tree, 0, &mut parents);
    html! {
        form method="post" action="/admin/products/catalogue/categories" {
            (csrf_field(csrf))
            h3 { "Create a category" }
            label for="category-slug" { "Slug" }
            input id="category-slug" name="slug" required maxlength="64";
            label for="category-name" { "Name" }
            input id="category-name" name="name" required maxlength="200";
            label for="category-parent" { "Parent" }
            select id="category-parent" name="parent" {
                option value="" { "None (at the root)" }
                @for (slug, name) in &parents { option value=(slug) { (name) } }
            }
            p { button type="submit" { "Create category" } }
        }
    }
}

fn tag_form(csrf: &str) -> Markup {
    html! {
        form method="post" action="/admin/products/catalogue/tags" {
            (csrf_field(csrf))
            h3 { "Create a tag" }
            label for="tag-name" { "Name (its slug is made from it)" }
            input id="tag-name" name="name" required maxlength="200";
            p { button type="submit" { "Create tag" } }
        }
    }
}

/// The open-a-store form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StoreForm {
    slug: String,
    name: String,
    currency: String,
    contact_email: String,
}

/// `POST /admin/products/catalogue/stores` (admins): as `POST stores`.
pub async fn create_store(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    PageForm(form): PageForm<StoreForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let currency = fields::currency(&form.currency)?;
    let input = store_cases::NewStore {
        slug: form.slug.trim().to_owned(),
        name: form.name,
        currency,
        contact_email: form.contact_email,
    };
    store_cases::create_store(&state.stores, input, &staff.metadata(&request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(Redirect::to(PATH).into_response())
}

/// The create-a-category form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryForm {
    slug: String,
    name: String,
    /// Blank: at the root.
    parent: String,
}

/// `POST /admin/products/catalogue/categories` (admins): as `POST categories`.
pub async fn create_category(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    PageForm(form): PageForm<CategoryForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let parent = Some(form.parent.trim().to_owned()).filter(|parent| !parent.is_empty());
    let input = CreateCategory {
        slug: form.slug.trim().to_owned(),
        name: form.name,
        parent,
    };
    categories::create_category(&state.stores, input, &staff.metadata(&request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(Redirect::to(PATH).into_response())
}

/// The create-a-tag form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TagForm {
    name: String,
}

/// `POST /admin/products/catalogue/tags` (admins): as `POST tags`.
pub async fn create_tag(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    PageForm(form): PageForm<TagForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    tags::create_tag(&state.stores, form.name, &staff.metadata(&request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(Redirect::to(PATH).into_response())
}
