//! The inventory page: how many variants are at each stock level (critical, low, medium,
//! high: the thresholds of `INVENTORY_LEVELS`), and the variants, fewest available first,
//! filtered by level, each linking to its product — the inventory read model behind
//! `GET admin/inventory/health`.

use crate::backoffice::extract::PageQuery;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use commerce_projections::read_models::inventory::{self, StockLevel};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{page, page_number, pager};
use super::{fields, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::AppState;

/// Variants per page.
const PER_PAGE: u32 = 50;

/// The section's routes (behind the back office's guard).
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/inventory", get(list))
}

/// The page's query string.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    /// A level's name, or blank for every level.
    level: String,
    /// From 1.
    page: Option<u32>,
}

/// `GET /admin/inventory`.
pub async fn list(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    let level = fields::filter(&query.level, StockLevel::parse, "stock level")?;
    let counts = inventory::counts(&state.pool)
        .await
        .map_err(ApiError::from)?;
    let count = |level: StockLevel| {
        counts
            .iter()
            .find(|(counted, _)| *counted == level)
            .map_or(0, |(_, count)| *count)
    };
    let page_number = page_number(query.page);
    let found = inventory::list(&state.pool, level, page_number, PER_PAGE)
        .await
        .map_err(ApiError::from)?;
    let link = |page: u32| format!("/admin/inventory?level={}&page={page}", query.level);
    let body = html! {
        h2 { "Variants by level" }
        div class="cards" id="levels" {
            div class="card" {
                a href="/admin/inventory" aria-current=[level.is_none().then_some("page")] { "every level" }
                p { strong { (counts.iter().map(|(_, count)| count).sum::<i64>()) } }
            }
            @for option in StockLevel::ALL {
                div class="card" {
                    a href={ "/admin/inventory?level=" (option.as_str()) }
                        aria-current=[(level == Some(option)).then_some("page")] { (option.as_str()) }
                    p { strong { (count(option)) } }
                }
            }
        }
        h2 { @match level { Some(level) => { "Variants at level " (level.as_str()) }, None => "Every variant" } }
        p { "Fewest available first." }
        div class="table-wrap" {
            table id="inventory" {
                thead { tr { th { "SKU" } th { "Product" } th { "Product status" } th { "On hand" } th { "Reserved" } th { "Available" } th { "Level" } } }
                tbody {
                    @for item in &found.items {
                        tr {
                            td { (item.sku) }
                            td { a href={ "/admin/products/" (item.product_id) } { (item.product_name) } }
                            td { (item.product_status) }
                            td { (item.on_hand) }
                            td { (item.reserved) }
                            td { (item.available) @if item.available <= 0 { " (out of stock)" } }
                            td { (item.level) }
                        }
                    }
                }
            }
        }
        (pager(found.total, page_number, PER_PAGE, link))
    };
    Ok(page(&staff, "/admin/inventory", "Inventory", body))
}
