//! axum's `Path`, `Query` and `Form` for pages: a malformed path, query string or form is
//! refused with the status axum gives it (400, 415, 422…) as a page, like every other refusal
//! of the back office, instead of axum's plain text.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;

use super::PageError;
use crate::http::error::ApiError;

/// A path parameter (`axum::extract::Path`).
pub struct PagePath<T>(pub T);

/// A query string (`axum::extract::Query`).
pub struct PageQuery<T>(pub T);

/// An urlencoded form (`axum::Form`).
pub struct PageForm<T>(pub T);

/// axum's refusal as a page, with its status and text.
fn refused(rejection: impl IntoResponse + std::fmt::Display) -> PageError {
    let why = rejection.to_string();
    let status = rejection.into_response().status();
    PageError::Api(ApiError::new(status, "invalid_request", why))
}

impl<T, S> FromRequestParts<S> for PagePath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(refused)
    }
}

impl<T, S> FromRequestParts<S> for PageQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(refused)
    }
}

impl<T, S> FromRequest<S> for PageForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        axum::Form::<T>::from_request(request, state)
            .await
            .map(|axum::Form(value)| Self(value))
            .map_err(refused)
    }
}
