//! Turning an outbox row into an RFC 5322 message (lettre's builder) and handing it to the
//! configured [`Transport`]: an SMTP relay, or `.eml` files in `MAIL_DIR`.
//!
//! The message is the same for both: `From` = `MAIL_FROM`, `To`, `Subject`, `Date` (when the
//! email was queued), `Message-ID` = `<email id@MAIL_FROM's domain>` (stable across retries, so
//! a receiver can drop the duplicate of a delivery whose outcome the sender never recorded) and
//! a `multipart/alternative` body with the text and HTML parts. The parts go as they are
//! (`7bit`, or `8bit` for UTF-8 text, CRLF line endings) whenever every line fits the 998
//! octets RFC 5322 allows — so `.eml` files stay readable — and quoted-printable or base64
//! otherwise.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::sender::Email;
use super::MailSettings;

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The sender or recipient is not a valid address: retrying cannot help.
    #[error("invalid address {address:?}: {reason}")]
    Address {
        /// The address.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The message could not be assembled: retrying cannot help.
    #[error("message not built: {0}")]
    Message(#[from] lettre::error::Error),
    /// The relay refused the message or the connection failed.
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The relay did not finish in time.
    #[error("smtp: no answer within {0:?}")]
    Timeout(Duration),
    /// The `.eml` file could not be written.
    #[error("writing the email file: {0}")]
    Io(#[from] std::io::Error),
}

impl DeliveryError {
    /// Whether another attempt is pointless (the email is given up at once).
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Address { .. } | Self::Message(_))
    }
}

/// Where emails go.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP relay (`SMTP_URL`), each delivery bounded by `timeout`.
    Smtp {
        /// The lettre transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The longest one delivery may take.
        timeout: Duration,
        /// The relay's URL with the password masked, for logs.
        relay: String,
    },
    /// `<dir>/<id>.eml` files (`SMTP_URL` unset).
    Files(PathBuf),
}

impl Transport {
    /// The transport `settings` ask for.
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        Ok(match &settings.smtp {
            Some(smtp) => Self::Smtp {
                transport: smtp.transport()?,
                timeout: smtp.timeout,
                relay: smtp.redacted(),
            },
            None => Self::Files(settings.dir.clone()),
        })
    }

    /// Where it delivers, for logs (never a password).
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { relay, .. } => relay.clone(),
            Self::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    /// Delivers `email` from `from`.
    pub async fn send(&self, from: &str, email: &Email) -> Result<(), DeliveryError> {
        let message = message(from, email)?;
        match self {
            Self::Smtp {
                transport, timeout, ..
            } => match tokio::time::timeout(*timeout, transport.send(message)).await {
                Ok(sent) => sent.map(|_| ()).map_err(DeliveryError::from),
                Err(_) => Err(DeliveryError::Timeout(*timeout)),
            },
            Self::Files(dir) => write_eml(dir, email, &message.formatted()).await,
        }
    }
}

/// Writes `<dir>/<id>.eml` through a temporary file renamed into place.
async fn write_eml(dir: &Path, email: &Email, formatted: &[u8]) -> Result<(), DeliveryError> {
    tokio::fs::create_dir_all(dir).await?;
    let temporary = dir.join(format!(".{}.tmp", email.id));
    tokio::fs::write(&temporary, formatted).await?;
    tokio::fs::rename(&temporary, dir.join(format!("{}.eml", email.id))).await?;
    Ok(())
}

fn mailbox(address: &str) -> Result<Mailbox, DeliveryError> {
    address.parse().map_err(|e| DeliveryError::Address {
        address: address.to_string(),
        reason: format!("{e}"),
    })
}

/// `email` as a message from `from` (see the module documentation).
pub fn message(from: &str, email: &Email) -> Result<Message, DeliveryError> {
    let from = mailbox(from)?;
    let message_id = format!("<{}@{}>", email.id, from.email.domain());
    let part = |kind: ContentType, text: &str| SinglePart::builder().header(kind).body(body(text));
    let mut builder = Message::builder();
    // A reply address lettre cannot write is left out rather than losing the email: replies
    // then go to `From`, and the address is in the body.
    match email.reply_to.as_deref().map(mailbox) {
        Some(Ok(reply_to)) => builder = builder.reply_to(reply_to),
        Some(Err(error)) => tracing::warn!(email_id = %email.id, %error, "Reply-To left out"),
        None => {}
    }
    Ok(builder
        .from(from)
        .to(mailbox(&email.recipient)?)
        .subject(email.subject.replace(['\r', '\n'], " "))
        .date(SystemTime::from(email.created_at))
        .message_id(Some(message_id))
        .multipart(
            MultiPart::alternative()
                .singlepart(part(ContentType::TEXT_PLAIN, &email.text_body))
                .singlepart(part(ContentType::TEXT_HTML, &email.html_body)),
        )?)
}

