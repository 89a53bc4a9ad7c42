//! The contact form: anyone sends a message (`POST contact`, signed in or not: a signed-in
//! sender's user id is recorded); admins mark it resolved
//! (`POST admin/messages/{id}/resolve`). The messages are read in `GET admin/messages`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::contact::ContactError;
use commerce_aggregates::ErrorKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{CommandHeaders, CommandJson, CommandProblems, CommandResponse, OptionalJson};
use super::preconditions::{Admin, IfMatch};
use crate::http::accounts::ClientAddr;
use crate::http::error::{kind_status, ApiError, DomainError, Problem};
use crate::http::extract::{ApiPath, RequestId};
use crate::http::queries::params::MaybeUser;
use crate::http::AppState;
use crate::usecases::contact::{self, ContactLimits, NewContactMessage, SendContactError};

/// `POST contact`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// The sender's name: one line, 1–100 characters.
    #[schema(example = "Ann Smith", min_length = 1, max_length = 100)]
    pub name: String,
    /// Where the admins reply to.
    #[schema(example = "ann@example.com", max_length = 254)]
    pub email: String,
    /// One line, 1–200 characters.
    #[schema(example = "Where is my order?", min_length = 1, max_length = 200)]
    pub subject: String,
    /// 1–5,000 characters; line breaks and tabs allowed.
    #[schema(
        example = "I ordered a week ago and have heard nothing since.",
        min_length = 1,
        max_length = 5000
    )]
    pub message: String,
}

/// `POST admin/messages/{id}/resolve` (the body is optional).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveMessageRequest {
    /// What was done, for the other admins (at most 1,000 characters).
    #[serde(default)]
    #[schema(example = "Refunded the missing cup.", max_length = 1000)]
    pub note: Option<String>,
}

impl DomainError for ContactError {
    fn code(&self) -> &'static str {
        ContactError::code(self)
    }
    fn kind(&self) -> ErrorKind {
        ContactError::kind(self)
    }
}

impl From<ContactError> for ApiError {
    fn from(error: ContactError) -> Self {
        match error {
            ContactError::Invalid(violations) => ApiError::invalid_fields(
                violations
                    .into_iter()
                    .map(|v| (v.field.to_owned(), v.message)),
            ),
            ContactError::NotFound => ApiError::not_found("message"),
            other => ApiError::new(kind_status(other.kind()), other.code(), other.to_string()),
        }
    }
}

impl From<SendContactError> for ApiError {
    fn from(error: SendContactError) -> Self {
        match error {
            SendContactError::Message(error) => error.into(),
            SendContactError::Throttled(throttled) => {
                ApiError::retry_later("too many contact messages", throttled.retry_after)
            }
            SendContactError::Database(error) => error.into(),
        }
    }
}

/// Sends a message to the shop's admins (each is emailed, with `Reply-To` the sender).
/// Throttled per client address and per sender email (`CONTACT_MESSAGES_PER_HOUR`).
#[utoipa::path(
    post,
    path = "/contact",
    tag = "contact",
    operation_id = "send_contact_message",
    request_body = ContactRequest,
    security((), ("bearer_auth" = [])),
    responses(
        (status = 202, description = "Recorded; the admins will be emailed", body = CommandResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An `Authorization` header with an invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body exceeds the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing, blank, oversized or multi-line fields, or not an email address, with field errors", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many messages from this address or email (see `Retry-After`)",
            body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u32, description = "Seconds to wait"))),
        (status = 503, description = "A dependency is down; retry", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn send(
    State(state): State<AppState>,
    caller: MaybeUser,
    ClientAddr(client): ClientAddr,
    RequestId(request_id): RequestId,
    CommandJson(body): CommandJson<ContactRequest>,
) -> Result<Response, ApiError> {
    let input = NewContactMessage {
        name: body.name,
        email: body.email,
        subject: body.subject,
        message: body.message,
        sender: caller.0.as_ref().map(|user| user.caller()),
        client,
    };
    let limits = ContactLimits {
        per_hour: state.config.contact_messages_per_hour,
    };
    let (id, version) =
        contact::send_contact_message(&state.stores, &state.pool, limits, input, &request_id)
            .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CommandResponse::new(id, version)),
    )
        .into_response())
}

command_path! {
    post "/admin/messages/{id}/resolve",
    tag = "contact",
    operation_id = "resolve_contact_message",
    request_body = ResolveMessageRequest,
    params(("id" = Uuid, Path, description = "The message's id")),
    ok = "Resolved; resolving it again is 409 `already_resolved`";

    /// Marks a contact message resolved, with an optional note.
    #[tracing::instrument(skip_all, fields(message_id = %id))]
    pub async fn resolve(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        OptionalJson(body): OptionalJson<ResolveMessageRequest>,
    ) -> Result<Response, ApiError> {
        let note = body.and_then(|body| body.note);
        let metadata = admin.0.metadata(&request_id.0);
        let version = contact::resolve_contact_message(
            &state.stores,
            id,
            note,
            &metadata,
            expected.0,
            admin.0.caller(),
        )
        .await?;
        Ok(super::dto::ok(id, version))
    }
}
