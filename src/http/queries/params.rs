//! What query routes share about their inputs: pagination and text checks that collect every
//! invalid parameter into one 422 problem, `min_version`, and the optional caller of the
//! public routes.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use commerce_projections::read_models::{PageRequest, DEFAULT_PER_PAGE, MAX_PER_PAGE};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, FieldError};
use crate::http::AppState;

/// Longest accepted free-text parameter (`q`, `category`, `tag`), in characters.
pub const MAX_TEXT_LEN: usize = 200;

/// `?min_version=`: the routes reading one aggregate wait until its read model has reached
/// this version (the `version` of a command response).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadQuery {
    /// Answer only once the read model has applied this version of the aggregate (waits at
    /// most `READ_WAIT_TIMEOUT_MS`, then 503 `read_model_behind`); 0 or absent: no wait.
    #[param(minimum = 0)]
    pub min_version: Option<u64>,
}

/// `?page=&per_page=` of a plain list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

impl PageQuery {
    /// The page asked for, or a 422 naming the invalid parameters.
    pub fn checked(self) -> Result<PageRequest, ApiError> {
        let mut invalid = Invalid::default();
        let page = invalid.pagination(self.page, self.per_page);
        invalid.check()?;
        Ok(page)
    }
}

/// The invalid parameters of one request, answered together as a 422.
#[derive(Debug, Default)]
pub struct Invalid(Vec<FieldError>);

impl Invalid {
    /// Records that `field` is invalid.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// 422 listing every invalid parameter, if any.
    pub fn check(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let fields: Vec<&str> = self.0.iter().map(|e| e.field.as_str()).collect();
        Err(ApiError::validation(
            format!("invalid query parameters: {}", fields.join(", ")),
            self.0,
        ))
    }

    /// `page` (default 1, at least 1) and `per_page` (default 20, `1..=100`).
    pub fn pagination(&mut self, page: Option<u32>, per_page: Option<u32>) -> PageRequest {
        let page = page.unwrap_or(1);
        if page < 1 {
            self.push("page", "must be at least 1");
        }
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            self.push("per_page", format!("must be between 1 and {MAX_PER_PAGE}"));
        }
        PageRequest::new(page, per_page)
    }

    /// A free-text parameter, trimmed; blank is absent. Longer than [`MAX_TEXT_LEN`] or with
    /// control characters (Postgres text cannot hold NUL) is invalid.
    pub fn text(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let value = value?;
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        if value.chars().count() > MAX_TEXT_LEN {
            self.push(field, format!("at most {MAX_TEXT_LEN} characters"));
            return None;
        }
        if value.chars().any(char::is_control) {
            self.push(field, "must not contain control characters");
            return None;
        }
        Some(value.to_string())
    }
}

/// The caller of a public route: none without an `Authorization` header; with one, the token
/// must be valid (a bad token is 401 even where none is needed, so clients notice it).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl MaybeUser {
    /// True for admins and auditors.
    pub fn reads_everything(&self) -> bool {
        self.0.as_ref().is_some_and(AuthUser::reads_everything)
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Ok(Self(None));
        }
        AuthUser::from_request_parts(parts, state)
            .await
            .map(|user| Self(Some(user)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_defaults_and_bounds() {
        let mut invalid = Invalid::default();
        assert_eq!(
            invalid.pagination(None, None),
            PageRequest::new(1, DEFAULT_PER_PAGE)
        );
        assert!(invalid.check().is_ok());
        let mut invalid = Invalid::default();
        invalid.pagination(Some(0), Some(101));
        let error = invalid.check().expect_err("invalid");
        assert_eq!(error.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn text_is_trimmed_and_checked() {
        let mut invalid = Invalid::default();
        assert_eq!(invalid.text("q", Some("  mug ".into())), Some("mug".into()));
        assert_eq!(invalid.text("q", Some("   ".into())), None);
        assert!(invalid.check().is_ok());
        let mut invalid = Invalid::default();
        invalid.text("q", Some("a\0b".into()));
        invalid.text("tag", Some("x".repeat(MAX_TEXT_LEN + 1)));
        assert!(invalid.check().is_err());
    }
}
