//! Handlers of `me`, `admin/users` (admins and auditors) and `admin/users/{id}/role` (admins).

use axum::extract::State;
use axum::Json;
use commerce_aggregates::Role;
use commerce_projections::read_models::{PageRequest, DEFAULT_PER_PAGE, MAX_PER_PAGE};
use uuid::Uuid;

use super::dto::{AccountPage, AccountView, RoleChange, UserListQuery};
use crate::auth::accounts::{self, UserFilter};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, RequestId};
use crate::http::AppState;

/// The caller's account.
#[utoipa::path(get, path = "/me", tag = "accounts", operation_id = "get_me",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The caller's account", body = AccountView),
        (status = 401, description = "Missing, invalid or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account no longer exists",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub(super) async fn me(
    user: AuthUser,
    State(state): State<AppState>,
) -> Result<Json<AccountView>, ApiError> {
    let account = accounts::find(&state.pool, user.id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(account.into()))
}

/// Lists accounts, oldest first (admins and auditors).
#[utoipa::path(get, path = "/admin/users", tag = "accounts", operation_id = "list_users",
    params(UserListQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = AccountPage),
        (status = 401, description = "Missing, invalid or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither admin nor auditor",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page, per_page or role",
            body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub(super) async fn list(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<UserListQuery>,
) -> Result<Json<AccountPage>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let page = query.page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::invalid_field("page", "must be at least 1"));
    }
    let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ApiError::invalid_field(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.chars().any(char::is_control))
    {
        return Err(ApiError::invalid_field(
            "q",
            "must not contain control characters",
        ));
    }
    let filter = UserFilter {
        role: query.role.map(Role::from),
        q: query.q.filter(|q| !q.trim().is_empty()),
    };
    let found = accounts::list(&state.pool, &filter, PageRequest::new(page, per_page)).await?;
    Ok(Json(AccountPage {
        items: found.items.into_iter().map(AccountView::from).collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    }))
}

/// Changes an account's role (admins). The account's sessions end, so its next login carries
/// the new role. The last admin cannot be demoted.
#[utoipa::path(put, path = "/admin/users/{id}/role", tag = "accounts", operation_id = "change_user_role",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = RoleChange,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account with its new role", body = AccountView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or revoked access token",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id, target = %id))]
pub(super) async fn change_role(
    user: AuthUser,
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RoleChange>,
) -> Result<Json<AccountView>, ApiError> {
    user.require_admin()?;
    let account = accounts::change_role(
        &state.pool,
        id,
        body.role.into(),
        &user.metadata(&request_id),
    )
    .await?;
    Ok(Json(account.into()))
}
