//! Typed configuration read from environment variables, with documented defaults.
//!
//! Every variable is listed in the README's configuration table. Secrets (the database
//! password) never appear in `Debug` output or logs.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use std::time::Duration;

use anyhow::{anyhow, Context};
use commerce_eventlog::stream::StreamSettings;
use commerce_projections::read_models::inventory::InventoryLevels;
use commerce_projections::runner::RunnerSettings;

pub use crate::secret::{redact_url, Secret};

use crate::auth::sessions::TokenSettings;
use crate::mailer::MailSettings;
use crate::relay::RelaySettings;

/// Default listen address of the HTTP server.
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8080";
/// Default NATS server.
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";
/// Default size of the Postgres connection pool.
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 20;
/// Default number of events between two product snapshots.
pub const DEFAULT_SNAPSHOT_EVERY: usize = 20;
/// Default longest wait for a pooled connection (`DATABASE_ACQUIRE_TIMEOUT_MS`).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, one line per event.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The engine's configuration.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: the Postgres holding the event store and read models (required).
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: pool size per process.
    pub database_max_connections: u32,
    /// `DATABASE_ACQUIRE_TIMEOUT_MS`: longest wait for a pooled connection; bounds how long
    /// a request takes to answer 503 while Postgres is unreachable.
    pub database_acquire_timeout: Duration,
    /// `NATS_URL`: the NATS server with JetStream.
    pub nats_url: String,
    /// `HTTP_ADDR`: where the HTTP API listens.
    pub http_addr: SocketAddr,
    /// `SNAPSHOT_EVERY`: events between two snapshots of a product or a coupon.
    pub snapshot_every: usize,
    /// `LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// `NATS_STREAM`, `NATS_STREAM_REPLICAS`: the JetStream stream of all events.
    pub stream: StreamSettings,
    /// `RELAY_BATCH_SIZE`, `RELAY_POLL_INTERVAL_MS`: how the relay publishes.
    pub relay: RelaySettings,
    /// `PROJECTION_BATCH_SIZE`, `PROJECTION_MAX_DELIVER`, `PROJECTION_LINGER_MS`: how
    /// projections consume.
    pub runner: RunnerSettings,
    /// `INVENTORY_LEVELS`: `critical,low,medium` upper bounds of available stock.
    pub inventory_levels: InventoryLevels,
    /// `JWT_SECRET`: HMAC key signing access tokens (at least 32 bytes).
    pub jwt_secret: Secret,
    /// `ACCESS_TOKEN_TTL_SECONDS`: lifetime of an access token.
    pub access_token_ttl: Duration,
    /// `REFRESH_TOKEN_TTL_SECONDS`: lifetime of a refresh token family member.
    pub refresh_token_ttl: Duration,
    /// `RATE_LIMIT_PER_SECOND`: requests per second per client address; 0 turns it off.
    pub rate_limit_per_second: u32,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins allowed by CORS (empty: none).
    pub cors_allowed_origins: Vec<String>,
    /// `MAX_BODY_BYTES`: largest accepted request body.
    pub max_body_bytes: usize,
    /// `READ_WAIT_TIMEOUT_MS`: longest a query waits for `min_version`.
    pub read_wait_timeout: Duration,
    /// `PRODUCT_CACHE_ENTRIES`: products kept rendered in memory for `GET products/{id}`
    /// (0 turns the cache off).
    pub product_cache_entries: usize,
    /// `SEARCH_INDEX`: each HTTP process answers `GET products` from an in-memory copy of the
    /// catalog (`true`) or from Postgres only (`false`).
    pub search_index: bool,
    /// `AGGREGATE_CACHE_ENTRIES`: aggregates of each type kept in memory between commands
    /// (0 loads every aggregate from the store for every command).
    pub aggregate_cache_entries: usize,
    /// `ORDER_PAYMENT_TIMEOUT_SECONDS`: how long a confirmed order may stay unpaid.
    pub payment_timeout: Duration,
    /// `ORDER_EXPIRY_INTERVAL_MS`: how often workers expire unpaid orders past their deadline.
    pub expiry_interval: Duration,
    /// `CONTACT_MESSAGES_PER_HOUR`: contact messages accepted per client address and per
    /// sender email in an hour (0: no limit).
    pub contact_messages_per_hour: u32,
    /// `PAYMENT_WEBHOOK_SECRET`: HMAC key verifying `Payment-Signature` on payment webhooks.
    pub payment_webhook_secret: Secret,
    /// `STRIPE_SECRET_KEY`, `STRIPE_API_BASE`, `STRIPE_WEBHOOK_SECRET`: the Stripe provider.
    pub stripe: StripeSettings,
    /// `RETURN_WINDOW_DAYS`: how many days after delivery a customer may ask for a return.
    pub return_window_days: u32,
    /// `SHIPPING_FLAT_RATE`, `FREE_SHIPPING_FROM`, `TAX_RATE_BPS`: how orders are priced.
    pub pricing: PricingSettings,
    /// `MEDIA_STORE_URL`, `MEDIA_MAX_BYTES` (and the `AWS_*` variables of an S3 store): where
    /// uploaded images are kept and how large they may be.
    pub media: MediaSettings,
    /// `MAIL_DIR`, `MAIL_FROM`, `PUBLIC_BASE_URL`, `SMTP_URL`, `SMTP_TIMEOUT_SECONDS`,
    /// `MAIL_POLL_INTERVAL_MS`, `MAIL_RETRY_BASE_MS`: how emails are written, linked, delivered
    /// and retried.
    pub mail: MailSettings,
    /// `FRESH_TOKEN_SECONDS`, `REQUIRE_VERIFIED_EMAIL`: what account changes and checkout ask of
    /// the caller.
    pub accounts: AccountSettings,
}

