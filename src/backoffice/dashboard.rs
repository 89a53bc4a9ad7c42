//! The dashboard (`/admin/`): orders, sales, stock and the pipeline's health at a glance.

use axum::extract::State;
use axum::response::Redirect;
use commerce_projections::read_models::analytics;
use commerce_projections::read_models::inventory::{self, StockLevel};
use commerce_projections::read_models::orders;
use maud::{html, Markup};

use super::analytics::{days_table, last_30_days, revenue_chart};
use super::layout::{money, page};
use super::{PageError, Staff};
use crate::http::error::ApiError;
use crate::http::metrics::projection_lags;
use crate::http::AppState;

/// `GET /admin`: to `/admin/`, where the pages' relative world starts.
pub async fn redirect_to_slash() -> Redirect {
    Redirect::permanent("/admin/")
}

/// `GET /admin/`: orders by status, the last 30 days' sales (average order value, revenue
/// per day), the variants whose stock is critical or low (all from the read models), and
/// the pipeline's health: relay backlog, projection lag, unsealed events.
pub async fn page_handler(
    State(state): State<AppState>,
    Staff(staff): Staff,
) -> Result<Markup, PageError> {
    let by_status = orders::count_by_status(&state.pool)
        .await
        .map_err(ApiError::from)?;
    let range = last_30_days()?;
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
    let health = pipeline_health(&state).await?;
    let body = html! {
        h2 { "Orders by status" }
        div class="cards counts" {
            @for (status, total) in &by_status {
                div class="card" { a href={ "/admin/orders?status=" (status.as_str()) } { (status.as_str()) } p { strong { (total) } } }
            }
        }
        h2 { "Sales, last 30 days" }
        @if sales.is_empty() { p { "No sales in the last 30 days." } }
        @for currency in &sales {
            p {
                (currency.currency) ": " (currency.totals.orders) " paid orders, revenue "
                (money(&currency.totals.gross_revenue))
                ", average order value "
                (money(&currency.totals.average_order_value))
            }
            (revenue_chart(currency))
            (days_table(currency))
        }
        p { a href="/admin/analytics" { "More in Analytics" } }
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
        (health)
    };
    Ok(page(&staff, "/admin/", "Dashboard", body))
}

/// The publication pipeline as `/metrics` reports it, with the same functions: events
/// committed but not yet published (relay backlog), per read model the events its consumers
/// have not yet had acknowledged (projection lag, from JetStream: "unavailable" when NATS
/// does not answer), and events not yet covered by the audit chain's seal.
async fn pipeline_health(state: &AppState) -> Result<Markup, PageError> {
    let backlog = crate::relay::backlog(&state.pool)
        .await
        .map_err(PageError::internal)?;
    let unsealed = crate::audit::sealer::backlog(&state.pool)
        .await
        .map_err(PageError::internal)?;
    let lags = projection_lags(&state.pipeline).await;
    Ok(html! {
        h2 { "Pipeline" }
        div class="cards" {
            div class="card" id="relay-backlog" { "Relay backlog" p { strong { (backlog) } " events not yet published" } }
            div class="card" id="unsealed-events" { "Unsealed events" p { strong { (unsealed) } " events not yet in the audit chain" } }
        }
        div class="table-wrap" {
            table id="projection-lag" {
                caption { "Projection lag: events each read model has still to apply" }
                thead { tr { th { "Read model" } th { "Events behind" } } }
                tbody {
                    @for lag in &lags {
                        tr {
                            td { (lag.projection) }
                            @match &lag.events {
                                Ok(events) => td { (events) },
                                Err(_) => td { "unavailable" },
                            }
                        }
                    }
                }
            }
        }
    })
}
