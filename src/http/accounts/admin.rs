//! Handlers of an admin's user page: `GET admin/users/{id}` (admins and auditors) and
//! `POST admin/users/{id}/deactivate` / `reactivate` (admins).

use axum::extract::State;
use axum::Json;
use commerce_aggregates::Role;
use commerce_projections::read_models::orders;
use uuid::Uuid;

use super::dto::{AccountView, UserDetails};
use crate::auth::{accounts, status};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;

/// An account with its orders in figures (admins and auditors). The figures come from the
/// orders read model, so an order placed a moment ago may not count yet.
#[utoipa::path(get, path = "/admin/users/{id}", tag = "accounts", operation_id = "get_user",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account, its order count and amount spent per currency",
            body = UserDetails),
        (status = 401, description = "Missing, invalid, expired or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither admin nor auditor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id, target = %id))]
pub(super) async fn user(
    user: AuthUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<UserDetails>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let account = accounts::find(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let figures = orders::customer_orders(&state.pool, id).await?;
    Ok(Json(UserDetails {
        account: account.into(),
        order_count: figures.order_count,
        amount_spent: figures.amount_spent,
    }))
}

/// Deactivates an account (admins): its sessions end at once — its access tokens are refused
/// on their next request, its refresh tokens too — and its logins answer 403
/// `account_deactivated` until it is reactivated. An admin cannot deactivate their own account
/// nor the last active admin.
#[utoipa::path(post, path = "/admin/users/{id}/deactivate", tag = "accounts",
    operation_id = "deactivate_user",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account, `deactivated` (again)", body = AccountView),
        (status = 401, description = "Missing, invalid, expired or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`cannot_deactivate_self` or `last_admin`",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id, target = %id))]
pub(super) async fn deactivate(
    user: AuthUser,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AccountView>, ApiError> {
    user.require_admin()?;
    let account = status::deactivate(&state.pool, id, user.id, &user.metadata(&request_id)).await?;
    Ok(Json(account.into()))
}

/// Reactivates an account (admins): it can log in again (its old sessions stay ended).
#[utoipa::path(post, path = "/admin/users/{id}/reactivate", tag = "accounts",
    operation_id = "reactivate_user",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account, `active` (again)", body = AccountView),
        (status = 401, description = "Missing, invalid, expired or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id, target = %id))]
pub(super) async fn reactivate(
    user: AuthUser,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AccountView>, ApiError> {
    user.require_admin()?;
    let account = status::reactivate(&state.pool, id, &user.metadata(&request_id)).await?;
    Ok(Json(account.into()))
}
