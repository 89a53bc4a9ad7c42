//! `GET admin/messages`: the messages sent through the contact form, newest first, for
//! admins (they hold the senders' addresses and words: auditors and others get 403).

use axum::extract::State;
use axum::Json;
use commerce_projections::read_models::contact_messages::{self, ContactMessageView};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{page_of, QueryProblems};
use super::params::Invalid;
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::ApiQuery;
use crate::http::AppState;

/// Whether an admin has dealt with a message.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatusParam {
    /// Waiting for an admin.
    Open,
    /// Dealt with.
    Resolved,
}

impl MessageStatusParam {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
        }
    }
}

/// Status filter and page of the messages.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Only messages in this status.
    #[param(inline)]
    pub status: Option<MessageStatusParam>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

page_of!(
    /// A page of contact messages, newest first.
    ContactMessagePage,
    ContactMessageView
);

/// Lists the contact messages, newest first, optionally by status (admins).
#[utoipa::path(
    get,
    path = "/admin/messages",
    operation_id = "list_contact_messages",
    tag = "contact",
    params(MessagesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of messages", body = ContactMessagePage),
        QueryProblems,
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<ContactMessagePage>, ApiError> {
    user.require_admin()?;
    let mut invalid = Invalid::default();
    let request = invalid.pagination(query.page, query.per_page);
    invalid.check()?;
    let status = query.status.map(MessageStatusParam::as_str);
    let page = contact_messages::list(&state.pool, status, request).await?;
    Ok(Json(ContactMessagePage::try_from_page(page, Ok)?))
}
