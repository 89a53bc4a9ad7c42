//! The mailer's log as staff read it: every email the events called for, newest first, with
//! its delivery status and never its body (`GET admin/emails` and the back office's email
//! log).

use chrono::{DateTime, Utc};
use commerce_projections::read_models::{Page, PageRequest};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

/// One email of the log, without its body.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct EmailView {
    /// The email.
    pub id: Uuid,
    /// The event that called for it.
    pub event_id: Uuid,
    /// Its template (`verify_email`, `order_confirmed`, ...).
    #[schema(example = "order_confirmed")]
    pub template: String,
    /// The recipient's address.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    #[schema(example = "sent")]
    pub status: String,
    /// Failed delivery attempts.
    pub attempts: i32,
    /// The last delivery error, if any.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Page `page` of the log, newest first; only emails in `status` (`pending`, `sent`,
/// `failed`) when given.
pub async fn list(
    pool: &PgPool,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<EmailView>, sqlx::Error> {
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM emails WHERE ($1::text IS NULL OR status = $1)")
            .bind(status)
            .fetch_one(pool)
            .await?;
    let items: Vec<EmailView> = sqlx::query_as(
        "SELECT id, event_id, template, recipient, subject, status, attempts, last_error, \
         created_at, sent_at FROM emails WHERE ($1::text IS NULL OR status = $1) \
         ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
    )
    .bind(status)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    Ok(page.into_page(items, total))
}
