//! The customers pages: every account, searched by email or name and filtered by role, and
//! one account with its profile, orders (from the orders read model) and address book, with
//! the admins' forms to change its role and to deactivate or reactivate it — the same
//! `auth` functions, with the same rules, as `PUT admin/users/{id}/role` and
//! `POST admin/users/{id}/deactivate|reactivate`.

use crate::backoffice::extract::PageForm;
use crate::backoffice::extract::{PagePath, PageQuery};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use commerce_aggregates::address_book::BookEntry;
use commerce_aggregates::Role;
use commerce_projections::read_models::orders::{self, OrderQuery, OrderView};
use commerce_projections::read_models::{MoneyView, PageRequest};
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::layout::{csrf_field, instant, money, page, page_number, pager, short_id};
use super::sessions::StaffSession;
use super::{fields, PageError, Staff};
use crate::auth::accounts::{self, Account, UserFilter};
use crate::auth::{addresses, status};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::AppState;

/// Accounts per page of the list.
const PER_PAGE: u32 = 25;
/// The customer's orders shown on their page (the most recent).
const ORDERS_SHOWN: u32 = 25;
/// The address book entries shown (a book holds few).
const ADDRESSES_SHOWN: u32 = 50;
/// The section's path.
const SECTION: &str = "/admin/customers";
/// Every role, in the order the filter and the role form offer them.
const ROLES: [Role; 4] = [Role::Customer, Role::Prime, Role::Auditor, Role::Admin];

/// The customers pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/customers", get(list))
        .route("/admin/customers/{id}", get(show))
        .route("/admin/customers/{id}/role", post(change_role))
        .route("/admin/customers/{id}/deactivate", post(deactivate))
        .route("/admin/customers/{id}/reactivate", post(reactivate))
}

/// The list's query string.
#[derive(Deserialize)]
pub struct ListQuery {
    /// Email or name contains this.
    #[serde(default)]
    q: String,
    /// A role name, or empty for all.
    #[serde(default)]
    role: String,
    /// From 1.
    page: Option<u32>,
}

/// `GET /admin/customers`: the accounts, oldest first, as `GET admin/users`.
async fn list(
    State(state): State<AppState>,
    Staff(staff): Staff,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    let role = fields::filter(&query.role, Role::parse, "role")?;
    if query.q.chars().any(char::is_control) {
        return Err(PageError::bad_request(
            "the search must not contain control characters",
        ));
    }
    let search = query.q.trim();
    let filter = UserFilter {
        role,
        q: (!search.is_empty()).then(|| search.to_string()),
    };
    let page_number = page_number(query.page);
    let found = accounts::list(
        &state.pool,
        &filter,
        PageRequest::new(page_number, PER_PAGE),
    )
    .await
    .map_err(ApiError::from)?;
    let link = |page: u32| {
        let pairs = [
            ("q", query.q.clone()),
            ("role", query.role.clone()),
            ("page", page.to_string()),
        ];
        let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
        format!("{SECTION}?{encoded}")
    };
    let body = html! {
        form method="get" action=(SECTION) {
            label for="q" { "Email or name contains" }
            input id="q" name="q" type="search" value=(query.q);
            label for="role" { "Role" }
            select id="role" name="role" {
                option value="" { "All" }
                @for option in ROLES {
                    option value=(option.as_str()) selected[role == Some(option)] { (option.as_str()) }
                }
            }
            p { button type="submit" { "Search" } }
        }
        div class="table-wrap" {
            table id="customers" {
                thead { tr {
                    th { "Email" } th { "Name" } th { "Role" } th { "Email verified" }
                    th { "Status" } th { "Joined" }
                } }
                tbody {
                    @for account in &found.items {
                        tr {
                            td { a href={ (SECTION) "/" (account.id) } { (account.email) } }
                            td { (account.name) }
                            td { (account.role.as_str()) }
                            td { (yes_no(account.email_verified)) }
                            td { (account_status(account)) }
                            td { (instant(&account.created_at)) }
                        }
                    }
                }
            }
        }
        (pager(found.total, page_number, PER_PAGE, link))
    };
    Ok(page(&staff, SECTION, "Customers", body))
}

/// `GET /admin/customers/{id}`.
async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<String>,
) -> Result<Markup, PageError> {
    let id = path_id(&id)?;
    let account = accounts::find(&state.pool, id)
        .await
        .map_err(ApiError::from)?
        .ok_or(PageError::NotFound("customer"))?;
    let figures = orders::customer_orders(&state.pool, id)
        .await
        .map_err(ApiError::from)?;
    let query = OrderQuery {
        customer_id: Some(id),
        status: None,
        store: None,
        from: None,
        to: None,
        page: 1,
        per_page: ORDERS_SHOWN,
    };
    let recent = orders::list(&state.pool, &query)
        .await
        .map_err(ApiError::from)?;
    let book = addresses::list(&state.pool, id, PageRequest::new(1, ADDRESSES_SHOWN))
        .await
        .map_err(ApiError::from)?;
    let body = html! {
        div class="cards" {
            (profile(&account))
            div class="card" {
                h2 { "Orders" }
                p { strong { (figures.order_count) } " orders" }
                p { "Spent: " (spent(&figures.amount_spent)) }
            }
        }
        @if staff.acts() { (actions(&account, &staff.0)) }
        h2 { "Recent orders" }
        (order_table(&recent.items))
        h2 { "Addresses" }
        (address_table(&book.items))
    };
    Ok(page(&staff.0, SECTION, &account.email, body))
}

