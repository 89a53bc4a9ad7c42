//! The dashboard (`/admin/`) and the sections not built yet.

use axum::extract::{OriginalUri, State};
use axum::response::Redirect;
use chrono::{Duration, Utc};
use commerce_aggregates::order::OrderStatus;
use commerce_projections::read_models::analytics::{self, DateRange};
use commerce_projections::read_models::inventory::{self, StockLevel};
use commerce_projections::read_models::orders::{self, OrderQuery};
use commerce_projections::read_models::MoneyView;
use maud::{html, Markup};

use super::chart;
use super::layout::{money, page};
use super::{PageError, Staff};
use crate::http::error::ApiError;
use crate::http::AppState;

/// `GET /admin`: to `/admin/`, where the pages' relative world starts.
pub async fn redirect_to_slash() -> Redirect {
    Redirect::permanent("/admin/")
}

/// `GET /admin/`: orders by status, the last 30 days' sales (average order value, a bar
/// per day) and the variants whose stock is critical or low, all from the read models.
pub async fn page_handler(
    State(state): State<AppState>,
    Staff(staff): Staff,
) -> Result<Markup, PageError> {
    let mut by_status = Vec::new();
    for status in OrderStatus::ALL {
        let query = OrderQuery {
            customer_id: None,
            status: Some(status),
            store: None,
            from: None,
            to: None,
            page: 1,
            per_page: 1,
        };
        let found = orders::list(&state.pool, &query)
            .await
            .map_err(ApiError::from)?;
        by_status.push((status, found.total));
    }
    let today = Utc::now().date_naive();
    let range = DateRange::new(today - Duration::days(29), today)
        .map_err(|error| PageError::internal(anyhow::anyhow!("{error:?}")))?;
    let sales = analytics::sales(&state.pool, &range, None)
        .await
        .map_err(ApiError::from)?;
    let mut low = Vec::new();
    for level in [StockLevel::Critical, StockLevel::Low] {
        let found = inventory::list(&state.pool, Some(level), 1, 20)
            .await
            .map_err(ApiError::from)?;
        low.extend(found.items);
    }
    let body = html! {
        h2 { "Orders by status" }
        div class="cards" {
            @for (status, total) in &by_status {
                div class="card" { a href={ "/admin/orders?status=" (status.as_str()) } { (status.as_str()) } p { strong { (total) } } }
            }
        }
        h2 { "Sales, last 30 days" }
        @if sales.is_empty() { p { "No sales in the last 30 days." } }
        @for currency in &sales {
            p {
                (currency.currency) ": " (currency.totals.orders) " paid orders, revenue "
                (money(&MoneyView::new(currency.totals.gross_revenue, currency.currency.clone())))
                ", average order value "
                (money(&MoneyView::new(currency.totals.average_order_value(), currency.currency.clone())))
            }
            @let values: Vec<i64> = currency.days.iter().map(|day| day.figures.gross_revenue).collect();
            (chart::bars(&values, &format!("Revenue per day in {}", currency.currency)))
        }
        h2 { "Low stock" }
        @if low.is_empty() { p { "No variant is low on stock." } } @else {
            div class="table-wrap" {
                table {
                    thead { tr { th { "SKU" } th { "Product" } th { "Available" } th { "Level" } } }
                    tbody {
                        @for item in &low {
                            tr { td { (item.sku) } td { (item.product_name) } td { (item.available) } td { (item.level) } }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&staff, "/admin/", "Dashboard", body))
}

/// A section listed in the navigation whose pages are still to come.
pub async fn not_built(Staff(staff): Staff, OriginalUri(uri): OriginalUri) -> Markup {
    let body = html! { p { "This section is not built yet." } };
    page(&staff, uri.path(), "Not built yet", body)
}
