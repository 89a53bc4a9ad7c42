//! `commerce-load`: drives the engine's real HTTP API with N concurrent customers and reports
//! throughput, latency percentiles per route, errors and projection lag, as text and JSON.
//!
//! It creates what it needs through the API (products, a coupon, one customer per
//! connection) as the admin it is given, then runs each scenario for a warm-up (discarded)
//! and a measured period. See BENCHMARKS.md for how the figures are produced.

mod api;
mod catalog;
mod fixture;
mod scenarios;
mod stats;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use serde::Serialize;

use crate::api::Api;
use crate::fixture::Fixture;
use crate::scenarios::{route, Scenario, Worker};
use crate::stats::{Stats, Summary};

/// Load generator for the commerce engine's HTTP API.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The API's base URL.
    #[arg(
        long,
        env = "LOAD_BASE_URL",
        default_value = "http://127.0.0.1:8080/api/v1"
    )]
    base_url: String,
    /// An admin account's email (created with `commerce admin create`).
    #[arg(long, env = "LOAD_ADMIN_EMAIL")]
    admin_email: String,
    /// That admin's password.
    #[arg(long, env = "LOAD_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
    /// Scenarios to run, in order (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    scenario: Vec<Scenario>,
    /// Concurrent customers (one connection each).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Warm-up seconds per scenario (not measured).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Products to create.
    #[arg(long, default_value_t = 100)]
    products: usize,
    /// Products of the generated catalogue the `search-catalog` scenario searches (made
    /// before it runs, unless the database holds them already).
    #[arg(long, env = "BENCH_CATALOG_SIZE", default_value_t = 10_000)]
    catalog_size: usize,
    /// Commands/s for the lag scenario (default: half the add-to-cart rate measured in this
    /// run, or 500 when add-to-cart did not run).
    #[arg(long)]
    lag_rate: Option<f64>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The engine's database, read with `psql` to count its committed transactions around
    /// each checkout scenario (Postgres transactions per confirmed order). Optional.
    #[arg(long, env = "LOAD_STATS_DATABASE_URL", hide_env_values = true)]
    stats_database_url: Option<String>,
    /// Longest wait, before each scenario and each transaction count, for the engine's relay
    /// and read models to catch up; 0 does not wait (an engine running neither, such as
    /// `commerce command-api`, never shows them caught up).
    #[arg(long, default_value_t = 60)]
    settle_seconds: u64,
}

/// The JSON report.
#[derive(Debug, Serialize)]
struct Report {
    base_url: String,
    connections: usize,
    duration_seconds: u64,
    scenarios: Vec<ScenarioReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkout_ratio: Option<CheckoutRatio>,
}

#[derive(Debug, Serialize)]
struct ScenarioReport {
    scenario: Scenario,
    connections: usize,
    /// The scenario's headline rate (requests, commands or confirmed orders per second).
    per_second: f64,
    /// Latency of the headline route.
    p99_ms: f64,
    /// For `lag`: the command rate asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_rate: Option<f64>,
    /// For the checkout scenarios: Postgres transactions committed per confirmed order
    /// (everything the database committed while measuring and settling afterwards).
    #[serde(skip_serializing_if = "Option::is_none")]
    transactions_per_order: Option<f64>,
    summary: Summary,
}

