//! Test harness: a fresh, migrated database per test (dropped afterwards) and the engine
//! started on port 0 against it.
//!
//! `DATABASE_URL` must point at the test Postgres with rights to create databases;
//! `scripts/test` sets it up.

use std::net::SocketAddr;
use std::sync::Once;

use commerce::app::{App, Roles};
use commerce::config::Config;
use commerce::shutdown::Shutdown;
use commerce::store::{Actor, CommandMetadata, Stores};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::task::JoinHandle;
use uuid::Uuid;

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must be set: run the suite through scripts/test")
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (server, _) = base
        .rsplit_once('/')
        .expect("DATABASE_URL has a database name");
    format!("{server}/{database}{query}")
}

fn init_tracing() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            commerce::telemetry::init(commerce::config::LogFormat::Pretty);
        }
    });
}

/// A database created for one test and dropped when the value is dropped.
pub struct TestDatabase {
    /// Pool on the test database.
    pub pool: PgPool,
    /// Its connection URL.
    pub url: String,
    name: String,
}

impl TestDatabase {
    /// Creates a uniquely named database holding every migration: a copy of the migrated
    /// template ([`template`]), named after the very migrations it holds.
    pub async fn create() -> Self {
        init_tracing();
        let name = format!("test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url())
            .await
            .expect("connect to the test Postgres");
        let template = template(&mut admin)
            .await
            .expect("migrated template database");
        sqlx::query(&format!(
            r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#
        ))
        .execute(&mut admin)
        .await
        .expect("create test database");
        admin.close().await.ok();
        let url = with_database(&admin_url(), &name);
        let pool = commerce::db::connect_url(&url, 60)
            .await
            .expect("connect to test database");
        Self { pool, url, name }
    }
}

/// The name of the database the test databases are copied from: every migration applied,
/// named after the migrations' versions and checksums. Copying it costs a fraction of
/// migrating an empty database, which every test would otherwise do. The first test of a
/// new set of migrations builds it, under a lock the others wait on, under a temporary name
/// renamed once complete; templates of other migration sets are dropped then.
async fn template(admin: &mut PgConnection) -> Result<String, sqlx::Error> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    for migration in commerce::db::MIGRATOR.iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    let name = format!("test_template_{:016x}", hasher.finish());
    sqlx::query("SELECT pg_advisory_lock(hashtext('commerce test template'))")
        .execute(&mut *admin)
        .await?;
    let built = build_template(admin, &name).await;
    sqlx::query("SELECT pg_advisory_unlock(hashtext('commerce test template'))")
        .execute(&mut *admin)
        .await?;
    built.map(|()| name)
}