/// What sensitive account changes and checkout ask of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountSettings {
    /// `FRESH_TOKEN_SECONDS`: how long after a password login its access token may change the
    /// email or the password (a refreshed token never may).
    pub fresh_token: Duration,
    /// `REQUIRE_VERIFIED_EMAIL`: checkout refuses customers whose address is unverified.
    pub require_verified_email: bool,
}

impl AccountSettings {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let require_verified_email = match lookup("REQUIRE_VERIFIED_EMAIL").as_deref() {
            None | Some("" | "false" | "off" | "0") => false,
            Some("true" | "on" | "1") => true,
            Some(other) => {
                return Err(anyhow!(
                    "REQUIRE_VERIFIED_EMAIL '{other}' must be true or false"
                ))
            }
        };
        Ok(Self {
            fresh_token: Duration::from_secs(parse_or(lookup, "FRESH_TOKEN_SECONDS", 300)?),
            require_verified_email,
        })
    }
}

/// Stripe's default API base.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// The Stripe payment provider.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// `STRIPE_SECRET_KEY`: the API key (`sk_…`). Unset: the `stripe` provider is not offered.
    pub secret_key: Option<Secret>,
    /// `STRIPE_API_BASE`: where the API is (Stripe's by default; an emulator in tests).
    pub api_base: String,
    /// `STRIPE_WEBHOOK_SECRET`: the signing secret of the webhook endpoint (`whsec_…`) that
    /// verifies `Stripe-Signature`. Unset: a random per-process key, so every event is refused.
    pub webhook_secret: Secret,
}

impl StripeSettings {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let api_base = lookup("STRIPE_API_BASE")
            .map(|base| base.trim().trim_end_matches('/').to_string())
            .filter(|base| !base.is_empty())
            .unwrap_or_else(|| STRIPE_API_BASE.to_string());
        if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
            return Err(anyhow!(
                "STRIPE_API_BASE '{api_base}' must be an http(s) URL"
            ));
        }
        let webhook_secret = match lookup("STRIPE_WEBHOOK_SECRET") {
            Some(secret) if !secret.is_empty() => Secret::new(secret),
            _ => random_webhook_secret("STRIPE_WEBHOOK_SECRET"),
        };
        Ok(Self {
            secret_key: lookup("STRIPE_SECRET_KEY")
                .filter(|key| !key.trim().is_empty())
                .map(Secret::new),
            api_base,
            webhook_secret,
        })
    }
}