/// `text` with CRLF line endings, as is (`7bit`/`8bit`) when every line fits 998 octets and
/// it holds no NUL or stray CR; otherwise encoded by lettre.
fn body(text: &str) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let fits = !crlf.contains('\0')
        && crlf
            .split("\r\n")
            .all(|line| line.len() <= 998 && !line.contains('\r'));
    if !fits {
        return Body::new(text.to_string());
    }
    let encoding = if crlf.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    Body::dangerous_pre_encoded(crlf.into_bytes(), encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use uuid::Uuid;

    fn email(subject: &str, text: &str) -> Email {
        Email {
            id: Uuid::nil(),
            recipient: "ann@example.com".into(),
            subject: subject.into(),
            text_body: text.into(),
            html_body: "<p>Hello</p>".into(),
            reply_to: None,
            attempts: 0,
            created_at: Utc::now(),
        }
    }

    fn formatted(from: &str, email: &Email) -> String {
        let bytes = message(from, email).expect("message").formatted();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn builds_a_multipart_message_with_crlf_line_endings() {
        let link = format!(
            "https://shop.example/verify-email?token={}",
            "ab".repeat(32)
        );
        let eml = formatted(
            "Shop <shop@example.com>",
            &email("Hi", &format!("Hello\nworld\n{link}\n")),
        );
        assert!(eml.contains("From: Shop <shop@example.com>\r\n"), "{eml}");
        assert!(eml.contains("\r\nTo: ann@example.com\r\n"), "{eml}");
        assert!(eml.contains("\r\nSubject: Hi\r\n"), "{eml}");
        assert!(eml.contains("Message-ID: <00000000-0000-0000-0000-000000000000@example.com>\r\n"));
        assert!(
            eml.contains("Content-Type: multipart/alternative;"),
            "{eml}"
        );
        assert!(eml.contains("Content-Type: text/plain; charset=utf-8\r\n"));
        assert!(eml.contains("Content-Type: text/html; charset=utf-8\r\n"));
        assert!(eml.contains("Content-Transfer-Encoding: 7bit\r\n"), "{eml}");
        // Long lines stay whole (no quoted-printable soft breaks).
        assert!(
            eml.contains(&format!("Hello\r\nworld\r\n{link}\r\n")),
            "{eml}"
        );
        assert!(!eml.replace("\r\n", "").contains('\n'), "bare LF in {eml}");
    }

    #[test]
    fn sends_utf8_as_8bit_and_encodes_the_subject() {
        let eml = formatted("shop@example.com", &email("Café ok", "Grüße\n"));
        assert!(eml.contains("Content-Transfer-Encoding: 8bit\r\n"), "{eml}");
        assert!(eml.contains("Grüße\r\n"), "{eml}");
        assert!(eml.contains("Subject: =?utf-8?"), "{eml}");
        assert!(!eml.contains("Subject: Café"), "{eml}");
    }

    #[test]
    fn encodes_overlong_lines() {
        let eml = formatted("shop@example.com", &email("Hi", &"x".repeat(2000)));
        assert!(
            !eml.contains(&"x".repeat(999)),
            "a 2000-octet line went out whole"
        );
    }

    #[test]
    fn names_the_reply_address_when_there_is_one() {
        let mut with_reply = email("Hi", "x");
        with_reply.reply_to = Some("bob@example.org".into());
        let eml = formatted("shop@example.com", &with_reply);
        assert!(eml.contains("Reply-To: bob@example.org\r\n"), "{eml}");
        assert!(!formatted("shop@example.com", &email("Hi", "x")).contains("Reply-To"));
        with_reply.reply_to = Some("not an address\r\nBcc: x@y.z".into());
        let eml = formatted("shop@example.com", &with_reply);
        assert!(!eml.contains("Reply-To") && !eml.contains("Bcc"), "{eml}");
    }

    #[test]
    fn a_bad_address_is_a_permanent_error() {
        let mut bad = email("Hi", "x");
        bad.recipient = "not an address".into();
        let error = message("shop@example.com", &bad).expect_err("invalid");
        assert!(error.is_permanent(), "{error}");
        assert!(error.to_string().contains("not an address"), "{error}");
        let error = message("nobody", &email("Hi", "x")).expect_err("invalid from");
        assert!(error.is_permanent());
        assert!(!DeliveryError::Timeout(Duration::from_secs(1)).is_permanent());
    }
}
