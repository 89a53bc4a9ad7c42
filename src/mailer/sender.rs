//! The sender: delivers the pending emails of the outbox that are due and records the outcome.
//!
//! Every [`POLL_INTERVAL`] it locks a batch of due rows (`FOR UPDATE SKIP LOCKED`, so several
//! workers share the queue), delivers each and marks it `sent` — or, on failure, counts the
//! attempt, keeps the error and schedules the next try with exponential backoff (capped at
//! [`MAX_BACKOFF`]); after [`MAX_ATTEMPTS`] the email is `failed`.
//!
//! Delivery in this version writes an RFC 5322 message (`multipart/alternative`, text and
//! HTML) to `<MAIL_DIR>/<id>.eml`, through a temporary file renamed into place.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use super::MailSettings;

/// How often the sender looks for due emails.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Emails delivered per transaction.
pub const BATCH_SIZE: i64 = 20;
/// Failed attempts after which an email is given up (`failed`).
pub const MAX_ATTEMPTS: i32 = 10;
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The multipart boundary (never appears in the rendered bodies, which hold no `=_`).
const BOUNDARY: &str = "=_commerce_alternative_boundary";

/// One email to deliver.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Email {
    /// Its id (and file name).
    pub id: Uuid,
    /// The recipient.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text_body: String,
    /// The HTML part.
    pub html_body: String,
    /// Failed attempts so far.
    pub attempts: i32,
    /// When it was queued (the `Date` header).
    pub created_at: DateTime<Utc>,
}

/// Delivers due emails every [`POLL_INTERVAL`] until `stop` changes.
pub async fn run(pool: PgPool, settings: MailSettings, mut stop: watch::Receiver<bool>) {
    tracing::info!(dir = %settings.dir.display(), "email sender started");
    loop {
        match deliver_due(&pool, &settings).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "emails processed"),
            Err(error) => tracing::warn!(%error, "email sender pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = stop.changed() => return,
        }
    }
}

/// One pass: delivers a batch of due emails; returns how many were attempted.
pub async fn deliver_due(pool: &PgPool, settings: &MailSettings) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let due: Vec<Email> = sqlx::query_as(
        "SELECT id, recipient, subject, text_body, html_body, attempts, created_at
           FROM emails
          WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT $1
          FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH_SIZE)
    .fetch_all(&mut *tx)
    .await?;
    for email in &due {
        match deliver(settings, email).await {
            Ok(()) => {
                sqlx::query(
                    "UPDATE emails SET status = 'sent', sent_at = now(), last_error = NULL
                      WHERE id = $1",
                )
                .bind(email.id)
                .execute(&mut *tx)
                .await?;
                tracing::info!(email_id = %email.id, "email delivered");
            }
            Err(error) => {
                let attempts = email.attempts + 1;
                let status = if attempts >= MAX_ATTEMPTS {
                    "failed"
                } else {
                    "pending"
                };
                let delay = backoff(attempts);
                tracing::warn!(email_id = %email.id, attempts, %error, "email delivery failed");
                sqlx::query(
                    "UPDATE emails SET attempts = $2, last_error = $3, status = $4,
                            next_attempt_at = now() + make_interval(secs => $5)
                      WHERE id = $1",
                )
                .bind(email.id)
                .bind(attempts)
                .bind(error.to_string())
                .bind(status)
                .bind(delay.as_secs_f64())
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

/// The wait after the `attempts`-th failure: 2, 4, 8 … seconds, at most [`MAX_BACKOFF`].
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 16) as u32;
    Duration::from_secs(2u64.pow(exponent)).min(MAX_BACKOFF)
}

/// Writes `email` to `<dir>/<id>.eml`.
async fn deliver(settings: &MailSettings, email: &Email) -> std::io::Result<()> {
    tokio::fs::create_dir_all(&settings.dir).await?;
    let message = format_eml(&settings.from, email);
    let temporary = settings.dir.join(format!(".{}.tmp", email.id));
    tokio::fs::write(&temporary, message).await?;
    tokio::fs::rename(&temporary, settings.dir.join(format!("{}.eml", email.id))).await
}

/// `email` as an RFC 5322 message: headers, then a `multipart/alternative` body with the text
/// and HTML parts (UTF-8, 8bit), every line ending in CRLF.
pub fn format_eml(from: &str, email: &Email) -> String {
    let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let mut out = String::new();
    let mut header = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&value.replace(['\r', '\n'], " "));
        out.push_str("\r\n");
    };
    header("From", from);
    header("To", &email.recipient);
    header("Subject", &encode_header(&email.subject));
    header("Date", &email.created_at.to_rfc2822());
    header("Message-ID", &format!("<{}@{domain}>", email.id));
    header("MIME-Version", "1.0");
    header(
        "Content-Type",
        &format!("multipart/alternative; boundary=\"{BOUNDARY}\""),
    );
    out.push_str("\r\n");
    for (kind, body) in [("plain", &email.text_body), ("html", &email.html_body)] {
        out.push_str(&format!("--{BOUNDARY}\r\n"));
        out.push_str(&format!("Content-Type: text/{kind}; charset=utf-8\r\n"));
        out.push_str("Content-Transfer-Encoding: 8bit\r\n\r\n");
        out.push_str(&crlf(body));
        if !body.ends_with('\n') {
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("--{BOUNDARY}--\r\n"));
    out
}

/// `text` with every line ending (LF or CRLF) made CRLF.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// A header value: as is when printable ASCII, else an RFC 2047 `Q`-encoded word.
fn encode_header(value: &str) -> String {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return value.to_string();
    }
    let mut out = String::from("=?UTF-8?Q?");
    for byte in value.bytes() {
        match byte {
            b' ' => out.push('_'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b',' | b'-' | b':' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("={byte:02X}")),
        }
    }
    out.push_str("?=");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(subject: &str) -> Email {
        Email {
            id: Uuid::nil(),
            recipient: "ann@example.com".into(),
            subject: subject.into(),
            text_body: "Hello\nworld\n".into(),
            html_body: "<p>Hello</p>".into(),
            attempts: 0,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn formats_a_multipart_message_with_crlf_line_endings() {
        let eml = format_eml("shop@example.com", &email("Hi"));
        assert!(eml.starts_with("From: shop@example.com\r\nTo: ann@example.com\r\nSubject: Hi\r\n"));
        assert!(eml.contains("Message-ID: <00000000-0000-0000-0000-000000000000@example.com>\r\n"));
        assert!(eml.contains("Content-Type: text/plain; charset=utf-8\r\n"));
        assert!(eml.contains("Hello\r\nworld\r\n--=_commerce"));
        assert!(eml.ends_with(&format!("<p>Hello</p>\r\n--{BOUNDARY}--\r\n")));
        assert!(!eml.replace("\r\n", "").contains('\n'), "bare LF in {eml}");
    }

    #[test]
    fn encodes_non_ascii_subjects() {
        assert_eq!(encode_header("Café ok"), "=?UTF-8?Q?Caf=C3=A9_ok?=");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(9), MAX_BACKOFF);
        assert_eq!(backoff(100), MAX_BACKOFF);
    }
}
