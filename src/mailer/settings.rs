//! The mailer's settings, read from the environment with the rest of the configuration:
//! where links point, who sends, how emails are delivered (SMTP when `SMTP_URL` is set,
//! `.eml` files in `MAIL_DIR` otherwise) and how often failures are retried.
//!
//! `SMTP_URL` takes the forms of lettre's `AsyncSmtpTransport::from_url`
//! (`scheme://user:pass@host:port/ehlo-name?tls=mode`, user and password percent-encoded):
//!
//! | form | transport | default port |
//! |---|---|---|
//! | `smtp://host:port` | plain SMTP, no TLS (local relays, tests) | 25 |
//! | `smtp://user:pass@host:587?tls=required` | STARTTLS, refused if the server lacks it | 587 |
//! | `smtp://host?tls=opportunistic` | STARTTLS when offered, else plain | 587 |
//! | `smtps://user:pass@host:465` | implicit TLS | 465 |
//!
//! Certificates are checked against the Mozilla roots (webpki-roots) with rustls. The URL is a
//! secret: it is kept in a [`Secret`] and only ever printed with its password masked.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::anyhow;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use crate::secret::{redact_url, Secret};

/// Default `MAIL_DIR`.
pub const DEFAULT_MAIL_DIR: &str = ".state/mail";
/// Default `MAIL_FROM`.
pub const DEFAULT_MAIL_FROM: &str = "commerce@localhost";
/// Default `PUBLIC_BASE_URL`.
pub const DEFAULT_PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
/// Default `SMTP_TIMEOUT_SECONDS`.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `MAIL_POLL_INTERVAL_MS`.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Default `MAIL_RETRY_BASE_MS`.
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(2);

/// How emails are written, linked, delivered and retried.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `MAIL_DIR`: where emails are written as `<id>.eml` when `SMTP_URL` is unset.
    pub dir: PathBuf,
    /// `MAIL_FROM`: the sender mailbox (`shop@example.com` or `Shop <shop@example.com>`).
    pub from: String,
    /// `PUBLIC_BASE_URL`: the base of the links in emails (no trailing slash).
    pub public_base_url: String,
    /// `SMTP_URL`, `SMTP_TIMEOUT_SECONDS`: the SMTP relay, if any.
    pub smtp: Option<SmtpSettings>,
    /// `MAIL_POLL_INTERVAL_MS`: how often the sender looks for due emails.
    pub poll_interval: Duration,
    /// `MAIL_RETRY_BASE_MS`: the wait after the first failed attempt (doubled after each
    /// further failure, at most five minutes).
    pub retry_base: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from(DEFAULT_MAIL_DIR),
            from: DEFAULT_MAIL_FROM.into(),
            public_base_url: DEFAULT_PUBLIC_BASE_URL.into(),
            smtp: None,
            poll_interval: DEFAULT_POLL_INTERVAL,
            retry_base: DEFAULT_RETRY_BASE,
        }
    }
}

/// An SMTP relay: its URL (a secret: it may hold a password) and the time one delivery may
/// take.
#[derive(Clone)]
pub struct SmtpSettings {
    url: Secret,
    /// `SMTP_TIMEOUT_SECONDS`: the longest one delivery (connect, TLS, auth, send) may take.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// Checks `url` (see the module documentation for the accepted forms); the error names
    /// `SMTP_URL` and shows the URL with its password masked.
    pub fn parse(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let settings = Self {
            url: Secret::new(url.trim()),
            timeout,
        };
        settings.transport()?;
        Ok(settings)
    }

    /// The URL with its password masked, for logs.
    pub fn redacted(&self) -> String {
        redact_url(self.url.expose())
    }

    /// Whether the URL carries credentials over a connection without TLS (`smtp://` with no
    /// `tls` parameter): fine for a loopback relay, worth a warning otherwise.
    pub fn credentials_in_clear(&self) -> bool {
        let url = self.url.expose();
        let Some(rest) = url.strip_prefix("smtp://") else {
            return false;
        };
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        authority.contains('@') && !rest.contains("tls=")
    }

