//! No secret in the logs: the real engine binary (`commerce serve`, every role) runs with the
//! most verbose log for its own crates and debug for the rest, its log captured to a file, an
//! `SMTP_URL` with a password (for a server that is not there, so delivery fails and is
//! logged), and known JWT and webhook secrets. A customer registers, verifies the email with
//! the token the mailer put in the email, fails a login, logs in, refreshes, reuses a rotated
//! refresh token, resets the password, logs out, and calls routes with forged, revoked and
//! garbage tokens. Then no password, access or refresh token, email token, JWT secret,
//! webhook secret or SMTP password appears in the log, which does record all of those events.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::free_port;
use crate::helpers::TestDatabase;
use crate::nats_server::NatsServer;

/// How long the engine may take to start, and the mailer to handle an event, on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// `commerce serve` as a child process logging to a file; killed by its PID when dropped.
struct Engine {
    child: Child,
    port: u16,
    log: PathBuf,
    client: reqwest::Client,
}

impl Engine {
    async fn start(env: &[(&str, String)]) -> Self {
        let log = std::env::temp_dir().join(format!("commerce-log-test-{}.log", Uuid::new_v4()));
        let file = File::create(&log).expect("log file");
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_commerce"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log handle"))
            .stderr(file)
            .spawn()
            .expect("commerce serve starts");
        let mut engine = Self {
            child,
            port,
            log,
            client: reqwest::Client::new(),
        };
        let started = Instant::now();
        loop {
            if let Some(status) = engine.child.try_wait().expect("wait") {
                panic!("the engine exited: {status}\n{}", engine.log_text());
            }
            let health = engine.client.get(engine.url("/healthz")).send().await;
            if health.is_ok_and(|r| r.status() == 200) {
                return engine;
            }
            assert!(started.elapsed() < PATIENCE, "the engine did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `POST /api/v1<path>` with a JSON body and an optional bearer token: (status, body).
    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.client.post(self.url(&format!("/api/v1{path}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.json(body).send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `GET /api/v1<path>` with a bearer token: the status.
    async fn get(&self, path: &str, token: &str) -> u16 {
        self.client
            .get(self.url(&format!("/api/v1{path}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        std::fs::remove_file(&self.log).ok();
    }
}

/// The token in the link of the latest `template` email to `to`, once the mailer has written it
/// and tried (and failed) to deliver it.
async fn emailed_token(db: &TestDatabase, to: &str, template: &str) -> String {
    let started = Instant::now();
    loop {
        let row: Option<String> = sqlx::query_scalar(
            "SELECT text_body FROM emails
              WHERE recipient = $1 AND template = $2 AND attempts > 0
              ORDER BY created_at DESC LIMIT 1",
        )
        .bind(to)
        .bind(template)
        .fetch_optional(&db.pool)
        .await
        .expect("emails readable");
        if let Some(body) = row {
            let (_, rest) = body.split_once("token=").expect("a link with a token");
            return rest
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
        }
        assert!(started.elapsed() < PATIENCE, "no {template} email to {to}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_debug_log_holds_no_password_token_or_secret() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let jwt_secret = format!("log-test-jwt-secret-{}", Uuid::new_v4().simple());
    let webhook_secret = format!("log-test-webhook-secret-{}", Uuid::new_v4().simple());
    let smtp_password = format!("Smtp-Pa55-{}", Uuid::new_v4().simple());
    let smtp_port = free_port(); // Nothing listens there.
    let engine = Engine::start(&[
        ("DATABASE_URL", db.url.clone()),
        ("NATS_URL", nats.url()),
        ("JWT_SECRET", jwt_secret.clone()),
        ("PAYMENT_WEBHOOK_SECRET", webhook_secret.clone()),
        (
            "SMTP_URL",
            format!("smtp://mailer:{smtp_password}@127.0.0.1:{smtp_port}"),
        ),
        ("SMTP_TIMEOUT_SECONDS", "2".into()),
        ("MAIL_POLL_INTERVAL_MS", "100".into()),
        ("MAIL_RETRY_BASE_MS", "200".into()),
        ("RELAY_POLL_INTERVAL_MS", "50".into()),
        ("RATE_LIMIT_PER_SECOND", "0".into()),
        ("NO_COLOR", "1".into()),
        (
            "RUST_LOG",
            "debug,commerce=trace,commerce_projections=trace,commerce_aggregates=trace,\
             tower_http=trace"
                .into(),
        ),
    ])
    .await;
    let email = "leaky@example.com";
    let password = "orange tulip harbour 1971";
    let wrong = "purple kettle mountain 42";
    let new_password = "silver canyon lantern 88";
    let mut secrets: Vec<(String, String)> = vec![
        ("password".into(), password.into()),
        ("wrong password".into(), wrong.into()),
        ("new password".into(), new_password.into()),
        ("JWT secret".into(), jwt_secret.clone()),
        ("webhook secret".into(), webhook_secret),
        ("SMTP password".into(), smtp_password),
        ("password hash".into(), "$argon2id$".into()),
    ];

    let (status, account) = engine
        .post(
            "/auth/register",
            None,
            &json!({"email": email, "password": password, "name": "Leaky"}),
        )
        .await;
    assert_eq!(status, 201, "{account}");
    let user = account["id"].as_str().expect("id").to_string();
    let verification = emailed_token(&db, email, "verify_email").await;
    let (status, _) = engine
        .post("/auth/verify-email", None, &json!({"token": verification}))
        .await;
    assert_eq!(status, 204);
    secrets.push(("verification token".into(), verification));

    let login = |password: &'static str| json!({"email": email, "password": password});
    assert_eq!(engine.post("/auth/login", None, &login(wrong)).await.0, 401);
    let (status, first) = engine.post("/auth/login", None, &login(password)).await;
    assert_eq!(status, 200, "{first}");
    let access = first["access_token"].as_str().expect("access").to_string();
    let refresh = first["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    assert_eq!(engine.get("/me", &access).await, 200);
    let (status, second) = engine
        .post("/auth/refresh", None, &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(status, 200, "{second}");
    // The rotated token comes back: refused, and the session ends.
    let (status, _) = engine
        .post("/auth/refresh", None, &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(status, 401);
    for (name, body) in [("first", &first), ("second", &second)] {
        for kind in ["access_token", "refresh_token"] {
            let token = body[kind].as_str().expect("token").to_string();
            secrets.push((format!("{name} {kind}"), token));
        }
    }

    let (status, _) = engine
        .post("/auth/password-reset", None, &json!({"email": email}))
        .await;
    assert_eq!(status, 202);
    let reset = emailed_token(&db, email, "password_reset").await;
    let confirm = json!({"token": reset, "new_password": new_password});
    let (status, _) = engine
        .post("/auth/password-reset/confirm", None, &confirm)
        .await;
    assert_eq!(status, 204);
    secrets.push(("reset token".into(), reset));
    let (status, third) = engine.post("/auth/login", None, &login(new_password)).await;
    assert_eq!(status, 200, "{third}");
    let access = third["access_token"].as_str().expect("access").to_string();
    let refresh = third["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let (status, _) = engine
        .post(
            "/auth/logout",
            Some(&access),
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(status, 204);
    secrets.push(("third access token".into(), access.clone()));
    secrets.push(("third refresh token".into(), refresh));

    // Refused credentials must not be logged either.
    let payload = access.split('.').nth(1).expect("payload");
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    let garbage = format!("garbage-token-{}", Uuid::new_v4().simple());
    for token in [&access, &unsigned, &garbage] {
        assert_eq!(engine.get("/me", token).await, 401);
        assert_eq!(engine.get("/admin/users", token).await, 401);
    }
    let bogus_refresh = format!("bogus-refresh-{}", Uuid::new_v4().simple());
    let (status, _) = engine
        .post(
            "/auth/refresh",
            None,
            &json!({"refresh_token": bogus_refresh}),
        )
        .await;
    assert_eq!(status, 401);
    let with_extra_field = json!({"email": email, "password": new_password, "pin": new_password});
    assert_eq!(
        engine.post("/auth/login", None, &with_extra_field).await.0,
        422
    );
    secrets.push(("garbage token".into(), garbage));
    secrets.push(("bogus refresh token".into(), bogus_refresh));

    let log = engine.log_text();
    // The log recorded the session, so a leak would have had its chance to show.
    for expected in [
        "/api/v1/auth/login",
        "login failed",
        "logged in",
        "refresh token rotated",
        "rotated refresh token reused",
        "email verified",
        "password reset",
        "logged out",
        "email delivery failed",
        "configuration",
        // The SMTP and database URLs are logged, with the password masked.
        "smtp://mailer:***@",
        user.as_str(),
    ] {
        assert!(log.contains(expected), "the log lacks {expected:?}");
    }
    let leaks: Vec<&str> = secrets
        .iter()
        .filter(|(_, value)| log.contains(value.as_str()))
        .map(|(name, _)| name.as_str())
        .collect();
    // JWTs also by their signature alone (a log line might cut the rest off).
    let signatures: Vec<&str> = secrets
        .iter()
        .filter(|(name, value)| name.contains("access") && value.matches('.').count() == 2)
        .filter(|(_, value)| log.contains(value.rsplit('.').next().unwrap_or("-")))
        .map(|(name, _)| name.as_str())
        .collect();
    eprintln!(
        "log: {} lines, {} bytes, {} secrets looked for",
        log.lines().count(),
        log.len(),
        secrets.len()
    );
    assert!(leaks.is_empty(), "the log holds: {leaks:?}");
    assert!(
        signatures.is_empty(),
        "the log holds the signature of {signatures:?}"
    );
}
