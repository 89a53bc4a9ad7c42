//! The one HTTP error type: every failure becomes an RFC 9457 `application/problem+json`
//! document with a stable `code`.
//!
//! Validation 422, unauthenticated 401, forbidden 403, missing (or someone else's) 404,
//! conflict with the current state 409, failed `If-Match` 412, too large 413, too many 429,
//! dependency down 503 (with `Retry-After`); anything unexpected is 500 with an opaque body
//! and its cause in the log.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use commerce_aggregates::cart::CartError;
use commerce_aggregates::category::CategoryError;
use commerce_aggregates::coupon::CouponError;
use commerce_aggregates::order::{OrderError, RejectionReason};
use commerce_aggregates::product::ProductError;
use commerce_aggregates::tag::TagError;
use commerce_aggregates::ErrorKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::{ExecuteError, StoreError};
use crate::usecases::OrderChangeError;

/// The realm of the `WWW-Authenticate` challenges.
const REALM: &str = "commerce";
/// The challenge of a 401 without a more precise one (no credentials, bad login).
const BARE_CHALLENGE: &str = "Bearer realm=\"commerce\"";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field (`variants[0].price`), or the parameter name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An RFC 9457 problem document (also read back by clients of the API, the tests among them).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type (`/problems/<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// Stable machine-readable code (`out_of_stock`, `validation_failed`, …).
    pub code: String,
    /// Invalid fields, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error answered as a problem document.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<u32>,
    /// The `WWW-Authenticate` challenge of a 401 (a bare `Bearer` one when unset).
    challenge: Option<String>,
    cause: Option<anyhow::Error>,
}

impl ApiError {
    /// A problem with `status`, `code` and `detail`.
    pub fn new(status: StatusCode, code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            challenge: None,
            cause: None,
        }
    }

    /// 422 with the invalid fields listed.
    pub fn validation(detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                detail,
            )
        }
    }

    /// 422 for one invalid field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::validation(
            format!("{field}: {message}"),
            vec![FieldError {
                field: field.to_string(),
                message,
            }],
        )
    }

    /// 400: the body is not JSON at all.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 403: authenticated, not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 404: missing, or not the caller's.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 409 with a domain code.
    pub fn conflict(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 412: `If-Match` named another version than the current one.
    pub fn version_mismatch(expected: usize, actual: usize) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "version_mismatch",
            format!("If-Match expected version {expected}, the current version is {actual}"),
        )
    }

    /// 409: concurrent commits kept winning the race; the request may be sent again.
    pub fn concurrent_modification() -> Self {
        Self::conflict(
            "concurrent_modification",
            "the resource kept changing concurrently; retry the request",
        )
    }

    /// 503: a dependency is down; retry after `seconds`.
    pub fn unavailable(detail: impl Into<String>, seconds: u32) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                detail,
            )
        }
    }

    /// 500: logged with its cause, answered opaquely.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "an unexpected error occurred; it has been logged",
            )
        }
    }

    /// Answers 429 after `seconds`.
    pub fn too_many_requests(detail: impl Into<String>, seconds: u32) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
        }
    }

    /// Answers 429 until `wait` has passed: `Retry-After` in whole seconds, rounded up (at
    /// least 1, so a client never retries at once), also named in the detail.
    pub fn retry_later(detail: &str, wait: std::time::Duration) -> Self {
        let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let seconds = u32::try_from(whole.max(1)).unwrap_or(u32::MAX);
        Self::too_many_requests(format!("{detail}; retry in {seconds} s"), seconds)
    }

    /// 422 listing each invalid field of a form (`field`, `message`).
    pub fn invalid_fields(fields: impl IntoIterator<Item = (String, String)>) -> Self {
        let errors = fields
            .into_iter()
            .map(|(field, message)| FieldError { field, message })
            .collect();
        Self::validation("some fields are invalid", errors)
    }

    /// 401 `code` with the RFC 6750 challenge `error` (`invalid_token`, …) and its
    /// `description` (plain words, no quotes), plus `extra` parameters (`max_age=300`).
    pub fn bearer_challenge(code: &str, error: &str, description: &str, extra: &str) -> Self {
        let mut challenge = format!(
            "Bearer realm=\"{REALM}\", error=\"{error}\", error_description=\"{description}\""
        );
        if !extra.is_empty() {
            challenge.push_str(", ");
            challenge.push_str(extra);
        }
        Self {
            challenge: Some(challenge),
            ..Self::new(StatusCode::UNAUTHORIZED, code, description)
        }
    }

    /// The same problem under another stable code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Its stable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// What went wrong, for a person (the back office shows it on its pages).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The invalid fields of a 422 (empty otherwise).
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    fn title(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("Error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        } else if self.status.is_server_error() {
            tracing::warn!(code = %self.code, detail = %self.detail, "request failed");
        }
        let problem = Problem {
            kind: format!("/problems/{}", self.code),
            title: self.title().to_string(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            errors: self.errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 9110: a 401 names the scheme that would be accepted.
            let challenge = self
                .challenge
                .and_then(|c| HeaderValue::from_str(&c).ok())
                .unwrap_or_else(|| HeaderValue::from_static(BARE_CHALLENGE));
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        // Unreachable, restarting or shutting down (a session ended by a fast shutdown is
        // SQLSTATE 57P01): the client should retry, not report a bug.
        if crate::db::unavailable(&error) {
            tracing::warn!(%error, "database unavailable");
            return ApiError::unavailable("the database is unavailable", 2);
        }
        ApiError::internal(error)
    }
}

/// The HTTP status of a domain error's kind: invalid input 422, missing or not the caller's
/// 404, forbidden 403, refused by the aggregate's current state 409.
pub fn kind_status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Conflict => StatusCode::CONFLICT,
    }
}

/// A domain error with a stable code and a kind.
pub trait DomainError: std::error::Error {
    /// The stable code (`out_of_stock`, …).
    fn code(&self) -> &'static str;
    /// What kind of refusal it is, which decides the status.
    fn kind(&self) -> ErrorKind;
}

macro_rules! domain_error {
    ($($error:ty),*) => {$(
        impl DomainError for $error {
            fn code(&self) -> &'static str {
                <$error>::code(self)
            }
            fn kind(&self) -> ErrorKind {
                <$error>::kind(self)
            }
        }
        impl From<$error> for ApiError {
            fn from(error: $error) -> Self {
                ApiError::new(kind_status(error.kind()), error.code(), error.to_string())
            }
        }
    )*};
}

// The store aggregate's error by its path: `StoreError` here is the event store's.
domain_error!(
    ProductError,
    CartError,
    OrderError,
    CouponError,
    CategoryError,
    TagError,
    commerce_aggregates::store::StoreError
);

impl<E: DomainError> From<ExecuteError<E>> for ApiError
where
    ApiError: From<E>,
{
    fn from(error: ExecuteError<E>) -> Self {
        match error {
            ExecuteError::Domain(e) => ApiError::from(e),
            ExecuteError::VersionMismatch { expected, actual } => {
                ApiError::version_mismatch(expected, actual)
            }
            ExecuteError::Conflict => ApiError::concurrent_modification(),
            ExecuteError::Store(error) => error.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "event store unavailable");
                ApiError::unavailable("the event store is unavailable", 2)
            }
            failed @ StoreError::Failed(_) => ApiError::internal(failed),
        }
    }
}

impl From<RejectionReason> for ApiError {
    fn from(reason: RejectionReason) -> Self {
        ApiError::conflict(reason.code(), format!("order refused: {reason}"))
    }
}

impl From<OrderChangeError> for ApiError {
    fn from(error: OrderChangeError) -> Self {
        match error {
            OrderChangeError::NotFound => ApiError::not_found("order"),
            OrderChangeError::Order(error) => error.into(),
            OrderChangeError::Product(error) => error.into(),
            OrderChangeError::Coupon(error) => error.into(),
            OrderChangeError::Refused(reason) => reason.into(),
            OrderChangeError::VersionMismatch { expected, actual } => {
                ApiError::version_mismatch(expected, actual)
            }
            OrderChangeError::Conflict => ApiError::concurrent_modification(),
            OrderChangeError::Store(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_kinds_map_to_the_documented_statuses() {
        assert_eq!(
            kind_status(ErrorKind::Invalid),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(kind_status(ErrorKind::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(kind_status(ErrorKind::Forbidden), StatusCode::FORBIDDEN);
        assert_eq!(kind_status(ErrorKind::Conflict), StatusCode::CONFLICT);
    }

    #[test]
    fn domain_errors_answer_the_status_of_their_kind_with_their_code() {
        let e = ApiError::from(CartError::NotOwner);
        assert_eq!((e.status(), e.code()), (StatusCode::NOT_FOUND, "not_owner"));
        let e = ApiError::from(CartError::EmptyCart);
        assert_eq!((e.status(), e.code()), (StatusCode::CONFLICT, "empty_cart"));
        let e = ApiError::from(ProductError::InvalidSku { sku: "a b".into() });
        assert_eq!(
            (e.status(), e.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_sku")
        );
        let role = commerce_aggregates::Role::Auditor;
        let e = ApiError::from(OrderError::RoleNotPermitted { role });
        assert_eq!((e.status(), e.code()), (StatusCode::FORBIDDEN, "forbidden"));
    }

    #[test]
    fn version_mismatch_is_412_and_conflict_is_409() {
        let e: ApiError = ExecuteError::<CartError>::VersionMismatch {
            expected: 1,
            actual: 2,
        }
        .into();
        assert_eq!(e.status(), StatusCode::PRECONDITION_FAILED);
        let e: ApiError = ExecuteError::<CartError>::Conflict.into();
        assert_eq!(e.status(), StatusCode::CONFLICT);
    }

    #[tokio::test]
    async fn problems_are_problem_json_with_retry_after_when_unavailable() {
        let response = ApiError::unavailable("db down", 3).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
    }

    #[test]
    fn every_401_carries_a_bearer_challenge() {
        let bare = ApiError::unauthorized("no token").into_response();
        assert_eq!(
            bare.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"commerce\""
        );
        let expired =
            ApiError::bearer_challenge("token_expired", "invalid_token", "The token expired", "")
                .into_response();
        assert_eq!(
            expired.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"commerce\", error=\"invalid_token\", \
             error_description=\"The token expired\""
        );
        let forbidden = ApiError::forbidden("no").into_response();
        assert!(forbidden.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn an_unreachable_database_is_503_and_a_failed_statement_500() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        for error in [sqlx::Error::PoolTimedOut, sqlx::Error::Io(refused)] {
            let e = ApiError::from(error);
            assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(e.code(), "service_unavailable");
        }
        let e = ApiError::from(sqlx::Error::RowNotFound);
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn an_unavailable_store_is_503_and_a_failed_one_500() {
        let e = ApiError::from(StoreError::Unavailable("down".into()));
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let e = ApiError::from(StoreError::Failed("cannot decode event 3".into()));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.code(), "internal_error");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let response = ApiError::internal(anyhow::anyhow!("secret detail")).into_response();
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("secret detail"), "{text}");
        assert!(text.contains("internal_error"));
    }
}
