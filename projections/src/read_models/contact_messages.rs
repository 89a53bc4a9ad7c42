//! The contact-message read model (projection `contact_messages`, contact_message events):
//! `contact_message_views`, one row per message sent through the contact form, and the query
//! function [`list`] behind `GET admin/messages`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::contact::ContactEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{aggregate_uuid, decode, version, Page, PageRequest};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

/// Builds `contact_message_views` from contact_message events.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactMessageProjection;

#[async_trait]
impl Projection for ContactMessageProjection {
    fn name(&self) -> &'static str {
        "contact_messages"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["contact_message"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &["contact_message_views"]
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        let id = aggregate_uuid(event)?;
        let version = version(event)?;
        match decode(event)? {
            ContactEvent::ContactMessageReceived {
                name,
                email,
                subject,
                message,
                user_id,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO contact_message_views (id, name, email, subject, message, \
                     user_id, status, received_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) \
                     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, \
                     email = EXCLUDED.email, subject = EXCLUDED.subject, \
                     message = EXCLUDED.message, user_id = EXCLUDED.user_id, status = 'open', \
                     received_at = EXCLUDED.received_at, resolved_at = NULL, \
                     resolved_by = NULL, resolution_note = NULL, version = EXCLUDED.version",
                )
                .bind(id)
                .bind(name)
                .bind(email)
                .bind(subject)
                .bind(message)
                .bind(user_id)
                .bind(event.recorded_at)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            }
            ContactEvent::ContactMessageResolved { by, note } => {
                sqlx::query(
                    "UPDATE contact_message_views SET status = 'resolved', resolved_at = $2, \
                     resolved_by = $3, resolution_note = $4, version = $5 WHERE id = $1",
                )
                .bind(id)
                .bind(event.recorded_at)
                .bind(by)
                .bind(note)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }
}

/// A message sent through the contact form (`GET admin/messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactMessageView {
    /// The message's id.
    pub id: Uuid,
    /// The sender's name.
    #[cfg_attr(feature = "openapi", schema(example = "Ann Smith"))]
    pub name: String,
    /// The sender's address (reply here).
    #[cfg_attr(feature = "openapi", schema(example = "ann@example.com"))]
    pub email: String,
    /// The subject.
    pub subject: String,
    /// The message.
    pub message: String,
    /// The signed-in sender's user id; absent for an anonymous sender.
    pub user_id: Option<Uuid>,
    /// `open` or `resolved`.
    #[cfg_attr(feature = "openapi", schema(example = "open"))]
    pub status: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// When an admin resolved it.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The admin who resolved it.
    pub resolved_by: Option<Uuid>,
    /// The admin's note.
    pub resolution_note: Option<String>,
    /// The message's version as of this view (send it as `If-Match` to resolve).
    pub version: i64,
}

const COLUMNS: &str = "id, name, email, subject, message, user_id, status, received_at, \
                       resolved_at, resolved_by, resolution_note, version";

/// One page of the messages, newest first, only those in `status` (`open`, `resolved`) when
/// given.
pub async fn list(
    pool: &PgPool,
    status: Option<&str>,
    request: PageRequest,
) -> Result<Page<ContactMessageView>, sqlx::Error> {
    let filter = "WHERE ($1::text IS NULL OR status = $1)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM contact_message_views {filter}"
    ))
    .bind(status)
    .fetch_one(pool)
    .await?;
    let items = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM contact_message_views {filter} \
         ORDER BY received_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(status)
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(pool)
    .await?;
    Ok(request.into_page(items, total))
}