/// A webhook key no provider knows, so every event is refused until `variable` is set.
fn random_webhook_secret(variable: &str) -> Secret {
    tracing::warn!("{variable} unset: using a random per-process key");
    Secret::new(format!(
        "whsec_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// Default `MEDIA_STORE_URL`: a folder under the working directory's `.state`.
pub const DEFAULT_MEDIA_STORE_URL: &str = "file://.state/media";
/// Default `MEDIA_MAX_BYTES`: 10 MiB.
pub const DEFAULT_MEDIA_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Where uploaded images are kept and how large they may be.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// `MEDIA_STORE_URL`: a folder or an S3 bucket.
    pub location: MediaStoreLocation,
    /// `MEDIA_MAX_BYTES`: the largest image file accepted.
    pub max_bytes: usize,
}

/// A media store's location (`MEDIA_STORE_URL`).
#[derive(Debug, Clone)]
pub enum MediaStoreLocation {
    /// `file://<folder>`: `file:///srv/media`, or relative to the working directory
    /// (`file://.state/media`).
    Folder(PathBuf),
    /// `s3://<bucket>`, with the standard AWS variables.
    S3(S3Settings),
}

/// An S3 (or S3-compatible) bucket and how to reach it: the standard AWS variables.
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// The bucket, from `s3://<bucket>`.
    pub bucket: String,
    /// `AWS_REGION` (else `AWS_DEFAULT_REGION`, else `us-east-1`).
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`; unset, the credentials of the instance or task are used.
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<Secret>,
    /// `AWS_SESSION_TOKEN`, for temporary credentials.
    pub session_token: Option<Secret>,
    /// `AWS_ENDPOINT_URL`: another S3-compatible service than AWS's.
    pub endpoint: Option<String>,
    /// Plain `http://` to the endpoint: allowed on loopback, elsewhere only with
    /// `AWS_ALLOW_HTTP=true`.
    pub allow_http: bool,
}

/// Room in an upload's body for the multipart framing and the `alt` field, besides the file.
pub const UPLOAD_FORM_OVERHEAD: usize = 64 * 1024;

impl MediaSettings {
    /// The largest body of an upload route: the largest file and its form around it.
    pub fn upload_body_limit(&self) -> usize {
        self.max_bytes.saturating_add(UPLOAD_FORM_OVERHEAD)
    }

    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let url = lookup("MEDIA_STORE_URL")
            .map(|url| url.trim().to_string())
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| DEFAULT_MEDIA_STORE_URL.to_string());
        let location = if let Some(folder) = url.strip_prefix("file://") {
            if folder.is_empty() {
                return Err(anyhow!("MEDIA_STORE_URL '{url}' names no folder"));
            }
            MediaStoreLocation::Folder(PathBuf::from(folder))
        } else if let Some(bucket) = url.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                return Err(anyhow!(
                    "MEDIA_STORE_URL '{url}' must be s3://<bucket> (no key prefix)"
                ));
            }
            MediaStoreLocation::S3(S3Settings::from_lookup(lookup, bucket)?)
        } else {
            return Err(anyhow!(
                "MEDIA_STORE_URL '{url}' must be file://<folder> or s3://<bucket>"
            ));
        };
        let max_bytes = parse_or(lookup, "MEDIA_MAX_BYTES", DEFAULT_MEDIA_MAX_BYTES)?;
        if max_bytes == 0 {
            return Err(anyhow!("MEDIA_MAX_BYTES must be positive"));
        }
        Ok(Self {
            location,
            max_bytes,
        })
    }
}

