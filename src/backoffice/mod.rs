//! The back office: server-rendered pages under `/admin/` for staff, served by the HTTP
//! process itself (nothing fetched from elsewhere; one small script of our own, the live
//! events view's).
//!
//! Sign-in uses the accounts' own credential check; the session is a random id in an
//! HttpOnly, SameSite=Strict cookie, stored hashed in Postgres ([`sessions`]). Every POST
//! carries the session's CSRF token (before sign-in, the login form's own cookie token),
//! checked here once for all forms by [`guard`] (an image upload's multipart form too, within
//! the media upload limit; every other form is urlencoded and small). Admins read and act,
//! auditors only read (their POSTs are 403 and no action button is shown), other roles are
//! refused.
//!
//! Actions call the same use cases as the JSON API, and pages read the read models.

mod analytics;
mod audit;
mod catalogue;
mod chart;
mod coupon_form;
mod coupons;
mod customers;
mod dashboard;
mod emails;
mod events;
mod extract;
mod fields;
mod inventory;
mod layout;
mod login;
mod messages;
mod orders;
mod page_error;
mod product_actions;
mod product_forms;
mod product_page;
mod products;
pub mod sessions;

use axum::body::{Body, Bytes};
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

use crate::http::extract::payload_too_large;
use crate::http::extract::RequestId;
use crate::http::AppState;
use crate::store::{Actor, CommandMetadata};

/// The session cookie (its value is the random session id).
pub const SESSION_COOKIE: &str = "bo_session";
/// The sign-in form's CSRF cookie, set before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "bo_login_csrf";
/// The form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// The largest form body the back office reads, but for an image upload's (within the media
/// upload limit, like the API's).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The back office's routes, each behind [`guard`].
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::redirect_to_slash))
        .route("/admin/", get(dashboard::page_handler))
        .route(layout::STYLESHEET_PATH, get(layout::stylesheet))
        .route("/admin/login", get(login::form).post(login::sign_in))
        .route("/admin/logout", post(login::sign_out))
        .merge(coupons::routes())
        .merge(customers::routes())
        .merge(messages::routes())
        .merge(orders::routes())
        .merge(audit::routes())
        .merge(events::routes())
        .merge(emails::routes())
        .merge(analytics::routes())
        .merge(products::routes())
        .merge(catalogue::routes())
        .merge(inventory::routes())
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
        let Some(expected) = expected else {
            // No token to compare with: refused before any body is read.
            return csrf_refused();
        };
        let (parts, body) = request.into_parts();
        let upload = products::takes_upload(parts.uri.path())
            .then(|| multipart_boundary(&parts.headers))
            .flatten();
        let limit = match upload {
            Some(_) => state.config.media.upload_body_limit(),
            None => MAX_FORM_BYTES,
        };
        let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
            return match upload {
                Some(_) => PageError::Api(payload_too_large()).into_response(),
                None => PageError::bad_request("the form is too large").into_response(),
            };
        };
        let posted = match upload {
            Some(boundary) => multipart_field(bytes.clone(), boundary, CSRF_FIELD).await,
            None => urlencoded_field(&bytes, CSRF_FIELD),
        };
        if !posted.is_some_and(|posted| same_token(&expected, &posted)) {
            return csrf_refused();
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    if let Some(session) = session {
        request.extensions_mut().insert(session);
    }
    next.run(request).await
}

/// 403: a form without the expected token.
fn csrf_refused() -> Response {
    PageError::Forbidden(
        "the form's security token is missing or wrong; reload the page and try again".into(),
    )
    .into_response()
}

/// The value of field `name` in an urlencoded form.
fn urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find_map(|(field, value)| (field == name).then_some(value))
}

/// The boundary of a `multipart/form-data` body, if the request announces one.
fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// The text of field `name` in a multipart form already read (the first such field); the
/// other fields, the file among them, are skipped.
async fn multipart_field(body: Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
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

/// The query string of a page an action redirects to (post/redirect/get): the version its
/// read model must show first, so the page shows the action's result.
#[derive(serde::Deserialize)]
pub struct AfterAction {
    /// The version the action committed.
    pub v: Option<u64>,
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

    /// The metadata of a command this staff member issues from a page: their account and
    /// role as the actor, the request's id.
    pub fn metadata(&self, request_id: &RequestId) -> CommandMetadata {
        CommandMetadata::new(Actor::user(self.0.user_id, self.0.role), &request_id.0)
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

    #[tokio::test]
    async fn a_multipart_forms_token_is_found_after_its_file() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
                    Content-Type: image/png\r\n\r\ncsrf\r\n--b\r\n\
                    Content-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n--b--\r\n";
        let field = |name| multipart_field(Bytes::from(body), "b".into(), name);
        assert_eq!(field(CSRF_FIELD).await.as_deref(), Some("tok"));
        assert_eq!(field("version").await, None);
        let broken = multipart_field(Bytes::from("csrf=tok"), "b".into(), CSRF_FIELD);
        assert_eq!(broken.await, None);
    }

    #[test]
    fn only_the_image_upload_route_takes_a_multipart_form() {
        let id = "0f5e3c9a-7b1d-4c2e-9a8f-3d6b1e2c4a5f";
        assert!(products::takes_upload(&format!(
            "/admin/products/{id}/images"
        )));
        assert!(!products::takes_upload(&format!(
            "/admin/products/{id}/publish"
        )));
        assert!(!products::takes_upload("/admin/products/x/images"));
        assert!(!products::takes_upload("/admin/orders/images"));
    }

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