/// How checkouts compare with plain commands in one run.
#[derive(Debug, Serialize)]
struct CheckoutRatio {
    /// Confirmed orders/s of the checkout scenario ÷ add-to-cart commands/s, in percent.
    checkout_to_add_to_cart_percent: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let scenarios = if args.scenario.is_empty() {
        vec![
            Scenario::GetProduct,
            Scenario::Search,
            Scenario::SearchCatalog,
            Scenario::AddToCart,
            Scenario::Checkout,
            Scenario::CheckoutHotSpot,
            Scenario::Lag,
        ]
    } else {
        args.scenario.clone()
    };
    let anonymous = Api::new(&args.base_url)?;
    let admin_token = anonymous
        .login(&args.admin_email, &args.admin_password)
        .await?;
    let admin = anonymous.with_token(admin_token)?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    eprintln!(
        "setting up run {run}: {} products, {} customers",
        args.products, args.connections
    );
    let fixture = Arc::new(
        Fixture::create(&admin, &run, args.products, args.connections)
            .await
            .context("setting up the fixture")?,
    );
    if scenarios.contains(&Scenario::SearchCatalog) {
        catalog::ensure(&admin, args.connections, args.catalog_size)
            .await
            .context("generating the catalogue")?;
    }
    let mut reports: Vec<ScenarioReport> = Vec::new();
    for scenario in scenarios {
        let target_rate = (scenario == Scenario::Lag).then(|| {
            args.lag_rate.unwrap_or_else(|| {
                reports
                    .iter()
                    .find(|r| r.scenario == Scenario::AddToCart)
                    .map_or(500.0, |r| (r.per_second / 2.0).max(1.0))
            })
        });
        let pace = target_rate.map(|rate| Duration::from_secs_f64(args.connections as f64 / rate));
        let settling = Duration::from_secs(args.settle_seconds);
        settle(&args.base_url, settling).await;
        eprintln!("{scenario:?}: warming up {} s", args.warmup);
        run_workers(&fixture, scenario, Duration::from_secs(args.warmup), pace).await;
        let counted = matches!(scenario, Scenario::Checkout | Scenario::CheckoutHotSpot)
            .then_some(args.stats_database_url.as_deref())
            .flatten();
        let before = match counted {
            Some(url) => {
                analyze(url);
                committed_transactions(&args.base_url, url, settling).await
            }
            None => None,
        };
        eprintln!("{scenario:?}: measuring {} s", args.duration);
        let started = Instant::now();
        let stats = run_workers(&fixture, scenario, Duration::from_secs(args.duration), pace).await;
        let summary = stats.summary(started.elapsed());
        let after = match counted {
            Some(url) => committed_transactions(&args.base_url, url, settling).await,
            None => None,
        };
        let headline = match scenario {
            Scenario::GetProduct => route::GET_PRODUCT,
            Scenario::Search => route::SEARCH,
            Scenario::SearchCatalog => route::SEARCH_CATALOG,
            Scenario::AddToCart | Scenario::Lag => route::ADD_ITEM,
            Scenario::Checkout | Scenario::CheckoutHotSpot => route::CONFIRMED,
        };
        let (per_second, p99_ms) = summary
            .routes
            .get(headline)
            .map_or((0.0, 0.0), |r| (r.per_second, r.latency_ms.p99));
        let orders = summary.routes.get(route::CONFIRMED).map_or(0, |r| r.count);
        let transactions_per_order = match (before, after) {
            (Some(before), Some(after)) if orders > 0 => {
                Some(after.saturating_sub(before) as f64 / orders as f64)
            }
            _ => None,
        };
        let report = ScenarioReport {
            scenario,
            connections: args.connections,
            per_second,
            p99_ms,
            target_rate,
            transactions_per_order,
            summary,
        };
        print_report(&report)?;
        reports.push(report);
    }
    let rate = |wanted: Scenario| {
        reports
            .iter()
            .find(|r| r.scenario == wanted)
            .map(|r| r.per_second)
    };
    let ratio = match (rate(Scenario::Checkout), rate(Scenario::AddToCart)) {
        (Some(orders), Some(commands)) if commands > 0.0 => Some(CheckoutRatio {
            checkout_to_add_to_cart_percent: 100.0 * orders / commands,
        }),
        _ => None,
    };
    if let Some(ratio) = &ratio {
        writeln!(
            std::io::stdout().lock(),
            "\nconfirmed orders/s ÷ add-to-cart commands/s: {:.1} %",
            ratio.checkout_to_add_to_cart_percent
        )?;
    }
    if let Some(path) = &args.json {
        let report = Report {
            base_url: args.base_url.clone(),
            connections: args.connections,
            duration_seconds: args.duration,
            scenarios: reports,
            checkout_ratio: ratio,
        };
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Runs one worker per customer for `length` and merges what they saw.
async fn run_workers(
    fixture: &Arc<Fixture>,
    scenario: Scenario,
    length: Duration,
    pace: Option<Duration>,
) -> Stats {
    let deadline = Instant::now() + length;
    let mut tasks = tokio::task::JoinSet::new();
    for (index, api) in fixture.customers.iter().enumerate() {
        let worker = Worker {
            api: api.clone(),
            fixture: fixture.clone(),
            index,
            deadline,
            pace,
        };
        tasks.spawn(worker.run(scenario));
    }
    let mut stats = Stats::default();
    while let Some(result) = tasks.join_next().await {
        if let Ok(worker_stats) = result {
            stats.merge(worker_stats);
        }
    }
    stats
}

/// Waits (at most `limit`) until the engine's `/metrics` shows no relay backlog and no
/// projection behind, so one scenario's backlog is not measured as the next one's lag.
async fn settle(base_url: &str, limit: Duration) {
    if limit.is_zero() {
        return;
    }
    let origin = base_url.trim_end_matches('/').trim_end_matches("/api/v1");
    let Ok(api) = Api::new(origin) else {
        return;
    };
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let Some(text) = api.text("metrics").await else {
            return;
        };
        let busy = text.lines().any(|line| {
            (line.starts_with("commerce_relay_backlog_events")
                || line.starts_with("commerce_projection_lag_events"))
                && line.rsplit(' ').next().is_some_and(|v| v.trim() != "0")
        });
        if !busy {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("the pipeline did not settle within {limit:?}; measuring anyway");
}

/// How long an idle Postgres backend may hold its transaction counts before reporting them
/// (PostgreSQL 15 reports a busy backend's at most every second, an idle one's within 10 s).
const STATS_REPORTED_WITHIN: Duration = Duration::from_secs(11);

/// The transactions the database at `database_url` has committed, once the engine at
/// `base_url` is idle (waiting at most `settling`) and every backend has reported its counts;
/// `None` when `psql` fails.
async fn committed_transactions(
    base_url: &str,
    database_url: &str,
    settling: Duration,
) -> Option<u64> {
    settle(base_url, settling).await;
    tokio::time::sleep(STATS_REPORTED_WITHIN).await;
    let sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()";
    match psql(database_url, sql).and_then(|out| out.parse().map_err(|e| format!("{e}: {out}"))) {
        Ok(count) => Some(count),
        Err(error) => {
            eprintln!("could not read pg_stat_database: {error}");
            None
        }
    }
}

/// Brings the planner's statistics of the database at `database_url` up to date before a
/// measured period. The bench database is new: its order tables grow from empty during the
/// warm-up, and a statement the engine prepared while they were empty (a batch's update
/// joined to its rows, planned as a scan of a tiny table) keeps that plan until autovacuum
/// next analyses the table, up to a minute later, scanning ever more rows meanwhile. A
/// running shop's tables are analysed as they grow; `ANALYZE` makes every cached plan be
/// made again against their current size.
fn analyze(database_url: &str) {
    if let Err(error) = psql(database_url, "ANALYZE") {
        eprintln!("could not analyse the database: {error}");
    }
}

/// What `psql` prints for `sql` against `database_url`, unaligned and trimmed, or its error.
/// Between two measured periods nothing else runs: a blocking call is fine.
fn psql(database_url: &str, sql: &str) -> Result<String, String> {
    let output = std::process::Command::new("psql")
        .arg(database_url)
        .args(["-qAtc", sql])
        .output()
        .map_err(|error| error.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

/// Prints one scenario's figures as a text table.
fn print_report(report: &ScenarioReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\n== {:?} ({} connections, {:.1} s){}",
        report.scenario,
        report.connections,
        report.summary.seconds,
        report
            .target_rate
            .map(|r| format!(", {r:.0} commands/s asked"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "{:<34} {:>9} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8}",
        "route", "ok", "errors", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    )?;
    for (name, r) in &report.summary.routes {
        let l = r.latency_ms;
        writeln!(
            out,
            "{name:<34} {:>9} {:>7} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            r.count, r.errors, r.per_second, l.p50, l.p95, l.p99, l.max
        )?;
    }
    if let Some(transactions) = report.transactions_per_order {
        writeln!(
            out,
            "Postgres transactions per confirmed order: {transactions:.1}"
        )?;
    }
    if let Some(lag) = report.summary.lag_ms {
        writeln!(
            out,
            "projection lag ({} samples): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            report.summary.lag_samples, lag.p50, lag.p95, lag.p99, lag.max
        )?;
    }
    Ok(())
}