    /// A lettre transport for this relay (one connection per delivery, every step bounded by
    /// the timeout).
    pub fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(self.url.expose())
            .map_err(|e| anyhow!("SMTP_URL '{}' is not usable: {e}", self.redacted()))?;
        Ok(builder.timeout(Some(self.timeout)).build())
    }
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("url", &self.redacted())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl MailSettings {
    /// Reads the mail variables through `lookup`, with the documented defaults; a bad
    /// `SMTP_URL` or `MAIL_FROM` is an error naming the variable.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = Self::default();
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let from = set("MAIL_FROM").unwrap_or(defaults.from);
        from.parse::<Mailbox>()
            .map_err(|e| anyhow!("MAIL_FROM '{from}' is not a mailbox: {e}"))?;
        let positive = |name: &str, default: u64| -> anyhow::Result<u64> {
            match set(name) {
                None => Ok(default),
                Some(raw) => match raw.trim().parse::<u64>() {
                    Ok(value) if value > 0 => Ok(value),
                    _ => Err(anyhow!("{name} '{raw}' must be a positive number")),
                },
            }
        };
        let millis = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            let default = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
            positive(name, default).map(Duration::from_millis)
        };
        let timeout = Duration::from_secs(positive(
            "SMTP_TIMEOUT_SECONDS",
            DEFAULT_SMTP_TIMEOUT.as_secs(),
        )?);
        let smtp = match set("SMTP_URL") {
            None => None,
            Some(url) => Some(SmtpSettings::parse(&url, timeout)?),
        };
        Ok(Self {
            dir: set("MAIL_DIR").map_or(defaults.dir, Into::into),
            from,
            public_base_url: set("PUBLIC_BASE_URL")
                .map(|v| v.trim_end_matches('/').to_string())
                .unwrap_or(defaults.public_base_url),
            smtp,
            poll_interval: millis("MAIL_POLL_INTERVAL_MS", defaults.poll_interval)?,
            retry_base: millis("MAIL_RETRY_BASE_MS", defaults.retry_base)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<MailSettings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        MailSettings::from_lookup(&|name: &str| map.get(name).cloned())
    }

    #[test]
    fn defaults_to_files_with_the_documented_values() {
        let s = settings(&[]).expect("valid");
        assert!(s.smtp.is_none());
        assert_eq!(s.dir, PathBuf::from(DEFAULT_MAIL_DIR));
        assert_eq!(s.from, DEFAULT_MAIL_FROM);
        assert_eq!(s.poll_interval, DEFAULT_POLL_INTERVAL);
        assert_eq!(s.retry_base, DEFAULT_RETRY_BASE);
        let s = settings(&[("SMTP_URL", " "), ("PUBLIC_BASE_URL", "https://x.example/")])
            .expect("valid");
        assert!(s.smtp.is_none());
        assert_eq!(s.public_base_url, "https://x.example");
    }

    #[test]
    fn accepts_every_documented_smtp_url_form() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://mailer:p%40ss@relay.example:587?tls=required",
            "smtp://relay.example?tls=opportunistic",
            "smtps://mailer:secret@relay.example:465",
            "smtps://relay.example/shop.example",
        ] {
            let s = settings(&[("SMTP_URL", url), ("SMTP_TIMEOUT_SECONDS", "5")])
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            let smtp = s.smtp.expect("smtp");
            assert_eq!(smtp.timeout, Duration::from_secs(5));
        }
    }

    #[test]
    fn rejects_a_bad_smtp_url_naming_the_variable_and_hiding_the_password() {
        for url in [
            "http://mailer:hunter2@relay.example",
            "smtp://mailer:hunter2@relay.example?tls=sometimes",
            "smtp://mailer:hunter2@:25",
            "relay.example:25",
            "smtp://mailer:hunter2@relay.example:99999",
        ] {
            let error = settings(&[("SMTP_URL", url)]).expect_err(url).to_string();
            assert!(error.starts_with("SMTP_URL"), "{url}: {error}");
            assert!(!error.contains("hunter2"), "{url}: {error}");
        }
        let error = settings(&[("SMTP_URL", "smtp://h"), ("SMTP_TIMEOUT_SECONDS", "0")])
            .expect_err("zero timeout");
        assert!(
            error.to_string().contains("SMTP_TIMEOUT_SECONDS"),
            "{error}"
        );
    }

    #[test]
    fn tells_when_credentials_would_travel_in_clear() {
        let smtp = |url: &str| SmtpSettings::parse(url, DEFAULT_SMTP_TIMEOUT).expect(url);
        assert!(smtp("smtp://u:p@relay.example:25").credentials_in_clear());
        assert!(!smtp("smtp://u:p@relay.example:587?tls=required").credentials_in_clear());
        assert!(!smtp("smtps://u:p@relay.example").credentials_in_clear());
        assert!(!smtp("smtp://127.0.0.1:2525").credentials_in_clear());
    }

    #[test]
    fn never_prints_the_smtp_password() {
        let s =
            settings(&[("SMTP_URL", "smtps://mailer:hunter2@relay.example:465")]).expect("valid");
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("smtps://mailer:***@relay.example:465"),
            "{printed}"
        );
    }

    #[test]
    fn rejects_a_bad_sender_and_bad_intervals() {
        let error = settings(&[("MAIL_FROM", "not an address")]).expect_err("bad from");
        assert!(error.to_string().contains("MAIL_FROM"), "{error}");
        settings(&[("MAIL_FROM", "Shop <shop@example.com>")]).expect("a named mailbox");
        for name in ["MAIL_POLL_INTERVAL_MS", "MAIL_RETRY_BASE_MS"] {
            let error = settings(&[(name, "soon")]).expect_err(name);
            assert!(error.to_string().contains(name), "{error}");
        }
        let s = settings(&[
            ("MAIL_POLL_INTERVAL_MS", "50"),
            ("MAIL_RETRY_BASE_MS", "200"),
        ])
        .expect("valid");
        assert_eq!(s.poll_interval, Duration::from_millis(50));
        assert_eq!(s.retry_base, Duration::from_millis(200));
    }
}
