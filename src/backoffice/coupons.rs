//! The coupons pages: every coupon with its terms and live usage, one coupon with its usage
//! over the last 30 days, and the admins' forms to create, edit and deactivate a coupon, which
//! call the same use cases as `POST coupons`, `PATCH coupons/{code}` and
//! `POST coupons/{code}/deactivate`.

use crate::backoffice::extract::PageForm;
use crate::backoffice::extract::{PagePath, PageQuery};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use commerce_aggregates::coupon::{normalize_code, CouponError};
use commerce_projections::read_models::analytics::{self, CouponUsage};
use commerce_projections::read_models::coupons::{self, CouponView, DiscountView};
use commerce_projections::read_models::MoneyView;
use maud::{html, Markup};
use serde::Deserialize;

use super::analytics::last_30_days;
use super::coupon_form::{self, CouponForm};
use super::layout::{csrf_field, instant, money, page, page_number, pager};
use super::{AfterAction, PageError, Staff};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::queries::coupons::read_coupon;
use crate::http::queries::wait::Access;
use crate::http::AppState;
use crate::store::ExecuteError;
use crate::usecases::coupons::{self as usecase, CreatedCoupon};

/// Coupons per page of the list.
const PER_PAGE: u32 = 25;
/// The section's path.
const SECTION: &str = "/admin/coupons";

/// The coupons pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/coupons", get(list).post(create))
        .route("/admin/coupons/new", get(new_form))
        .route("/admin/coupons/{code}", get(show))
        .route("/admin/coupons/{code}/edit", post(update))
        .route("/admin/coupons/{code}/deactivate", post(deactivate))
}

/// The list's query string.
#[derive(Deserialize)]
pub struct ListQuery {
    /// From 1.
    page: Option<u32>,
}

/// `GET /admin/coupons`.
async fn list(
    State(state): State<AppState>,
    staff: Staff,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    let page_number = page_number(query.page);
    let found = coupons::list(&state.pool, page_number, PER_PAGE)
        .await
        .map_err(ApiError::from)?;
    let body = html! {
        @if staff.acts() {
            p { a href="/admin/coupons/new" { "New coupon" } }
        }
        div class="table-wrap" {
            table id="coupons" {
                thead { tr {
                    th { "Code" } th { "Discount" } th { "Minimum" } th { "Valid" }
                    th { "Limits" } th { "Active" } th { "Redemptions" } th { "Discount given" }
                } }
                tbody {
                    @for coupon in &found.items {
                        tr {
                            td { a href={ "/admin/coupons/" (coupon.code) } { (coupon.code) } }
                            td { (discount(&coupon.discount)) }
                            td { (optional_money(coupon.min_subtotal.as_ref())) }
                            td { (validity(coupon)) }
                            td { (limits(coupon)) }
                            td { (active(coupon)) }
                            td { (coupon.redemption_count) }
                            td { (optional_money(coupon.discount_given.as_ref())) }
                        }
                    }
                }
            }
        }
        (pager(found.total, page_number, PER_PAGE, |page| format!("{SECTION}?page={page}")))
    };
    Ok(page(&staff.0, SECTION, "Coupons", body))
}

/// `GET /admin/coupons/new` (admins).
async fn new_form(staff: Staff) -> Result<Markup, PageError> {
    staff.require_admin()?;
    let body = html! {
        form method="post" action=(SECTION) {
            (csrf_field(&staff.0.csrf_token))
            label for="code" { "Code (3–32 letters, digits, _ or -)" }
            input id="code" name="code" required minlength="3" maxlength="32"
                pattern="[A-Za-z0-9_-]{3,32}" autocomplete="off";
            (coupon_form::fields(None))
            p { button type="submit" { "Create coupon" } }
        }
    };
    Ok(page(&staff.0, SECTION, "New coupon", body))
}

/// `POST /admin/coupons` (admins): as `POST coupons`.
async fn create(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    PageForm(form): PageForm<CouponForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = form.new_coupon()?;
    let CreatedCoupon { code, version } =
        usecase::create_coupon(&state.stores, input, &staff.metadata(&request_id))
            .await
            .map_err(coupon_error)?;
    Ok(back_to(&code, version))
}

/// `GET /admin/coupons/{code}`: its terms, live usage, the last 30 days' usage and (admins)
/// the edit and deactivate forms.
async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(code): PagePath<String>,
    PageQuery(query): PageQuery<AfterAction>,
) -> Result<Markup, PageError> {
    let code = path_code(&code)?;
    let coupon = read_coupon(&state, &code, query.v, |_| Access::Visible).await?;
    let range = last_30_days()?;
    let usage: Vec<CouponUsage> = analytics::coupons(&state.pool, &range)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .filter(|usage| usage.code == coupon.code)
        .collect();
    let body = html! {
        div class="cards" {
            div class="card" { h2 { "Terms" } (terms(&coupon)) }
            div class="card" {
                h2 { "Usage" }
                p { strong { (coupon.redemption_count) } " live redemptions" }
                p { "Discount given: " (optional_money(coupon.discount_given.as_ref())) }
            }
        }
        h2 { "Last 30 days" }
        (recent_usage(&usage))
        @if staff.acts() { (actions(&coupon, &staff.0.csrf_token)) }
    };
    Ok(page(
        &staff.0,
        SECTION,
        &format!("Coupon {}", coupon.code),
        body,
    ))
}

