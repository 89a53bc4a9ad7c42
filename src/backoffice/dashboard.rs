//! The dashboard (`/admin/`) and the sections not built yet.

use axum::extract::OriginalUri;
use axum::response::Redirect;
use maud::{html, Markup};

use super::layout::page;
use super::Staff;

/// `GET /admin`: to `/admin/`, where the pages' relative world starts.
pub async fn redirect_to_slash() -> Redirect {
    Redirect::permanent("/admin/")
}

/// `GET /admin/`.
pub async fn page_handler(Staff(staff): Staff) -> Markup {
    let body = html! {
        p { "Signed in as " (staff.email) " (" (staff.role.as_str()) ")." }
        ul { li { a href="/admin/orders" { "Orders" } } }
    };
    page(&staff, "/admin/", "Dashboard", body)
}

/// A section listed in the navigation whose pages are still to come.
pub async fn not_built(Staff(staff): Staff, OriginalUri(uri): OriginalUri) -> Markup {
    let body = html! { p { "This section is not built yet." } };
    page(&staff, uri.path(), "Not built yet", body)
}
