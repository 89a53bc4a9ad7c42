//! Handlers of the caller's own account: `PATCH me` (name), `POST me/email` and
//! `POST me/password` (both with a fresh token) and `POST auth/verify-email/resend`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::dto::{AccountView, EmailChange, NameChange, PasswordChange};
use crate::auth::{accounts, profile, status};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, RequestId};
use crate::http::AppState;

/// Changes the caller's display name.
#[utoipa::path(patch, path = "/me", tag = "accounts", operation_id = "rename_me",
    request_body = NameChange,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account with its new name", body = AccountView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid, expired or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account no longer exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name (field errors) or body shape",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub(super) async fn rename(
    user: AuthUser,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiJson(body): ApiJson<NameChange>,
) -> Result<Json<AccountView>, ApiError> {
    let metadata = user.metadata(&request_id);
    let account = accounts::rename(&state.pool, user.id, &body.name, &metadata).await?;
    Ok(Json(account.into()))
}

/// Asks to move the account to another email address. Needs a fresh token (a password login
/// within `FRESH_TOKEN_SECONDS`) and the password. The address changes only once the token
/// mailed to the new address is posted to `auth/verify-email`; the old address is then told.
#[utoipa::path(post, path = "/me/email", tag = "accounts", operation_id = "change_my_email",
    request_body = EmailChange,
    security(("bearer_auth" = [])),
    responses(
        (status = 202, description = "A confirmation is mailed to the new address; the account \
            shows it as `pending_email`", body = AccountView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`fresh_token_required`, or a missing, invalid, expired or revoked token",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_password`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an email address, or the current one (field errors)",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many wrong passwords (see `Retry-After`)",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub(super) async fn change_email(
    user: AuthUser,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiJson(body): ApiJson<EmailChange>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    user.require_fresh(state.config.accounts.fresh_token)?;
    let metadata = user.metadata(&request_id);
    let account = profile::request_email_change(
        &state.pool,
        user.id,
        &body.new_email,
        &body.password,
        &metadata,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(account.into())))
}

/// Changes the password. Needs a fresh token and the current password. Every other session
/// of the account ends (its refresh and access tokens are revoked); the caller's stays usable.
#[utoipa::path(post, path = "/me/password", tag = "accounts", operation_id = "change_my_password",
    request_body = PasswordChange,
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Password changed; the other sessions ended"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`fresh_token_required`, or a missing, invalid, expired or revoked token",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_password`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password breaks the policy or is the current one (field errors)",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many wrong passwords (see `Retry-After`)",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub(super) async fn change_password(
    user: AuthUser,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    user.require_fresh(state.config.accounts.fresh_token)?;
    let metadata = user.metadata(&request_id);
    profile::change_password(
        &state.pool,
        user.id,
        user.jti,
        &body.current_password,
        body.new_password,
        &metadata,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mails the caller a new verification link: at most one a minute and five an hour.
#[utoipa::path(post, path = "/auth/verify-email/resend", tag = "accounts",
    operation_id = "resend_verification_email",
    security(("bearer_auth" = [])),
    responses(
        (status = 202, description = "A new verification email is on its way"),
        (status = 401, description = "Missing, invalid, expired or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account no longer exists", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_already_verified`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: asked too often (see `Retry-After`)",
            body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u32, description = "Seconds to wait"))),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub(super) async fn resend_verification(
    user: AuthUser,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
) -> Result<StatusCode, ApiError> {
    status::resend_verification(&state.pool, user.id, &user.metadata(&request_id)).await?;
    Ok(StatusCode::ACCEPTED)
}