fn terms(coupon: &CouponView) -> Markup {
    html! {
        dl class="terms" {
            dt { "Discount" } dd { (discount(&coupon.discount)) }
            dt { "Minimum subtotal" } dd { (optional_money(coupon.min_subtotal.as_ref())) }
            dt { "Valid" } dd { (validity(coupon)) }
            dt { "Roles" } dd {
                @if coupon.eligible_roles.is_empty() { "everyone" } @else { (coupon.eligible_roles.join(", ")) }
            }
            dt { "Limits" } dd { (limits(coupon)) }
            dt { "Status" } dd { (active(coupon)) }
            dt { "Created" } dd { (instant(&coupon.created_at)) }
            dt { "Changed" } dd { (instant(&coupon.updated_at)) " (version " (coupon.version) ")" }
        }
    }
}

fn recent_usage(usage: &[CouponUsage]) -> Markup {
    html! {
        @if usage.is_empty() { p { "Not used in the last 30 days." } } @else {
            div class="table-wrap" {
                table id="usage" {
                    thead { tr {
                        th { "Currency" } th { "Redemptions" } th { "Released" } th { "Customers" }
                        th { "Paid orders" } th { "Discount given" } th { "Revenue" }
                    } }
                    tbody {
                        @for row in usage {
                            tr {
                                td { (row.currency) }
                                td { (row.redemptions) }
                                td { (row.releases) }
                                td { (row.customers) }
                                td { (row.orders) }
                                td { (money(&row.discount_given)) }
                                td { (money(&row.gross_revenue)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The edit form, and the deactivate form while the coupon is active.
fn actions(coupon: &CouponView, csrf: &str) -> Markup {
    let base = format!("/admin/coupons/{}", coupon.code);
    html! {
        h2 { "Actions" }
        div class="actions" {
            @if coupon.active {
                form method="post" action={ (base) "/edit" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(coupon.version);
                    (coupon_form::fields(Some(coupon)))
                    p { button type="submit" { "Save terms" } }
                }
                form method="post" action={ (base) "/deactivate" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(coupon.version);
                    p { "A deactivated coupon can no longer be used nor changed." }
                    button type="submit" { "Deactivate" }
                }
            } @else {
                p { "This coupon is deactivated: it can no longer be used nor changed." }
            }
        }
    }
}

/// `POST /admin/coupons/{code}/edit` (admins): as `PATCH coupons/{code}` with every term and
/// `If-Match`.
async fn update(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(code): PagePath<String>,
    request_id: RequestId,
    PageForm(form): PageForm<CouponForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let code = path_code(&code)?;
    let expected = form.expected_version()?;
    let changes = form.changes()?;
    let metadata = staff.metadata(&request_id);
    let version = usecase::update_coupon(&state.stores, &code, changes, &metadata, Some(expected))
        .await
        .map_err(coupon_error)?;
    Ok(back_to(&code, version))
}

/// The deactivate form.
#[derive(Deserialize)]
pub struct DeactivateForm {
    #[serde(default)]
    version: String,
}

/// `POST /admin/coupons/{code}/deactivate` (admins): as `POST coupons/{code}/deactivate`.
async fn deactivate(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(code): PagePath<String>,
    request_id: RequestId,
    PageForm(form): PageForm<DeactivateForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let code = path_code(&code)?;
    let expected = super::fields::version(&form.version)?;
    let metadata = staff.metadata(&request_id);
    let version = usecase::deactivate_coupon(&state.stores, &code, &metadata, Some(expected))
        .await
        .map_err(coupon_error)?;
    Ok(back_to(&code, version))
}

/// The coupon a path names: a code no coupon can have names none.
fn path_code(code: &str) -> Result<String, PageError> {
    normalize_code(code).map_err(|_| PageError::NotFound("coupon"))
}

fn coupon_error(error: ExecuteError<CouponError>) -> PageError {
    match error {
        ExecuteError::Domain(CouponError::NotFound) => PageError::NotFound("coupon"),
        other => ApiError::from(other).into(),
    }
}

/// Post/redirect/get: the coupon page, once its read model shows `version`.
fn back_to(code: &str, version: usize) -> Response {
    Redirect::to(&format!("/admin/coupons/{code}?v={version}")).into_response()
}

fn discount(discount: &DiscountView) -> String {
    match discount {
        DiscountView::Percent(percent) => format!("{percent} %"),
        DiscountView::Fixed(amount) => money(amount),
    }
}

fn optional_money(amount: Option<&MoneyView>) -> String {
    amount.map_or_else(|| "—".to_string(), money)
}

fn validity(coupon: &CouponView) -> String {
    match (&coupon.starts_at, &coupon.expires_at) {
        (None, None) => "always".into(),
        (Some(from), None) => format!("from {}", instant(from)),
        (None, Some(to)) => format!("until {}", instant(to)),
        (Some(from), Some(to)) => format!("{} – {}", instant(from), instant(to)),
    }
}

fn limits(coupon: &CouponView) -> String {
    let total = coupon
        .max_redemptions
        .map_or_else(|| "no total limit".to_string(), |n| format!("{n} in all"));
    let each = coupon
        .max_per_customer
        .map_or_else(|| "no limit each".to_string(), |n| format!("{n} each"));
    format!("{total}, {each}")
}

fn active(coupon: &CouponView) -> Markup {
    html! {
        @if coupon.active { "active" } @else { span class="off" { "deactivated" } }
    }
}