impl S3Settings {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>, bucket: &str) -> anyhow::Result<Self> {
        let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let endpoint = set("AWS_ENDPOINT_URL").map(|e| e.trim().trim_end_matches('/').to_string());
        let allow_http = match &endpoint {
            Some(endpoint) if endpoint.starts_with("http://") => {
                let explicit = set("AWS_ALLOW_HTTP").is_some_and(|v| v.trim() == "true");
                if !(explicit || loopback_url(endpoint)) {
                    return Err(anyhow!(
                        "AWS_ENDPOINT_URL '{endpoint}' is plain http: only loopback, or set \
                         AWS_ALLOW_HTTP=true"
                    ));
                }
                true
            }
            Some(endpoint) if !endpoint.starts_with("https://") => {
                return Err(anyhow!(
                    "AWS_ENDPOINT_URL '{endpoint}' must be an http(s) URL"
                ))
            }
            _ => false,
        };
        Ok(Self {
            bucket: bucket.to_string(),
            region: set("AWS_REGION")
                .or_else(|| set("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_string()),
            access_key_id: set("AWS_ACCESS_KEY_ID"),
            secret_access_key: set("AWS_SECRET_ACCESS_KEY").map(Secret::new),
            session_token: set("AWS_SESSION_TOKEN").map(Secret::new),
            endpoint,
            allow_http,
        })
    }
}

/// Whether `url` (`http://host[:port][/…]`) names a loopback host.
fn loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How orders are priced: amounts in minor units of the cart's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricingSettings {
    /// `SHIPPING_FLAT_RATE`: shipping charged below the free-shipping threshold.
    pub shipping_flat_rate: i64,
    /// `FREE_SHIPPING_FROM`: discounted subtotal from which shipping is free (`None`: never).
    pub free_shipping_from: Option<i64>,
    /// `TAX_RATE_BPS`: the tax rate in basis points (2000 = 20 %), at most 10000.
    pub tax_rate_bps: u32,
}

impl Default for PricingSettings {
    fn default() -> Self {
        Self {
            shipping_flat_rate: 499,
            free_shipping_from: Some(5_000),
            tax_rate_bps: 0,
        }
    }
}

impl PricingSettings {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = Self::default();
        let shipping_flat_rate: i64 =
            parse_or(lookup, "SHIPPING_FLAT_RATE", defaults.shipping_flat_rate)?;
        if shipping_flat_rate < 0 {
            return Err(anyhow!("SHIPPING_FLAT_RATE must not be negative"));
        }
        let free_shipping_from = match lookup("FREE_SHIPPING_FROM").as_deref().map(str::trim) {
            None => defaults.free_shipping_from,
            Some("") | Some("off") => None,
            Some(raw) => match raw.parse::<i64>() {
                Ok(value) if value >= 0 => Some(value),
                _ => {
                    return Err(anyhow!(
                        "FREE_SHIPPING_FROM '{raw}' must be a non-negative number or off"
                    ))
                }
            },
        };
        let tax_rate_bps: u32 = parse_or(lookup, "TAX_RATE_BPS", defaults.tax_rate_bps)?;
        if tax_rate_bps > 10_000 {
            return Err(anyhow!("TAX_RATE_BPS {tax_rate_bps} must be at most 10000"));
        }
        Ok(Self {
            shipping_flat_rate,
            free_shipping_from,
            tax_rate_bps,
        })
    }
}

