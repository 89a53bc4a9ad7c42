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
    ("/admin/messages", "Messages"),
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
fieldset{border:1px solid #dde1e6;margin:.75rem 0;padding:.25rem .75rem .75rem;max-width:24rem}
fieldset label{display:inline-flex;gap:.35rem;margin:.25rem 1rem .25rem 0;font-weight:400}
fieldset input[type=checkbox]{width:auto}
dl.terms{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.terms dd{margin:0}
.off{color:#8a2a2a;font-weight:600}
.message{white-space:pre-wrap}
article.card{margin:.75rem 0}
.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem;align-items:end}
.ok{background:#e6f4ea;border:1px solid #9ccfa8;padding:.5rem .75rem}
.notice{background:#fff8e1;border:1px solid #e6cf8b;padding:.5rem .75rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8125rem;max-width:40rem}
code{overflow-wrap:anywhere}
td form{display:inline-block;margin:.25rem .5rem .25rem 0}
td form input[type=checkbox]{width:auto}
tr.new{background:#eef5ff}
nav.actions{margin:.5rem 0 1rem}
.chart{margin:.75rem 0;max-width:48rem}
.chart figcaption{font-size:.875rem;font-weight:500}
.chart svg{display:block;width:100%;height:auto;background:#fff;border:1px solid #dde1e6}
.chart rect{fill:#0b57d0}
.chart .bar:hover rect{fill:#083f9a}
.chart text{font-size:12px;fill:#1b1f24}
.chart .grid{stroke:#dde1e6}
.chart-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:0 1rem}
form.range{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}
.figures{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}
.figures dd{margin:0}
.cards.counts{grid-template-columns:repeat(auto-fill,minmax(7.5rem,1fr));gap:.5rem}
.counts .card{padding:.4rem .6rem}
.counts p{margin:0}
@media print{header.top{display:none}}
.inline-form{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:end}
.inline-form label{margin:0;font-weight:400;font-size:.875rem}
.inline-form input{width:auto;max-width:9rem}
.gallery{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}
.gallery img{max-width:10rem;height:auto;border:1px solid #dde1e6;background:#fff}
.status{font-weight:600}
"#;

/// Money as people read it: `29.99 USD`, `1999 JPY`, `1.999 KWD` (the currency's own
/// minor-unit digits, as the domain formats them).
pub fn money(view: &commerce_projections::read_models::MoneyView) -> String {
    amount(view.amount, &view.currency)
}

/// `minor` units of `currency` as people read them (see [`money`]). Stored codes are always
/// three letters; anything else is shown in minor units rather than guessed at.
pub fn amount(minor: i64, currency: &str) -> String {
    match commerce_aggregates::Currency::from_stored(currency) {
        Ok(parsed) => format!("{} {parsed}", parsed.format_minor(minor)),
        Err(_) => format!("{minor} (minor units) {currency}"),
    }
}

/// An instant as `2026-12-07 06:58 UTC`.
pub fn instant(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The page a list's `page` parameter asks for: the first when absent or 0.
pub fn page_number(asked: Option<u32>) -> u32 {
    asked.unwrap_or(1).max(1)
}

/// How many pages of `per_page` hold `total` items (at least one, for an empty list).
pub fn page_count(total: i64, per_page: u32) -> u32 {
    u32::try_from(total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(per_page.max(1))
        .max(1)
}

/// "n in all · page p of q" and the previous/next links of a paged list; `link` gives the URL
/// of a page (keeping the list's filters).
pub fn pager(total: i64, page: u32, per_page: u32, link: impl Fn(u32) -> String) -> Markup {
    let pages = page_count(total, per_page);
    html! {
        p { (total) " in all · page " (page) " of " (pages) }
        nav aria-label="Pages" class="actions" {
            @if page > 1 { a href=(link(page - 1)) rel="prev" { "Previous page" } }
            @if page < pages { a href=(link(page + 1)) rel="next" { "Next page" } }
        }
    }
}

/// The first block of a UUID (8 hex digits), enough to tell orders apart on a page and to
/// find one again with the orders search.
pub fn short_id(id: uuid::Uuid) -> String {
    id.simple().to_string()[..8].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_the_digits_of_its_currency() {
        assert_eq!(amount(2999, "USD"), "29.99 USD");
        assert_eq!(amount(-5, "EUR"), "-0.05 EUR");
        assert_eq!(amount(1999, "JPY"), "1999 JPY");
        assert_eq!(amount(1999, "KWD"), "1.999 KWD");
    }

    #[test]
    fn pages_are_counted_up() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
    }
}
