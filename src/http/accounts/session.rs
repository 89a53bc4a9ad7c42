//! Handlers of `auth/*`: register, verify-email, login, refresh, logout, password reset.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::dto::{
    AccountView, LoginRequest, LogoutRequest, PasswordResetConfirm, PasswordResetRequest,
    RefreshRequest, RegisterRequest, TokenResponse, VerifyEmailRequest,
};
use super::ClientAddr;
use crate::auth::{accounts, email_tokens, sessions};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{parse_object, ApiBytes, ApiJson, RequestId};
use crate::http::AppState;

/// Creates a customer account. Its email is unverified until the emailed token is posted to
/// `auth/verify-email`; logging in is allowed meanwhile.
#[utoipa::path(post, path = "/auth/register", tag = "accounts", operation_id = "register",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created; a verification email is requested",
            body = AccountView, headers(("location" = String, description = "`/api/v1/me`"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email, name or password (policy), with field errors",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn register(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let registration = accounts::Registration {
        email: body.email,
        password: body.password,
        name: body.name,
    };
    let account = accounts::register(&state.pool, registration, &request_id).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, "/api/v1/me")],
        Json(AccountView::from(account)),
    )
        .into_response())
}

/// Verifies the account's email with the token from the verification email (single use).
#[utoipa::path(post, path = "/auth/verify-email", tag = "accounts", operation_id = "verify_email",
    request_body = VerifyEmailRequest,
    responses(
        (status = 204, description = "Email verified"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_token`: unknown, expired or already used",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn verify_email(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiJson(body): ApiJson<VerifyEmailRequest>,
) -> Result<StatusCode, ApiError> {
    email_tokens::verify_email(&state.pool, &body.token, &request_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Logs in. Failed attempts are throttled per account and per client address.
#[utoipa::path(post, path = "/auth/login", tag = "accounts", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_deactivated` (the password was right)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong body shape", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many failed attempts (see `Retry-After`)",
            body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u32, description = "Seconds to wait"))),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let pair = sessions::login(
        &state.pool,
        &state.config.token_settings(),
        &body.email,
        &body.password,
        client,
    )
    .await?;
    Ok(Json(pair.into()))
}

/// Exchanges a refresh token for a new access token and a new refresh token (the presented one
/// is used up; presenting it again revokes every token of its session).
#[utoipa::path(post, path = "/auth/refresh", tag = "accounts", operation_id = "refresh_tokens",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_refresh_token`: unknown, expired, revoked or reused",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_deactivated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong body shape", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let pair = sessions::refresh(
        &state.pool,
        &state.config.token_settings(),
        &body.refresh_token,
    )
    .await?;
    Ok(Json(pair.into()))
}

/// Logs out: the session's refresh tokens (the one in the body, or the access token's session)
/// and the presented access token stop working.
#[utoipa::path(post, path = "/auth/logout", tag = "accounts", operation_id = "logout",
    request_body(content = Option<LogoutRequest>, description = "Optional", content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong body shape", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub(super) async fn logout(
    user: AuthUser,
    State(state): State<AppState>,
    ApiBytes(body): ApiBytes,
) -> Result<StatusCode, ApiError> {
    let refresh_token = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        parse_logout_body(&body)?.and_then(|b| b.refresh_token)
    };
    sessions::logout(
        &state.pool,
        user.id,
        user.jti,
        user.expires_at,
        refresh_token.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The optional logout body (`null` too), with the same rejections as [`ApiJson`].
fn parse_logout_body(body: &[u8]) -> Result<Option<LogoutRequest>, ApiError> {
    parse_object(body, true)
}

/// Asks for a password-reset email. Always 202, whether or not the account exists.
#[utoipa::path(post, path = "/auth/password-reset", tag = "accounts", operation_id = "request_password_reset",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the account exists, a reset email is on its way"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an email address", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn request_password_reset(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> Result<StatusCode, ApiError> {
    let email = accounts::normalize_email(&body.email);
    let violations = accounts::check_email("email", &email);
    if !violations.is_empty() {
        return Err(crate::auth::AuthError::Invalid(violations).into());
    }
    email_tokens::request_password_reset(&state.pool, &email, &request_id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with the token from the reset email (single use). Every session of the
/// account ends.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "accounts",
    operation_id = "confirm_password_reset",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password changed"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_token`, or the new password breaks the policy (field errors)",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn confirm_password_reset(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiJson(body): ApiJson<PasswordResetConfirm>,
) -> Result<StatusCode, ApiError> {
    email_tokens::reset_password(&state.pool, &body.token, body.new_password, &request_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
