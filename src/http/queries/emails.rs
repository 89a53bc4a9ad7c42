//! `GET admin/emails`: the mailer's log — every email the events called for, newest first,
//! with its delivery status, never its body (admins and auditors).

use axum::extract::State;
use axum::Json;
use commerce_aggregates::Role;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{page_of, StaffQueryProblems};
use super::params::Invalid;
use crate::http::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::AppState;
use crate::mailer::log as email_log;
pub use crate::mailer::log::EmailView;

/// A delivery status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Waiting for (another) delivery attempt.
    Pending,
    /// Delivered.
    Sent,
    /// Given up after too many failed attempts.
    Failed,
}

impl EmailStatus {
    /// Every status, in the log's filter order.
    pub const ALL: [EmailStatus; 3] = [Self::Pending, Self::Sent, Self::Failed];

    /// The status as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

/// Status filter and page of the email log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailsQuery {
    /// Only emails in this status.
    #[param(inline)]
    pub status: Option<EmailStatus>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

page_of!(
    /// A page of the email log, newest first.
    EmailPage,
    EmailView
);

/// Lists the emails produced by events, newest first (admins and auditors).
#[utoipa::path(
    get,
    path = "/admin/emails",
    operation_id = "list_emails",
    tag = "back office",
    params(EmailsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of the email log", body = EmailPage),
        StaffQueryProblems,
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<EmailsQuery>,
) -> Result<Json<EmailPage>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let mut invalid = Invalid::default();
    let request = invalid.pagination(query.page, query.per_page);
    invalid.check()?;
    let status = query.status.map(EmailStatus::as_str);
    let page = email_log::list(&state.pool, status, request).await?;
    Ok(Json(EmailPage::try_from_page(page, Ok)?))
}
