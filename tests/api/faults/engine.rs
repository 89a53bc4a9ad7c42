//! The real engine as a child process for fault tests: `commerce serve` (every role) against
//! a given database and NATS, on a fixed free loopback port, with its own `MAIL_DIR` and log
//! file, a JWT secret the test knows and no rate limit. It can be killed with SIGKILL,
//! restarted on the same port with the same settings, or stopped with SIGTERM; dropping it
//! kills it (by PID) and removes its directory (kept, with the log's tail printed, when the
//! test fails or `FAULT_TESTS_KEEP_LOGS` is set).

// Building blocks shared by every fault test: not each test uses every item.
#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::fixtures::free_port;
use uuid::Uuid;

/// The HMAC key the engine signs access tokens with (tests mint tokens with it too).
pub const JWT_SECRET: &str = "fault-tests-jwt-secret-0123456789abcdef";
/// The payment webhook signing secret the engine is given.
pub const WEBHOOK_SECRET: &str = "fault-tests-webhook-secret-0123456789";

/// How long the engine may take to answer `/healthz` after a (re)start on a busy machine.
const STARTUP: Duration = Duration::from_secs(60);

/// A `commerce serve` child process (see the module documentation).
pub struct Engine {
    /// Its HTTP port on 127.0.0.1 (the same across restarts).
    pub port: u16,
    /// The database it runs against.
    pub database_url: String,
    /// The NATS it publishes to and consumes from.
    pub nats_url: String,
    dir: PathBuf,
    env: Vec<(String, String)>,
    child: Option<Child>,
    starts: u32,
    client: reqwest::Client,
}

impl Engine {
    /// Starts `commerce serve` against `database_url` and `nats_url` and waits for
    /// `/healthz`.
    pub async fn start(database_url: &str, nats_url: &str) -> Self {
        Self::start_with(database_url, nats_url, &[]).await
    }

    /// [`Engine::start`] with more environment variables (they win over the defaults
    /// below, e.g. `("ROLES", …)`).
    pub async fn start_with(database_url: &str, nats_url: &str, extra: &[(&str, &str)]) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("commerce-engine-{}", Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("mail")).expect("engine directory");
        let mut env: Vec<(String, String)> = [
            ("DATABASE_URL", database_url.to_string()),
            ("NATS_URL", nats_url.to_string()),
            ("HTTP_ADDR", format!("127.0.0.1:{port}")),
            ("JWT_SECRET", JWT_SECRET.to_string()),
            ("PAYMENT_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
            ("MAIL_DIR", dir.join("mail").display().to_string()),
            ("MAIL_POLL_INTERVAL_MS", "100".to_string()),
            ("PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}")),
            ("RATE_LIMIT_PER_SECOND", "0".to_string()),
            ("RELAY_POLL_INTERVAL_MS", "50".to_string()),
            ("DATABASE_MAX_CONNECTIONS", "20".to_string()),
            ("RUST_LOG", "info,sqlx=warn".to_string()),
            ("NO_COLOR", "1".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (key, value) in extra {
            env.retain(|(k, _)| k != key);
            env.push((key.to_string(), value.to_string()));
        }
        let mut engine = Self {
            port,
            database_url: database_url.to_string(),
            nats_url: nats_url.to_string(),
            dir,
            env,
            child: None,
            starts: 0,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client"),
        };
        engine.restart().await;
        engine
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `http://127.0.0.1:<port>/api/v1<path>`.
    pub fn api(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/api/v1{path}", self.port)
    }

    /// The folder the engine writes its `.eml` files to (`MAIL_DIR`).
    pub fn mail_dir(&self) -> PathBuf {
        self.dir.join("mail")
    }

    /// The log file: stdout and stderr of every start, appended, each start after a
    /// `=== start N ===` line.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("engine.log")
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The environment the engine runs with.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// How many times the process was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// An access token for a new user id with `role`, signed with [`JWT_SECRET`] (the user
    /// has no account: fine for admin commands, not for emails to customers).
    pub fn token(&self, role: commerce_aggregates::Role) -> (Uuid, String) {
        let user = Uuid::new_v4();
        let token = commerce::auth::jwt::issue(JWT_SECRET, user, role, Duration::from_secs(3600))
            .expect("token signs")
            .token;
        (user, token)
    }

    /// Runs `commerce admin create` against the engine's database (a verified admin
    /// account, which also receives low-stock emails); its user id.
    pub fn create_admin(&self, email: &str, password: &str) -> Uuid {
        let output = Command::new(env!("CARGO_BIN_EXE_commerce"))
            .args(["admin", "create", "--email", email])
            .env("DATABASE_URL", &self.database_url)
            .env("ADMIN_PASSWORD", password)
            .env("RUST_LOG", "warn")
            .output()
            .expect("commerce admin create runs");
        assert!(
            output.status.success(),
            "admin create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .expect("admin create prints the account id")
    }

    /// Starts the process (again) on the same port with the same settings and waits for
    /// `/healthz`. Panics, showing the log's tail, if it exits or does not answer in time.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "engine already running");
        let started = Instant::now();
        loop {
            self.starts += 1;
            let mut log = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.log_path())
                .expect("engine log");
            writeln!(log, "=== start {} ===", self.starts).ok();
            let stderr: File = log.try_clone().expect("log handle");
            let child = Command::new(env!("CARGO_BIN_EXE_commerce"))
                .arg("serve")
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(stderr)
                .spawn()
                .expect("commerce serve starts");
            self.child = Some(child);
            match self.wait_healthy(started).await {
                Ok(()) => return,
                // Exited early: most likely the port was still held after a kill; retry.
                Err(status) if started.elapsed() < STARTUP => {
                    eprintln!("engine exited at start ({status}); retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(status) => panic!(
                    "engine did not start ({status}); log tail:\n{}",
                    self.log_tail(60)
                ),
            }
        }
    }

    /// Waits until `/healthz` answers 200; the exit status if the process died first.
    async fn wait_healthy(&mut self, since: Instant) -> Result<(), String> {
        loop {
            let Some(child) = self.child.as_mut() else {
                return Err("not running".into());
            };
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return Err(status.to_string());
            }
            if let Ok(response) = self.client.get(self.url("/healthz")).send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            if since.elapsed() > STARTUP {
                self.kill9();
                return Err("no /healthz answer in time".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last `lines` lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Kills the process with SIGKILL (by its PID) and reaps it: no shutdown code runs.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` sends SIGKILL to this PID.
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Stops the process with SIGTERM (a clean shutdown) and waits for it; its exit status
    /// (`None` when it was not running). Falls back to SIGKILL after a minute.
    pub async fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .ok();
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if started.elapsed() > Duration::from_secs(60) {
                child.kill().ok();
                return child.wait().ok();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => child.try_wait().ok().flatten().is_none(),
            None => false,
        }
    }

    /// The `.eml` files in [`Engine::mail_dir`], by file name (`<email id>.eml`).
    pub fn mail_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.mail_dir())
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// The engine's directory (mail folder and log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() || std::env::var_os("FAULT_TESTS_KEEP_LOGS").is_some() {
            eprintln!(
                "engine log kept at {} (tail below)\n{}",
                self.log_path().display(),
                self.log_tail(40)
            );
        } else {
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }
}
