//! The contact form: a message sent by anyone (`POST contact`), recorded as a
//! `contact_message` stream and emailed to every admin by the mailer, and an admin marking it
//! resolved.
//!
//! Sending is throttled per client address and per sender email ([`throttle`]). The order
//! matters: the fields are checked first (the aggregate's own [`validate`]), so a refused
//! message costs the sender nothing and writes nothing; then the throttle counts and reserves
//! the message's place in one Postgres transaction, so concurrent requests from any process
//! never exceed the limit; then the message is appended. Should the append fail, the
//! reservation is taken back.

pub mod throttle;

use std::net::IpAddr;

use commerce_aggregates::contact::{validate, ContactCommand, ContactError};
use sqlx::PgPool;
use uuid::Uuid;

use super::Caller;
use crate::store::{Actor, CommandMetadata, ExecuteError, Stores};
pub use throttle::ContactLimits;

/// The actor of a message sent without signing in.
pub fn anonymous() -> Actor {
    Actor {
        id: "anonymous".to_owned(),
        role: "anonymous".to_owned(),
    }
}

/// A message sent through the contact form, as typed.
#[derive(Debug, Clone)]
pub struct NewContactMessage {
    /// The sender's name.
    pub name: String,
    /// The sender's email address.
    pub email: String,
    /// The subject.
    pub subject: String,
    /// The message.
    pub message: String,
    /// The signed-in sender, if any.
    pub sender: Option<Caller>,
    /// The client's address, for the throttle.
    pub client: Option<IpAddr>,
}

/// Why a message was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum SendContactError {
    /// The message was refused (invalid fields), or the event store failed.
    #[error(transparent)]
    Message(#[from] ExecuteError<ContactError>),
    /// The client or the sender's address reached its limit.
    #[error("too many contact messages")]
    Throttled(#[from] throttle::Throttled),
    /// The throttle's table could not be read or written.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Records a contact message in request `request_id`; its id and version.
#[tracing::instrument(skip_all, fields(signed_in = input.sender.is_some()), err(level = "debug"))]
pub async fn send_contact_message(
    stores: &Stores,
    pool: &PgPool,
    limits: ContactLimits,
    input: NewContactMessage,
    request_id: &str,
) -> Result<(Uuid, usize), SendContactError> {
    let valid = validate(&input.name, &input.email, &input.subject, &input.message)
        .map_err(ExecuteError::Domain)?;
    let reservation = throttle::reserve(pool, limits, input.client, &valid.email).await?;
    let actor = input
        .sender
        .map_or_else(anonymous, |caller| Actor::user(caller.id, caller.role));
    let metadata = CommandMetadata::new(actor, request_id);
    let id = Uuid::new_v4();
    let command = ContactCommand::ReceiveContactMessage {
        message_id: id,
        name: valid.name,
        email: valid.email,
        subject: valid.subject,
        message: valid.message,
        user_id: input.sender.map(|caller| caller.id),
    };
    match stores
        .contact_messages
        .execute_new(&id.to_string(), command, &metadata)
        .await
    {
        Ok(committed) => Ok((id, committed.version)),
        Err(error) => {
            if let Err(release) = reservation.release(pool).await {
                tracing::warn!(error = %release, "contact throttle reservation not released");
            }
            Err(error.into())
        }
    }
}

/// Marks message `id` resolved by `admin`, at the version they saw (`If-Match`), if any; its
/// version. A resolved message is not resolved again (`already_resolved`).
#[tracing::instrument(skip_all, fields(message_id = %id), err(level = "debug"))]
pub async fn resolve_contact_message(
    stores: &Stores,
    id: Uuid,
    note: Option<String>,
    metadata: &CommandMetadata,
    expected_version: Option<usize>,
    admin: Caller,
) -> Result<usize, ExecuteError<ContactError>> {
    let command = ContactCommand::ResolveContactMessage { by: admin.id, note };
    let committed = stores
        .contact_messages
        .execute(&id.to_string(), command, metadata, expected_version)
        .await?;
    Ok(committed.version)
}
