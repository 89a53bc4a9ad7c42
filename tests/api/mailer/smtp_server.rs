//! A real SMTP server for one test: aiosmtpd (from the venv `scripts/services start` installs,
//! found through `SMTP_TEST_PYTHON`) running `smtp_sink.py` on its own loopback port, storing
//! every message it accepts as JSON; stopped by its PID and restartable on the same port.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// One message as the server received and decoded it.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    /// Envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// Envelope recipients (`RCPT TO`).
    pub rcpt_tos: Vec<String>,
    /// The user the client authenticated as, if it did.
    pub login: Option<String>,
    /// The `From` header.
    pub from: String,
    /// The `To` header.
    pub to: String,
    /// The `Subject` header, decoded.
    pub subject: String,
    /// The `Message-ID` header.
    pub message_id: String,
    /// The `Date` header.
    pub date: String,
    /// The message's content type (`multipart/alternative`).
    pub content_type: String,
    /// The plain-text part, decoded, with LF line endings.
    pub text: Option<String>,
    /// The HTML part, decoded.
    pub html: Option<String>,
}

/// The python with aiosmtpd.
fn python() -> PathBuf {
    crate::fixtures::emulator_python("SMTP_TEST_PYTHON", "smtp-venv")
}

/// A running (or stopped) test SMTP server.
pub struct SmtpServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Credentials it requires, if any.
    auth: Option<(String, String)>,
    root: PathBuf,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts a server on a free port accepting every message without authentication.
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// Starts a server on a free port that requires AUTH with `user` and `password`.
    pub async fn start_with_auth(user: &str, password: &str) -> Self {
        Self::start_with(Some((user.into(), password.into()))).await
    }

    async fn start_with(auth: Option<(String, String)>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let root = std::env::temp_dir().join(format!("commerce-smtp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(root.join("messages")).expect("message folder");
        let mut server = Self {
            port,
            auth,
            root,
            child: None,
        };
        server.restart().await;
        server
    }

    /// `smtp://[user:password@]127.0.0.1:<port>` (plain SMTP: loopback only).
    pub fn url(&self) -> String {
        match &self.auth {
            None => format!("smtp://127.0.0.1:{}", self.port),
            Some((user, password)) => {
                let password = password.replace('%', "%25").replace('@', "%40");
                format!("smtp://{user}:{password}@127.0.0.1:{}", self.port)
            }
        }
    }

    /// Starts the server again on the same port (after [`SmtpServer::stop`]); the messages
    /// received so far are kept.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "SMTP server already running");
        let python = python();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/mailer/smtp_sink.py");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("server.log"))
            .expect("server log");
        let mut command = Command::new(&python);
        command
            .arg(script)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--dir")
            .arg(self.root.join("messages"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some((user, password)) = &self.auth {
            command.arg("--auth").arg(format!("{user}:{password}"));
        }
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "{} does not start ({e}): run `scripts/services start` (it installs aiosmtpd) \
                 and `eval \"$(scripts/services env)\"`",
                python.display()
            )
        });
        let log = self.root.join("server.log");
        crate::fixtures::wait_listening("the SMTP server", self.port, &mut child, &log).await;
        self.child = Some(child);
    }

    /// Stops the server (SIGTERM, then SIGKILL if it ignores it) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            crate::fixtures::terminate(child, Duration::from_secs(5));
        }
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(self.root.join("messages")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .map(|bytes| {
                let mut message: Received =
                    serde_json::from_slice(&bytes).expect("a stored message");
                message.text = message.text.map(|t| t.replace("\r\n", "\n"));
                message.html = message.html.map(|h| h.replace("\r\n", "\n"));
                message
            })
            .collect()
    }

    /// Waits (up to 30 s) for a message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Received {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self
                .received()
                .into_iter()
                .find(|m| m.rcpt_tos.iter().any(|r| r == to) && m.subject.contains(subject));
            if let Some(message) = found {
                return message;
            }
            assert!(
                Instant::now() < deadline,
                "no email to {to} about {subject:?}; received: {:#?}",
                self.received()
                    .iter()
                    .map(|m| (&m.rcpt_tos, &m.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        std::fs::remove_dir_all(&self.root).ok();
    }
}
