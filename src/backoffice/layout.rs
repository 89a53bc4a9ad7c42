//! The back office's page frame: the document head, the header with the signed-in account
//! and its logout form, the navigation, and the stylesheet the engine serves itself (no
//! script, nothing fetched from elsewhere).

use axum::http::header;
use axum::response::IntoResponse;
use maud::{html, Markup, DOCTYPE};

use super::sessions::StaffSession;

/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/admin/style.css";

/// The sections in the navigation: (path, label).
const SECTIONS: &[(&str, &str)] = &[
    ("/admin/", "Dashboard"),
    ("/admin/orders", "Orders"),
    ("/admin/products", "Products"),
    ("/admin/inventory", "Inventory"),
    ("/admin/coupons", "Coupons"),
    ("/admin/customers", "Customers"),
    ("/admin/analytics", "Analytics"),
    ("/admin/audit", "Audit"),
    ("/admin/events", "Events"),
];

/// A full page for `staff`: `title` in the head and as the heading, `body` under it.
pub fn page(staff: &StaffSession, current: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header class="top" {
                    a class="brand" href="/admin/" { "Commerce back office" }
                    nav aria-label="Sections" {
                        ul {
                            @for (path, label) in SECTIONS {
                                li {
                                    @if *path == current {
                                        a href=(path) aria-current="page" { (label) }
                                    } @else {
                                        a href=(path) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    form class="logout" method="post" action="/admin/logout" {
                        span class="who" { (staff.email) " (" (staff.role.as_str()) ")" }
                        (csrf_field(&staff.csrf_token))
                        button type="submit" { "Sign out" }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page without the navigation (sign-in, errors before sign-in).
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                main class="narrow" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Back office" }
            link rel="stylesheet" href=(STYLESHEET_PATH);
        }
    }
}

/// The hidden field carrying the session's CSRF token, in every form.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// `GET /admin/style.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

/// Small and hand-written: one column on a phone, the header in one row from 48rem.
const STYLESHEET: &str = r#"
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b57d0}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.75rem 1rem;background:#1b1f24;color:#fff}
header.top a{color:#fff;text-decoration:none}
header.top a[aria-current=page]{text-decoration:underline}
.brand{font-weight:600}
nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
.logout{margin-left:auto;display:flex;gap:.5rem;align-items:center}
.who{font-size:.875rem;opacity:.85}
main{padding:1rem;max-width:80rem;margin:0 auto}
main.narrow{max-width:26rem}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #dde1e6}
.table-wrap{overflow-x:auto}
label{display:block;margin:.75rem 0 .25rem;font-weight:500}
input,select,textarea{font:inherit;padding:.4rem;width:100%;max-width:24rem}
button{font:inherit;padding:.4rem .9rem;cursor:pointer}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.5rem .75rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.card{background:#fff;border:1px solid #dde1e6;padding:.75rem 1rem;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:1rem}
.actions form{background:#fff;border:1px solid #dde1e6;padding:.75rem}
@media (min-width:48rem){header.top{flex-wrap:nowrap}}
.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem;align-items:end}
.inline-form{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:end}
.inline-form label{margin:0;font-weight:400;font-size:.875rem}
.inline-form input{width:auto;max-width:9rem}
.gallery{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}
.gallery img{max-width:10rem;height:auto;border:1px solid #dde1e6;background:#fff}
.status{font-weight:600}
"#;

/// Money as people read it: `29.99 USD` (every currency the engine takes has two decimals).
pub fn money(view: &commerce_projections::read_models::MoneyView) -> String {
    let sign = if view.amount < 0 { "-" } else { "" };
    let amount = view.amount.unsigned_abs();
    format!(
        "{sign}{}.{:02} {}",
        amount / 100,
        amount % 100,
        view.currency
    )
}

/// An instant as `2026-12-07 06:58 UTC`.
pub fn instant(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "Previous page" / "Next page" links of a paged list: `link(n)` is page `n`'s address.
pub fn pager(page: u32, pages: u32, link: impl Fn(u32) -> String) -> Markup {
    html! {
        nav aria-label="Pages" class="actions" {
            @if page > 1 { a href=(link(page - 1)) rel="prev" { "Previous page" } }
            @if page < pages { a href=(link(page + 1)) rel="next" { "Next page" } }
        }
    }
}

/// How many pages `total` items fill at `per_page` a page (at least one).
pub fn page_count(total: i64, per_page: u32) -> u32 {
    u32::try_from(total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(per_page.max(1))
        .max(1)
}

/// An amount typed as people write it (`12`, `12.5`, `12.50`) in minor units (`1250`), the
/// way [`money`] shows it back; `None` unless it is digits with at most two decimals.
pub fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, fraction) = match text.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (text, ""),
    };
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return None;
    }
    let cents = format!("{fraction:0<2}").parse::<i64>().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_in_minor_units() {
        assert_eq!(parse_amount("12.50"), Some(1250));
        assert_eq!(parse_amount(" 12.5 "), Some(1250));
        assert_eq!(parse_amount("12"), Some(1200));
        assert_eq!(parse_amount("0.07"), Some(7));
        for bad in [
            "",
            ".5",
            "12.",
            "12.505",
            "-1",
            "1e3",
            "12,50",
            "99999999999999999999",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_are_counted_up() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
    }
}