impl Config {
    /// The settings sessions sign and expire tokens with.
    pub fn token_settings(&self) -> TokenSettings {
        TokenSettings {
            jwt_secret: self.jwt_secret.clone(),
            access_token_ttl: self.access_token_ttl,
            refresh_token_ttl: self.refresh_token_ttl,
        }
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let database_url = lookup("DATABASE_URL")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| anyhow!("DATABASE_URL must be set (postgres://user:pass@host/db)"))?;
        let http_addr = lookup("HTTP_ADDR").unwrap_or_else(|| DEFAULT_HTTP_ADDR.into());
        let http_addr = http_addr
            .parse()
            .with_context(|| format!("HTTP_ADDR '{http_addr}' is not a socket address"))?;
        let log_format = match lookup("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(anyhow!("LOG_FORMAT '{other}' must be pretty or json")),
        };
        let stream = StreamSettings {
            name: lookup("NATS_STREAM").unwrap_or_else(|| StreamSettings::default().name),
            replicas: parse_or(&lookup, "NATS_STREAM_REPLICAS", 1)?,
            ..StreamSettings::default()
        };
        let relay = RelaySettings {
            stream: stream.clone(),
            batch_size: parse_or(
                &lookup,
                "RELAY_BATCH_SIZE",
                RelaySettings::default().batch_size,
            )?,
            poll_interval: Duration::from_millis(parse_or(&lookup, "RELAY_POLL_INTERVAL_MS", 250)?),
            crash_after_publish: lookup("RELAY_FAULT").as_deref() == Some("crash-after-publish"),
        };
        let runner = RunnerSettings {
            stream: stream.name.clone(),
            batch_size: parse_or(
                &lookup,
                "PROJECTION_BATCH_SIZE",
                RunnerSettings::default().batch_size,
            )?,
            max_deliver: parse_or(
                &lookup,
                "PROJECTION_MAX_DELIVER",
                RunnerSettings::default().max_deliver,
            )?,
            linger: Duration::from_millis(parse_or(
                &lookup,
                "PROJECTION_LINGER_MS",
                RunnerSettings::default().linger.as_millis() as u64,
            )?),
            ..RunnerSettings::default()
        };
        let inventory_levels = match lookup("INVENTORY_LEVELS") {
            None => InventoryLevels::default(),
            Some(raw) => InventoryLevels::parse(&raw)
                .map_err(|e| anyhow!("INVENTORY_LEVELS '{raw}': {e}"))?,
        };
        let jwt_secret = match lookup("JWT_SECRET") {
            Some(secret) if secret.len() >= 32 => Secret::new(secret),
            Some(_) => return Err(anyhow!("JWT_SECRET must be at least 32 bytes")),
            None => {
                // Development default: a fresh random key per process (tokens do not survive
                // a restart, and separate processes do not accept each other's tokens).
                tracing::warn!("JWT_SECRET unset: using a random per-process key");
                Secret::new(format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                ))
            }
        };
        let payment_webhook_secret = match lookup("PAYMENT_WEBHOOK_SECRET") {
            Some(secret) if !secret.is_empty() => Secret::new(secret),
            _ => random_webhook_secret("PAYMENT_WEBHOOK_SECRET"),
        };
        let cors_allowed_origins = lookup("CORS_ALLOWED_ORIGINS")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            jwt_secret,
            payment_webhook_secret,
            access_token_ttl: Duration::from_secs(parse_or(
                &lookup,
                "ACCESS_TOKEN_TTL_SECONDS",
                900,
            )?),
            refresh_token_ttl: Duration::from_secs(parse_or(
                &lookup,
                "REFRESH_TOKEN_TTL_SECONDS",
                30 * 24 * 3600,
            )?),
            rate_limit_per_second: parse_or(&lookup, "RATE_LIMIT_PER_SECOND", 100)?,
            cors_allowed_origins,
            max_body_bytes: parse_or(&lookup, "MAX_BODY_BYTES", 256 * 1024)?,
            product_cache_entries: parse_or(&lookup, "PRODUCT_CACHE_ENTRIES", 10_000)?,
            search_index: parse_or(&lookup, "SEARCH_INDEX", true)?,
            aggregate_cache_entries: parse_or(&lookup, "AGGREGATE_CACHE_ENTRIES", 10_000)?,
            read_wait_timeout: Duration::from_millis(parse_or(
                &lookup,
                "READ_WAIT_TIMEOUT_MS",
                3000,
            )?),
            payment_timeout: Duration::from_secs(parse_or(
                &lookup,
                "ORDER_PAYMENT_TIMEOUT_SECONDS",
                1800,
            )?),
            expiry_interval: Duration::from_millis(parse_or(
                &lookup,
                "ORDER_EXPIRY_INTERVAL_MS",
                10_000,
            )?),
            contact_messages_per_hour: parse_or(&lookup, "CONTACT_MESSAGES_PER_HOUR", 5)?,
            stripe: StripeSettings::from_lookup(&lookup)?,
            return_window_days: parse_or(&lookup, "RETURN_WINDOW_DAYS", 30)?,
            pricing: PricingSettings::from_lookup(&lookup)?,
            media: MediaSettings::from_lookup(&lookup)?,
            mail: MailSettings::from_lookup(&lookup)?,
            accounts: AccountSettings::from_lookup(&lookup)?,
            stream,
            relay,
            runner,
            inventory_levels,
            database_url,
            database_max_connections: parse_or(
                &lookup,
                "DATABASE_MAX_CONNECTIONS",
                DEFAULT_DATABASE_MAX_CONNECTIONS,
            )?,
            database_acquire_timeout: Duration::from_millis(parse_or(
                &lookup,
                "DATABASE_ACQUIRE_TIMEOUT_MS",
                DEFAULT_ACQUIRE_TIMEOUT.as_millis() as u64,
            )?),
            nats_url: lookup("NATS_URL").unwrap_or_else(|| DEFAULT_NATS_URL.into()),
            http_addr,
            snapshot_every: parse_or(&lookup, "SNAPSHOT_EVERY", DEFAULT_SNAPSHOT_EVERY)?,
            log_format,
        })
    }
}

