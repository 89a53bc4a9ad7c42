//! How a back-office page fails: as a small HTML page with the status (a redirect to the
//! sign-in page when there is no session). A 5xx stays opaque and logged, as in the API.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout::bare_page;
use crate::http::error::ApiError;

/// A page's refusal or failure.
#[derive(Debug)]
pub enum PageError {
    /// No session: to the sign-in page.
    SignInRequired,
    /// 403 with why.
    Forbidden(String),
    /// 404 of what.
    NotFound(&'static str),
    /// 400 with why.
    BadRequest(String),
    /// A use case's or query's error, mapped as the API maps it.
    Api(ApiError),
}

impl PageError {
    /// A failure the user cannot act on (logged, 500).
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Api(ApiError::internal(error))
    }

    /// 400 with `why`.
    pub fn bad_request(why: &str) -> Self {
        Self::BadRequest(why.into())
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, detail, fields) = match self {
            Self::SignInRequired => return Redirect::to("/admin/login").into_response(),
            Self::Forbidden(why) => (StatusCode::FORBIDDEN, why, Vec::new()),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, format!("no such {what}"), Vec::new()),
            Self::BadRequest(why) => (StatusCode::BAD_REQUEST, why, Vec::new()),
            Self::Api(error) if error.status().is_server_error() => return error.into_response(),
            Self::Api(error) => (
                error.status(),
                error.detail().to_string(),
                error.errors().to_vec(),
            ),
        };
        let title = status.canonical_reason().unwrap_or("Error");
        let body = html! {
            p class="error" role="alert" { (detail) }
            @if !fields.is_empty() {
                ul { @for field in &fields { li { code { (field.field) } ": " (field.message) } } }
            }
            p { a href="/admin/" { "Back to the back office" } }
        };
        (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            bare_page(title, body),
        )
            .into_response()
    }
}
