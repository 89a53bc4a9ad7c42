//! The orders list: most recent first, 25 a page, searched by status, the start of an order
//! id, a customer (an account's email or id, or a guest's email), the placing date and the
//! store — all through the order read model's [`orders::search`].

use crate::backoffice::extract::PageQuery;
use axum::extract::State;
use chrono::{DateTime, Days, NaiveDate, Utc};
use commerce_aggregates::order::OrderStatus;
use commerce_projections::read_models::orders::{
    self, CustomerMatch, IdPrefix, OrderQuery, OrderSearch,
};
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::accounts::{find_by_email, normalize_email};
use crate::backoffice::layout::{instant, money, page, page_number, pager, short_id};
use crate::backoffice::{fields, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::AppState;

/// Orders per page of the list.
const PER_PAGE: u32 = 25;

/// The list's query string (every field may be empty: no filter).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    /// A status name.
    #[serde(default)]
    status: String,
    /// An order id or its start.
    #[serde(default)]
    order: String,
    /// A customer's email or account id.
    #[serde(default)]
    customer: String,
    /// Placed on or after this day (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    from: String,
    /// Placed on or before this day.
    #[serde(default)]
    to: String,
    /// A store's slug.
    #[serde(default)]
    store: String,
    /// From 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u32>,
}

/// `GET /admin/orders`.
pub async fn list(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    let page_number = page_number(query.page);
    let (filter, search) = filters(&state.pool, &query, page_number).await?;
    let found = orders::search(&state.pool, &filter, &search)
        .await
        .map_err(ApiError::from)?;
    let link = |page: u32| {
        let query = ListQuery {
            page: Some(page),
            ..query.clone_filters()
        };
        format!(
            "/admin/orders?{}",
            serde_urlencoded::to_string(&query).unwrap_or_default()
        )
    };
    let body = html! {
        (search_form(&query, filter.status))
        div class="table-wrap" {
            table {
                thead { tr { th { "Order" } th { "Placed" } th { "Status" } th { "Store" } th { "Items" } th { "Total" } } }
                tbody {
                    @for order in &found.items {
                        tr {
                            td { a href={ "/admin/orders/" (order.id) } { (short_id(order.id)) } }
                            td { (instant(&order.placed_at)) }
                            td { (order.status) }
                            td { (order.store) }
                            td { (order.lines.iter().map(|line| line.quantity).sum::<u32>()) }
                            td { (money(&order.total)) }
                        }
                    }
                }
            }
        }
        (pager(found.total, page_number, PER_PAGE, link))
    };
    Ok(page(&staff, "/admin/orders", "Orders", body))
}

impl ListQuery {
    fn clone_filters(&self) -> Self {
        Self {
            status: self.status.clone(),
            order: self.order.clone(),
            customer: self.customer.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            store: self.store.clone(),
            page: None,
        }
    }
}

fn search_form(query: &ListQuery, status: Option<OrderStatus>) -> Markup {
    html! {
        form method="get" action="/admin/orders" class="filters" role="search" {
            div {
                label for="status" { "Status" }
                select id="status" name="status" {
                    option value="" { "All" }
                    @for option in OrderStatus::ALL {
                        option value=(option.as_str()) selected[status == Some(option)] { (option.as_str()) }
                    }
                }
            }
            div {
                label for="order" { "Order id (or its start)" }
                input id="order" name="order" value=(query.order) maxlength="36";
            }
            div {
                label for="customer" { "Customer email or id" }
                input id="customer" name="customer" value=(query.customer) maxlength="254";
            }
            div {
                label for="from" { "Placed from (UTC)" }
                input id="from" name="from" type="date" value=(query.from);
            }
            div {
                label for="to" { "Placed until (UTC, inclusive)" }
                input id="to" name="to" type="date" value=(query.to);
            }
            div {
                label for="store" { "Store" }
                input id="store" name="store" value=(query.store) maxlength="64";
            }
            p { button type="submit" { "Search" } }
        }
    }
}

/// The read model's filters of `query`; 400 naming the field that is not understood.
async fn filters(
    pool: &PgPool,
    query: &ListQuery,
    page: u32,
) -> Result<(OrderQuery, OrderSearch), PageError> {
    let status = fields::filter(&query.status, OrderStatus::from_name, "order status")?;
    let id_prefix = match query.order.trim() {
        "" => None,
        text => Some(IdPrefix::parse(text).ok_or_else(|| {
            PageError::bad_request("the order id is hexadecimal digits (dashes allowed)")
        })?),
    };
    let customer = match query.customer.trim() {
        "" => None,
        text => Some(customer_match(pool, text).await?),
    };
    let from = day("from", &query.from)?.map(start_of);
    let to = day("to", &query.to)?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > start_of(to) {
            return Err(PageError::bad_request(
                "the first day is after the last day",
            ));
        }
    }
    let store = Some(query.store.trim())
        .filter(|store| !store.is_empty())
        .map(str::to_string);
    let filter = OrderQuery {
        customer_id: None,
        status,
        store,
        from,
        // The last day is included: before the next day starts.
        to: to
            .and_then(|day| day.checked_add_days(Days::new(1)))
            .map(start_of),
        page,
        per_page: PER_PAGE,
    };
    Ok((
        filter,
        OrderSearch {
            id_prefix,
            customer,
        },
    ))
}

/// An email names an account, a guest, or both; anything else must be an account id.
async fn customer_match(pool: &PgPool, text: &str) -> Result<CustomerMatch, PageError> {
    if text.contains('@') {
        let account = find_by_email(pool, text)
            .await
            .map_err(PageError::internal)?;
        return Ok(CustomerMatch {
            account: account.map(|account| account.id),
            guest_email: Some(normalize_email(text)),
        });
    }
    let id = Uuid::parse_str(text)
        .map_err(|_| PageError::bad_request("the customer is an email address or an account id"))?;
    Ok(CustomerMatch {
        account: Some(id),
        guest_email: None,
    })
}

fn day(field: &str, text: &str) -> Result<Option<NaiveDate>, PageError> {
    match text.trim() {
        "" => Ok(None),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| PageError::BadRequest(format!("{field}: a day as YYYY-MM-DD"))),
    }
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}