fn parse_or<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
) -> anyhow::Result<T> {
    match lookup(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse()
            .map_err(|_| anyhow!("{name} '{raw}' is not a valid number")),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("database_max_connections", &self.database_max_connections)
            .field("database_acquire_timeout", &self.database_acquire_timeout)
            .field("nats_url", &redact_url(&self.nats_url))
            .field("http_addr", &self.http_addr)
            .field("snapshot_every", &self.snapshot_every)
            .field("log_format", &self.log_format)
            .field("stream", &self.stream)
            .field("relay", &self.relay)
            .field("runner", &self.runner)
            .field("inventory_levels", &self.inventory_levels)
            .field("jwt_secret", &self.jwt_secret)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("read_wait_timeout", &self.read_wait_timeout)
            .field("product_cache_entries", &self.product_cache_entries)
            .field("search_index", &self.search_index)
            .field("aggregate_cache_entries", &self.aggregate_cache_entries)
            .field("payment_timeout", &self.payment_timeout)
            .field("expiry_interval", &self.expiry_interval)
            .field("contact_messages_per_hour", &self.contact_messages_per_hour)
            .field("payment_webhook_secret", &self.payment_webhook_secret)
            .field("stripe", &self.stripe)
            .field("return_window_days", &self.return_window_days)
            .field("pricing", &self.pricing)
            .field("media", &self.media)
            .field("mail", &self.mail)
            .field("accounts", &self.accounts)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn applies_documented_defaults() {
        let c = config(&[("DATABASE_URL", "postgres://u:p@127.0.0.1/db")]).expect("valid");
        assert_eq!(c.http_addr.to_string(), DEFAULT_HTTP_ADDR);
        assert_eq!(c.nats_url, DEFAULT_NATS_URL);
        assert_eq!(c.database_max_connections, DEFAULT_DATABASE_MAX_CONNECTIONS);
        assert_eq!(c.database_acquire_timeout, DEFAULT_ACQUIRE_TIMEOUT);
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn reads_the_account_settings() {
        let c = config(&[("DATABASE_URL", "postgres://x")]).expect("valid");
        assert_eq!(c.accounts.fresh_token, Duration::from_secs(300));
        assert!(!c.accounts.require_verified_email);
        let c = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("FRESH_TOKEN_SECONDS", "60"),
            ("REQUIRE_VERIFIED_EMAIL", "true"),
        ])
        .expect("valid");
        assert_eq!(c.accounts.fresh_token, Duration::from_secs(60));
        assert!(c.accounts.require_verified_email);
        let bad = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("REQUIRE_VERIFIED_EMAIL", "maybe"),
        ]);
        assert!(bad.is_err());
    }

    #[test]
    fn reads_the_pricing_settings() {
        let c = config(&[("DATABASE_URL", "postgres://x")]).expect("valid");
        assert_eq!(c.pricing, PricingSettings::default());
        let c = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("SHIPPING_FLAT_RATE", "799"),
            ("FREE_SHIPPING_FROM", "off"),
            ("TAX_RATE_BPS", "2000"),
        ])
        .expect("valid");
        assert_eq!(
            c.pricing,
            PricingSettings {
                shipping_flat_rate: 799,
                free_shipping_from: None,
                tax_rate_bps: 2000
            }
        );
        let c =
            config(&[("DATABASE_URL", "postgres://x"), ("FREE_SHIPPING_FROM", "")]).expect("valid");
        assert_eq!(c.pricing.free_shipping_from, None);
        for (name, value) in [
            ("TAX_RATE_BPS", "10001"),
            ("SHIPPING_FLAT_RATE", "-1"),
            ("FREE_SHIPPING_FROM", "soon"),
        ] {
            let err =
                config(&[("DATABASE_URL", "postgres://x"), (name, value)]).expect_err("invalid");
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn reads_the_media_settings() {
        let db = ("DATABASE_URL", "postgres://x");
        let c = config(&[db]).expect("valid");
        assert_eq!(c.media.max_bytes, DEFAULT_MEDIA_MAX_BYTES);
        assert!(
            matches!(&c.media.location, MediaStoreLocation::Folder(f) if f.as_path() == std::path::Path::new(".state/media"))
        );
        let c = config(&[
            db,
            ("MEDIA_STORE_URL", "s3://shop-media"),
            ("MEDIA_MAX_BYTES", "2048"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"),
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret-key"),
        ])
        .expect("valid");
        assert_eq!(c.media.max_bytes, 2048);
        let MediaStoreLocation::S3(s3) = &c.media.location else {
            panic!("an S3 store: {:?}", c.media.location);
        };
        assert_eq!(s3.bucket, "shop-media");
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s3.allow_http, "loopback over http");
        assert!(!format!("{c:?}").contains("very-secret-key"));
        for (vars, named) in [
            (
                vec![("MEDIA_STORE_URL", "ftp://host/media")],
                "MEDIA_STORE_URL",
            ),
            (
                vec![("MEDIA_STORE_URL", "s3://bucket/prefix")],
                "MEDIA_STORE_URL",
            ),
            (vec![("MEDIA_MAX_BYTES", "0")], "MEDIA_MAX_BYTES"),
            (
                vec![
                    ("MEDIA_STORE_URL", "s3://b"),
                    ("AWS_ENDPOINT_URL", "http://storage.example.com"),
                ],
                "AWS_ENDPOINT_URL",
            ),
        ] {
            let mut vars = vars;
            vars.push(db);
            let err = config(&vars).expect_err("invalid");
            assert!(err.to_string().contains(named), "{err}");
        }
        let c = config(&[
            db,
            ("MEDIA_STORE_URL", "s3://b"),
            ("AWS_ENDPOINT_URL", "http://storage.example.com"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_DEFAULT_REGION", "eu-west-3"),
        ])
        .expect("http allowed explicitly");
        assert!(
            matches!(&c.media.location, MediaStoreLocation::S3(s3) if s3.region == "eu-west-3")
        );
    }

    #[test]
    fn requires_a_database_url() {
        assert!(config(&[]).is_err());
    }

    #[test]
    fn rejects_a_malformed_http_addr() {
        let err = config(&[("DATABASE_URL", "postgres://x"), ("HTTP_ADDR", "nowhere")])
            .expect_err("invalid");
        assert!(err.to_string().contains("HTTP_ADDR"));
    }

    #[test]
    fn rejects_a_short_jwt_secret_and_never_prints_it() {
        assert!(config(&[("DATABASE_URL", "postgres://x"), ("JWT_SECRET", "short")]).is_err());
        let secret = "0123456789abcdef0123456789abcdef-secret";
        let c = config(&[("DATABASE_URL", "postgres://x"), ("JWT_SECRET", secret)]).expect("valid");
        assert!(!format!("{c:?}").contains(secret));
    }

    #[test]
    fn rejects_a_bad_smtp_url_and_never_prints_its_password() {
        let err = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("SMTP_URL", "smtp://mailer:hunter2@relay.example?tls=maybe"),
        ])
        .expect_err("invalid");
        assert!(err.to_string().starts_with("SMTP_URL"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let c = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("SMTP_URL", "smtps://mailer:hunter2@relay.example"),
        ])
        .expect("valid");
        assert!(c.mail.smtp.is_some());
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn never_prints_the_database_password() {
        let c = config(&[("DATABASE_URL", "postgres://app:s3cret@db:5432/shop")]).expect("valid");
        let printed = format!("{c:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("postgres://app:***@db:5432/shop"));
    }
}
