//! The analytics page (`/admin/analytics`): daily sales, top products, coupon usage and the
//! cart funnel over a range of UTC days, as server-drawn SVG charts ([`chart`]) with their
//! figures in tables beside them. It reads the analytics read model with the same functions,
//! the same range rules and the same defaults as `GET /api/v1/admin/analytics/*`.

use crate::backoffice::extract::PageQuery;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::{Duration, Utc};
use commerce_projections::read_models::analytics::{
    self, CartFunnel, CouponUsage, CurrencyProducts, CurrencySales, DateRange, ProductRank,
};
use maud::{html, Markup};
use serde::Deserialize;

use super::chart::{self, Point};
use super::layout::{amount, money, page};
use super::{PageError, Staff};
use crate::http::error::ApiError;
use crate::http::queries::analytics::{date_range, DEFAULT_ABANDONED_AFTER_HOURS, DEFAULT_LIMIT};
use crate::http::queries::params::Invalid;
use crate::http::AppState;

/// The analytics page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/analytics", get(show))
}

/// The page's query string, as its form sends it (empty fields are absent).
#[derive(Deserialize)]
pub struct RangeQuery {
    /// First UTC day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last UTC day, included (default: today).
    to: Option<String>,
    /// A store's slug: only its orders in the daily sales.
    store: Option<String>,
}

/// The last 30 UTC days up to today: the recent sales of the dashboard and the recent usage
/// of a coupon's page.
pub(super) fn last_30_days() -> Result<DateRange, PageError> {
    DateRange::last_days(Utc::now().date_naive(), 30).map_err(PageError::internal)
}

/// Everything the page shows.
struct Reports {
    range: DateRange,
    store: Option<String>,
    sales: Vec<CurrencySales>,
    by_units: Vec<CurrencyProducts>,
    by_revenue: Vec<CurrencyProducts>,
    coupons: Vec<CouponUsage>,
    funnel: CartFunnel,
}

/// `GET /admin/analytics?from&to&store`: a bad day or range is a 422 page naming the field.
pub async fn show(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PageQuery(query): PageQuery<RangeQuery>,
) -> Result<Markup, PageError> {
    let given = |value: Option<String>| value.filter(|value| !value.trim().is_empty());
    let mut invalid = Invalid::default();
    let range = date_range(
        &mut invalid,
        given(query.from).as_deref(),
        given(query.to).as_deref(),
    );
    let store = invalid.text("store", query.store);
    invalid.check()?;
    let pool = &state.pool;
    let idle_before = Utc::now() - Duration::hours(i64::from(DEFAULT_ABANDONED_AFTER_HOURS));
    let reports = Reports {
        sales: analytics::sales(pool, &range, store.as_deref())
            .await
            .map_err(ApiError::from)?,
        by_units: analytics::products(pool, &range, DEFAULT_LIMIT, ProductRank::Units)
            .await
            .map_err(ApiError::from)?,
        by_revenue: analytics::products(pool, &range, DEFAULT_LIMIT, ProductRank::Revenue)
            .await
            .map_err(ApiError::from)?,
        coupons: analytics::coupons(pool, &range)
            .await
            .map_err(ApiError::from)?,
        funnel: analytics::carts(pool, &range, idle_before)
            .await
            .map_err(ApiError::from)?,
        range,
        store,
    };
    Ok(page(
        &staff,
        "/admin/analytics",
        "Analytics",
        body(&reports),
    ))
}

fn body(reports: &Reports) -> Markup {
    html! {
        (range_form(reports))
        p { "Sales count on the UTC day of their payment, refunds on the day they were recorded; "
            "every figure is per currency. The figures follow the events within moments." }
        section aria-labelledby="daily-sales" {
            h2 id="daily-sales" { "Daily sales" }
            @if let Some(store) = &reports.store { p { "Orders of the store " code { (store) } " only." } }
            @if reports.sales.is_empty() { p { "No orders in these days." } }
            @for currency in &reports.sales { (daily_sales(currency)) }
        }
        section aria-labelledby="top-products" {
            h2 id="top-products" { "Top products" }
            @if reports.by_units.is_empty() { p { "No product sold in these days." } }
            @for (units, revenue) in reports.by_units.iter().zip(&reports.by_revenue) {
                (top_products(units, revenue))
            }
        }
        section aria-labelledby="coupon-usage" {
            h2 id="coupon-usage" { "Coupon usage" }
            (coupon_usage(&reports.coupons))
        }
        section aria-labelledby="cart-funnel" {
            h2 id="cart-funnel" { "Cart funnel" }
            (cart_funnel(&reports.funnel))
        }
    }
}

fn range_form(reports: &Reports) -> Markup {
    html! {
        form method="get" action="/admin/analytics" class="range" {
            div { label for="from" { "From" } input type="date" id="from" name="from" value=(reports.range.from()); }
            div { label for="to" { "To (included)" } input type="date" id="to" name="to" value=(reports.range.to()); }
            div {
                label for="store" { "Store (daily sales only)" }
                input id="store" name="store" maxlength="64" placeholder="every store"
                    value=(reports.store.as_deref().unwrap_or(""));
            }
            p { button type="submit" { "Show" } }
        }
    }
}

