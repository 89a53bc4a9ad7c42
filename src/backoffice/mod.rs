//! The back office: server-rendered pages under `/admin/` for staff, served by the HTTP
//! process itself (nothing fetched from elsewhere; one small script of our own, the live
//! events view's).
//!
//! Sign-in uses the accounts' own credential check; the session is a random id in an
//! HttpOnly, SameSite=Strict cookie, stored hashed in Postgres ([`sessions`]). Every POST
//! carries the session's CSRF token (before sign-in, the login form's own cookie token),
//! checked here once for all forms by [`guard`]. Admins read and act, auditors only read
//! (their POSTs are 403 and no action button is shown), other roles are refused.
//!
//! Actions call the same use cases as the JSON API, and pages read the read models.

mod analytics;
mod audit;
mod chart;
mod coupon_form;
mod coupons;
mod customers;
mod dashboard;
mod emails;
mod events;
mod layout;
mod login;
mod messages;
mod orders;
mod page_error;
pub mod sessions;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use commerce_aggregates::Role;

pub use page_error::PageError;
use sessions::StaffSession;

use crate::http::AppState;

/// The session cookie (its value is the random session id).
pub const SESSION_COOKIE: &str = "bo_session";
/// The sign-in form's CSRF cookie, set before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "bo_login_csrf";
/// The form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// The largest form body the back office reads.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The back office's routes, each behind [`guard`].
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::redirect_to_slash))
        .route("/admin/", get(dashboard::page_handler))
        .route(layout::STYLESHEET_PATH, get(layout::stylesheet))
        .route("/admin/login", get(login::form).post(login::sign_in))
        .route("/admin/logout", post(login::sign_out))
        .route("/admin/products", get(dashboard::not_built))
        .route("/admin/inventory", get(dashboard::not_built))
        .merge(coupons::routes())
        .merge(customers::routes())
        .merge(messages::routes())
        .merge(orders::routes())
        .merge(audit::routes())
        .merge(events::routes())
        .merge(emails::routes())
        .merge(analytics::routes())
        .layer(middleware::from_fn_with_state(state, guard))
}

/// Resolves the session once per request (into the request's extensions) and refuses any
/// POST whose form does not carry the expected CSRF token (403) before a handler runs.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let session = match cookie(request.headers(), SESSION_COOKIE) {
        Some(value) => match sessions::find(&state.pool, &value).await {
            Ok(session) => session,
            Err(error) => return PageError::internal(error).into_response(),
        },
        None => None,
    };
    let mut request = request;
    if request.method() == Method::POST {
        let expected = match &session {
            Some(session) => Some(session.csrf_token.clone()),
            None => cookie(request.headers(), LOGIN_CSRF_COOKIE),
        };
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return PageError::bad_request("the form is too large").into_response();
        };
        let posted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| {
                fields
                    .into_iter()
                    .find_map(|(name, value)| (name == CSRF_FIELD).then_some(value))
            });
        let valid = matches!((&expected, &posted),
            (Some(expected), Some(posted)) if same_token(expected, posted));
        if !valid {
            return PageError::Forbidden(
                "the form's security token is missing or wrong; reload the page and try again"
                    .into(),
            )
            .into_response();
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    if let Some(session) = session {
        request.extensions_mut().insert(session);
    }
    next.run(request).await
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_string())
        })
}

/// The signed-in admin or auditor of a page; anyone else is sent to sign in (no session) or
/// refused (403, another role).
pub struct Staff(pub StaffSession);

impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, PageError> {
        let session = parts
            .extensions
            .get::<StaffSession>()
            .cloned()
            .ok_or(PageError::SignInRequired)?;
        match session.role {
            Role::Admin | Role::Auditor => Ok(Self(session)),
            _ => Err(PageError::Forbidden(
                "the back office is for admins and auditors".into(),
            )),
        }
    }
}

impl Staff {
    /// 403 unless an admin: auditors read only.
    pub fn require_admin(&self) -> Result<(), PageError> {
        if self.0.role == Role::Admin {
            Ok(())
        } else {
            Err(PageError::Forbidden("auditors can read but not act".into()))
        }
    }

    /// Whether action buttons are shown.
    pub fn acts(&self) -> bool {
        self.0.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; bo_session=abc; b=2".parse().expect("header"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, LOGIN_CSRF_COOKIE), None);
    }

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