fn profile(account: &Account) -> Markup {
    html! {
        div class="card" {
            h2 { "Profile" }
            dl class="terms" {
                dt { "Email" } dd { (account.email) }
                @if let Some(pending) = &account.pending_email { dt { "Moving to" } dd { (pending) } }
                dt { "Name" } dd { (account.name) }
                dt { "Role" } dd { strong id="role-now" { (account.role.as_str()) } }
                dt { "Email verified" } dd { (yes_no(account.email_verified)) }
                dt { "Status" } dd { (account_status(account)) }
                dt { "Joined" } dd { (instant(&account.created_at)) }
            }
        }
    }
}

fn spent(amounts: &[MoneyView]) -> String {
    if amounts.is_empty() {
        "nothing yet".into()
    } else {
        amounts.iter().map(money).collect::<Vec<_>>().join(", ")
    }
}

fn order_table(orders: &[OrderView]) -> Markup {
    html! {
        @if orders.is_empty() { p { "No orders." } } @else {
            div class="table-wrap" {
                table id="orders" {
                    thead { tr { th { "Order" } th { "Placed" } th { "Status" } th { "Total" } } }
                    tbody {
                        @for order in orders {
                            tr {
                                td { a href={ "/admin/orders/" (order.id) } { (short_id(order.id)) } }
                                td { (instant(&order.placed_at)) }
                                td { (order.status) }
                                td { (money(&order.total)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn address_table(entries: &[BookEntry]) -> Markup {
    html! {
        @if entries.is_empty() { p { "No saved address." } } @else {
            div class="table-wrap" {
                table id="addresses" {
                    thead { tr { th { "Label" } th { "Address" } th { "Default" } } }
                    tbody {
                        @for entry in entries {
                            @let a = &entry.address;
                            tr {
                                td { (entry.label.as_deref().unwrap_or("—")) }
                                td {
                                    (a.name) ", " (a.line1)
                                    @if let Some(line2) = &a.line2 { ", " (line2) }
                                    ", " (a.postal_code) " " (a.city) " (" (a.country) ")"
                                }
                                td { (yes_no(entry.is_default)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The role form, and the deactivate or reactivate form (not for the admin's own account,
/// which they cannot deactivate).
fn actions(account: &Account, staff: &StaffSession) -> Markup {
    let csrf = &staff.csrf_token;
    let base = format!("{SECTION}/{}", account.id);
    html! {
        h2 { "Actions" }
        div class="actions" {
            form method="post" action={ (base) "/role" } {
                (csrf_field(csrf))
                label for="new_role" { "Role" }
                select id="new_role" name="role" {
                    @for option in ROLES {
                        option value=(option.as_str()) selected[account.role == option] { (option.as_str()) }
                    }
                }
                p { button type="submit" { "Change role" } }
            }
            @if account.id != staff.user_id {
                @if account.active {
                    form method="post" action={ (base) "/deactivate" } {
                        (csrf_field(csrf))
                        p { "Ends the account's sessions and refuses its sign-ins." }
                        button type="submit" { "Deactivate account" }
                    }
                } @else {
                    form method="post" action={ (base) "/reactivate" } {
                        (csrf_field(csrf))
                        p { "Lets the account sign in again." }
                        button type="submit" { "Reactivate account" }
                    }
                }
            }
        }
    }
}

/// The role form.
#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /admin/customers/{id}/role` (admins): as `PUT admin/users/{id}/role` (the account's
/// sessions end; the last admin cannot be demoted).
async fn change_role(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<String>,
    request_id: RequestId,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let id = path_id(&id)?;
    let role = Role::parse(&form.role).ok_or_else(|| PageError::bad_request("unknown role"))?;
    accounts::change_role(&state.pool, id, role, &staff.metadata(&request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id))
}

/// `POST /admin/customers/{id}/deactivate` (admins): as `POST admin/users/{id}/deactivate`.
async fn deactivate(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<String>,
    request_id: RequestId,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let id = path_id(&id)?;
    let metadata = staff.metadata(&request_id);
    status::deactivate(&state.pool, id, staff.0.user_id, &metadata)
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id))
}

/// `POST /admin/customers/{id}/reactivate` (admins): as `POST admin/users/{id}/reactivate`.
async fn reactivate(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<String>,
    request_id: RequestId,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let id = path_id(&id)?;
    status::reactivate(&state.pool, id, &staff.metadata(&request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id))
}

/// The account a path names: anything but a UUID names none.
fn path_id(id: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(id).map_err(|_| PageError::NotFound("customer"))
}

/// Post/redirect/get: the account page (the accounts' table is written with the change, so
/// there is nothing to wait for).
fn back_to(id: Uuid) -> Response {
    Redirect::to(&format!("{SECTION}/{id}")).into_response()
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn account_status(account: &Account) -> Markup {
    html! {
        @if account.active { "active" } @else { span class="off" { "deactivated" } }
    }
}
