//! HTTP routes of accounts and authentication: registration, email verification, login,
//! refresh, logout and password reset on the command API (`routes`); `GET me` and the admins'
//! user list and user page on the query API (`query_routes`); the user's own changes
//! (`profile`: name, email, password, verification email again); admins change roles and
//! deactivate or reactivate accounts (`admin`).
//!
//! The work is done by [`crate::auth`]; this module maps requests and errors. No route ever
//! returns an email token: see the `auth` module documentation for how the mailer gets one.

mod admin;
mod dto;
mod profile;
mod session;
mod users;

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, patch, post, put};
use axum::Router;
use utoipa::OpenApi;

use super::error::{ApiError, FieldError, Problem};
use super::AppState;
use crate::auth::AuthError;

pub use dto::{
    AccountPage, AccountView, EmailChange, LoginRequest, LogoutRequest, NameChange, PasswordChange,
    PasswordResetConfirm, PasswordResetRequest, RefreshRequest, RegisterRequest, RoleChange,
    RoleDto, TokenResponse, UserDetails, VerifyEmailRequest,
};

/// The account routes of the command API, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(session::register))
        .route("/auth/verify-email", post(session::verify_email))
        .route("/auth/login", post(session::login))
        .route("/auth/refresh", post(session::refresh))
        .route("/auth/logout", post(session::logout))
        .route(
            "/auth/password-reset",
            post(session::request_password_reset),
        )
        .route(
            "/auth/password-reset/confirm",
            post(session::confirm_password_reset),
        )
        .route("/admin/users/{id}/role", put(users::change_role))
        .route("/me", patch(profile::rename))
        .route("/me/email", post(profile::change_email))
        .route("/me/password", post(profile::change_password))
        .route(
            "/auth/verify-email/resend",
            post(profile::resend_verification),
        )
        .route("/admin/users/{id}/deactivate", post(admin::deactivate))
        .route("/admin/users/{id}/reactivate", post(admin::reactivate))
}

/// The account routes of the query API, relative to `/api/v1`.
pub fn query_routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(users::me))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}", get(admin::user))
}

/// The OpenAPI description of this module's routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        session::register,
        session::verify_email,
        session::login,
        session::refresh,
        session::logout,
        session::request_password_reset,
        session::confirm_password_reset,
        users::change_role,
        users::me,
        users::list,
        profile::rename,
        profile::change_email,
        profile::change_password,
        profile::resend_verification,
        admin::user,
        admin::deactivate,
        admin::reactivate,
    ),
    components(schemas(
        RegisterRequest,
        LoginRequest,
        RefreshRequest,
        LogoutRequest,
        VerifyEmailRequest,
        PasswordResetRequest,
        PasswordResetConfirm,
        RoleChange,
        RoleDto,
        TokenResponse,
        AccountView,
        AccountPage,
        NameChange,
        EmailChange,
        PasswordChange,
        UserDetails,
        Problem,
        FieldError,
    )),
    tags((name = "accounts", description = "Accounts, authentication and roles"))
)]
pub struct Api;

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Invalid(violations) => {
                ApiError::invalid_fields(violations.into_iter().map(|v| (v.field, v.message)))
            }
            AuthError::EmailTaken => ApiError::conflict("email_taken", error.to_string()),
            AuthError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                error.to_string(),
            ),
            AuthError::Throttled { retry_after } => {
                ApiError::retry_later("too many failed login attempts", retry_after)
            }
            AuthError::InvalidRefreshToken => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_refresh_token",
                error.to_string(),
            ),
            AuthError::InvalidEmailToken => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_token",
                error.to_string(),
            ),
            AuthError::UserNotFound => ApiError::not_found("user"),
            AuthError::LastAdmin => ApiError::conflict("last_admin", error.to_string()),
            AuthError::AccountDeactivated => {
                ApiError::forbidden(error.to_string()).with_code("account_deactivated")
            }
            AuthError::WrongPassword => {
                ApiError::forbidden(error.to_string()).with_code("wrong_password")
            }
            AuthError::EmailUnverified => {
                ApiError::forbidden(error.to_string()).with_code("email_unverified")
            }
            AuthError::AlreadyVerified => {
                ApiError::conflict("email_already_verified", error.to_string())
            }
            AuthError::CannotDeactivateSelf => {
                ApiError::conflict("cannot_deactivate_self", error.to_string())
            }
            AuthError::TooSoon { retry_after } => {
                ApiError::retry_later("asked too often", retry_after)
            }
            AuthError::Database(e) => ApiError::from(e),
            AuthError::Hashing(_) | AuthError::Signing(_) => ApiError::internal(error),
        }
    }
}

/// The client's IP address, when the server was started with connection info
/// (`into_make_service_with_connect_info::<SocketAddr>()`); used for login throttling.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_covers_every_account_route() {
        let doc = Api::openapi();
        for path in [
            "/auth/register",
            "/auth/verify-email",
            "/auth/login",
            "/auth/refresh",
            "/auth/logout",
            "/auth/password-reset",
            "/auth/password-reset/confirm",
            "/admin/users/{id}/role",
            "/me",
            "/admin/users",
            "/me/email",
            "/me/password",
            "/auth/verify-email/resend",
            "/admin/users/{id}",
            "/admin/users/{id}/deactivate",
            "/admin/users/{id}/reactivate",
        ] {
            assert!(doc.paths.paths.contains_key(path), "{path} is undocumented");
        }
    }

    #[test]
    fn throttling_answers_429_with_retry_after() {
        use axum::response::IntoResponse;
        let error = AuthError::Throttled {
            retry_after: std::time::Duration::from_secs(90),
        };
        let response = ApiError::from(error).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "90");
    }
}