async fn build_template(admin: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut *admin)
            .await?;
    if exists {
        return Ok(());
    }
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'test\\_template\\_%'",
    )
    .fetch_all(&mut *admin)
    .await?;
    for database in stale {
        sqlx::query(&format!(r#"DROP DATABASE "{database}" WITH (FORCE)"#))
            .execute(&mut *admin)
            .await?;
    }
    let building = format!("{name}_building");
    sqlx::query(&format!(r#"CREATE DATABASE "{building}""#))
        .execute(&mut *admin)
        .await?;
    let pool = commerce::db::connect_url(&with_database(&admin_url(), &building), 1).await?;
    commerce::db::migrate(&pool)
        .await
        .map_err(|error| sqlx::Error::Protocol(format!("template migrations: {error}")))?;
    pool.close().await;
    // The pool's session may still be ending on the server, which refuses to rename a
    // database anyone is connected to: wait for it.
    let rename = format!(r#"ALTER DATABASE "{building}" RENAME TO "{name}""#);
    for tries in 1.. {
        match sqlx::query(&rename).execute(&mut *admin).await {
            Ok(_) => break,
            Err(_) if tries < 50 => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop may run inside the test's runtime, which cannot be re-entered: use a private
        // runtime on a plain thread. The test pool is not closed from there (its sockets
        // belong to the blocked test runtime); FORCE ends its sessions server-side.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url()).await?;
                sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                    .execute(&mut admin)
                    .await?;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// The engine running inside the test, on its own database.
pub struct TestApp {
    /// Where the HTTP API listens.
    pub addr: SocketAddr,
    /// The test's database (dropped with the app).
    pub db: TestDatabase,
    /// The engine's aggregate stores.
    pub stores: std::sync::Arc<Stores>,
    /// The engine's pipeline (JetStream, projections, their runners' wake-ups).
    pub pipeline: std::sync::Arc<commerce::http::Pipeline>,
    /// HTTP client for the API.
    pub client: reqwest::Client,
    /// The engine's configuration.
    pub config: Config,
    shutdown: Shutdown,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// An access token for a new user id with `role`, signed with the engine's key (tests of
    /// routes other than auth use it instead of registering and logging in).
    pub fn token(&self, role: commerce_aggregates::Role) -> (Uuid, String) {
        let user = Uuid::new_v4();
        let token = commerce::auth::jwt::issue(
            self.config.jwt_secret.expose(),
            user,
            role,
            std::time::Duration::from_secs(600),
        )
        .expect("token signs")
        .token;
        (user, token)
    }

    /// `http://<addr>/api/v1<path>`.
    pub fn api(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.addr)
    }

    /// Stops the engine and waits until it has exited.
    pub async fn stop(mut self) {
        self.shutdown.trigger();
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server exits cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// A configuration for the test database, listening on a free loopback port, with some
/// variables set to other values.
pub fn test_config_with(db: &TestDatabase, overrides: &[(&str, &str)]) -> Config {
    let database_url = db.url.clone();
    let overrides: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|name| {
        if let Some((_, value)) = overrides.iter().find(|(k, _)| k == name) {
            return Some(value.clone());
        }
        match name {
            "DATABASE_URL" => Some(database_url.clone()),
            "HTTP_ADDR" => Some("127.0.0.1:0".into()),
            "DATABASE_MAX_CONNECTIONS" => Some("30".into()),
            "SNAPSHOT_EVERY" => Some("10".into()),
            "RELAY_POLL_INTERVAL_MS" => Some("50".into()),
            "RATE_LIMIT_PER_SECOND" => Some("0".into()),
            // Tests read products right after changing them; the cache (invalidated a few
            // milliseconds after commit) has its own tests (queries::product_cache).
            "PRODUCT_CACHE_ENTRIES" => Some("0".into()),
            // Likewise the search index (queries::search_index has the tests that turn it on).
            "SEARCH_INDEX" => Some("false".into()),
            _ => std::env::var(name).ok(),
        }
    })
    .expect("test configuration")
}

/// Starts the engine on port 0 against a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// [`spawn_app`] with some configuration variables overridden.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    spawn_app_with_roles(overrides, Roles::HTTP).await
}

/// Metadata for a command issued by an admin in a test.
pub fn admin_metadata() -> CommandMetadata {
    CommandMetadata::new(
        Actor::user(Uuid::new_v4(), commerce_aggregates::Role::Admin),
        format!("test-{}", Uuid::new_v4()),
    )
}

/// Starts the engine running `roles` on port 0 against a fresh database, with some
/// configuration variables overridden: the one constructor the others delegate to (e.g.
/// `Roles::SERVE` against a test NATS server given as a `NATS_URL` override runs the whole
/// engine, HTTP, relay and workers).
pub async fn spawn_app_with_roles(overrides: &[(&str, &str)], roles: Roles) -> TestApp {
    let db = TestDatabase::create().await;
    let config = test_config_with(&db, overrides);
    let app = App::with_pool(&config, db.pool.clone(), roles)
        .await
        .expect("app builds");
    let addr = app.local_addr().expect("bound address");
    let stores = app.state().stores.clone();
    let pipeline = app.state().pipeline.clone();
    let shutdown = Shutdown::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    TestApp {
        addr,
        db,
        stores,
        pipeline,
        client: reqwest::Client::new(),
        config,
        shutdown,
        server: Some(server),
    }
}