/// One currency's days: its totals, revenue and paid orders per day as columns, and the
/// figures of every day in a table (the dashboard shows the same revenue chart and table).
fn daily_sales(currency: &CurrencySales) -> Markup {
    let code = currency.currency.as_str();
    let count = |value: i64| value.to_string();
    let totals = &currency.totals;
    let orders: Vec<Point> = currency
        .days
        .iter()
        .map(|day| Point::new(day.day.to_string(), day.figures.orders))
        .collect();
    html! {
        h3 { (code) }
        p {
            (totals.orders) " paid orders, revenue " (money(&totals.gross_revenue))
            ", refunds " (money(&totals.refunds)) ", net " (money(&totals.net_revenue))
            ", average order value " (money(&totals.average_order_value))
        }
        div class="chart-grid" {
            (revenue_chart(currency))
            (chart::columns(&format!("Paid orders per day in {code}"), &orders, &count))
        }
        (days_table(currency))
    }
}

/// The figures of every day of one currency, in a table folded under the charts (their
/// text alternative).
pub(super) fn days_table(currency: &CurrencySales) -> Markup {
    let code = currency.currency.as_str();
    html! {
        details {
            summary { "Figures per day in " (code) }
            div class="table-wrap" {
                table {
                    thead { tr { th { "Day" } th { "Placed" } th { "Paid" } th { "Units" } th { "Revenue" } th { "Refunds" } } }
                    tbody {
                        @for day in &currency.days {
                            tr {
                                td { (day.day) } td { (day.figures.orders_placed) } td { (day.figures.orders) }
                                td { (day.figures.units) } td { (money(&day.figures.gross_revenue)) }
                                td { (money(&day.figures.refunds)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Revenue (what the paid orders were charged) per day of one currency, as columns.
pub(super) fn revenue_chart(currency: &CurrencySales) -> Markup {
    let code = currency.currency.as_str();
    let points: Vec<Point> = currency
        .days
        .iter()
        .map(|day| Point::new(day.day.to_string(), day.figures.gross_revenue.amount))
        .collect();
    chart::columns(&format!("Revenue per day in {code}"), &points, &|minor| {
        amount(minor, code)
    })
}

/// One currency's best products by net units and by net revenue.
fn top_products(by_units: &CurrencyProducts, by_revenue: &CurrencyProducts) -> Markup {
    let code = by_units.currency.as_str();
    let label = |name: &str, sku: &str| format!("{name} ({sku})");
    let units: Vec<Point> = by_units
        .products
        .iter()
        .map(|p| Point::new(label(&p.name, &p.sku), p.net_units))
        .collect();
    let revenue: Vec<Point> = by_revenue
        .products
        .iter()
        .map(|p| Point::new(label(&p.name, &p.sku), p.net_revenue.amount))
        .collect();
    html! {
        h3 { (code) }
        div class="chart-grid" {
            (chart::rows(&format!("Top products by units sold in {code}"), &units, &|v| v.to_string()))
            (chart::rows(&format!("Top products by revenue in {code}"), &revenue, &|minor| amount(minor, code)))
        }
        div class="table-wrap" {
            table {
                caption { "By revenue, net of discounts and refunds" }
                thead { tr { th { "#" } th { "SKU" } th { "Product" } th { "Orders" } th { "Units (net)" } th { "Revenue (net)" } } }
                tbody {
                    @for product in &by_revenue.products {
                        tr {
                            td { (product.rank) } td { (product.sku) } td { (product.name) } td { (product.orders) }
                            td { (product.net_units) } td { (money(&product.net_revenue)) }
                        }
                    }
                }
            }
        }
    }
}

fn coupon_usage(coupons: &[CouponUsage]) -> Markup {
    let redemptions: Vec<Point> = coupons
        .iter()
        .map(|c| Point::new(format!("{} ({})", c.code, c.currency), c.redemptions))
        .collect();
    html! {
        @if coupons.is_empty() { p { "No coupon used in these days." } } @else {
            (chart::rows("Redemptions per coupon", &redemptions, &|v| v.to_string()))
            div class="table-wrap" {
                table {
                    thead { tr { th { "Code" } th { "Redemptions" } th { "Released" } th { "Customers" } th { "Orders paid" } th { "Discount given" } th { "Revenue" } } }
                    tbody {
                        @for coupon in coupons {
                            tr {
                                td { (coupon.code) } td { (coupon.redemptions) } td { (coupon.releases) }
                                td { (coupon.customers) } td { (coupon.orders) }
                                td { (money(&coupon.discount_given)) }
                                td { (money(&coupon.gross_revenue)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn cart_funnel(funnel: &CartFunnel) -> Markup {
    let steps = [
        Point::new("Carts created", funnel.created),
        Point::new("With items", funnel.with_items),
        Point::new("Checked out", funnel.checked_out),
        Point::new("Paid", funnel.paid),
    ];
    let percent =
        |rate: Option<f64>| rate.map_or("–".to_string(), |r| format!("{:.1} %", r * 100.0));
    html! {
        p { "Of the carts created in these days, what they became since." }
        (chart::rows("Cart funnel", &steps, &|v| v.to_string()))
        dl class="figures" {
            @for step in &steps { dt { (step.label) } dd { (step.value) } }
            dt { "Conversion (checked out / with items)" } dd { (percent(funnel.conversion_rate)) }
            dt { "Abandoned (idle " (DEFAULT_ABANDONED_AFTER_HOURS) " h or more)" } dd { (funnel.abandoned) " (" (percent(funnel.abandonment_rate)) ")" }
            dt { "Still active" } dd { (funnel.active) }
            dt { "Empty" } dd { (funnel.empty) }
        }
    }
}
