//! Pipeline benchmark: relay throughput (events/s published), end-to-end lag (command
//! committed → visible in its read model) under a steady command rate, and replay rate.
//!
//! Run it with `scripts/bench-pipeline` (which starts the local services). It creates its own
//! database on `DATABASE_URL`'s server and its own nats-server, and prints a text report and
//! a JSON line. Knobs: `BENCH_EVENTS` (relay/replay events, default 20000), `BENCH_RATE`
//! (commands/s for the lag run, default 200), `BENCH_SECONDS` (lag run length, default 10),
//! `BENCH_PARTS` (which parts run, default `relay,replay,lag,mix`: `replay` rebuilds `carts`
//! over the relay's backlog, fast and event by event; `mix` writes a mixed history of
//! `BENCH_MIX_UNITS` products, carts and orders, default 5000, 18 events each, and rebuilds
//! `catalog`, `inventory`, `carts` and `orders` from it (or those `BENCH_MIX_REPLAYS` lists)
//! — also event by event with `BENCH_MIX_PER_EVENT=1`); `BENCH_REPLAY_PER_EVENT=0` skips the
//! per-event reference of `replay`.

#[path = "pipeline/replay_mix.rs"]
mod replay_mix;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use commerce::app::{App, Roles};
use commerce::config::Config;
use commerce::shutdown::Shutdown;
use commerce::store::{Actor, CommandMetadata};
use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::Currency;
use commerce_projections::{read_models, replay, runner, Projection, Subscriber};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Nats {
    child: Child,
    store: std::path::PathBuf,
    url: String,
}

impl Nats {
    fn start() -> anyhow::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let store = std::env::temp_dir().join(format!("commerce-bench-nats-{}", Uuid::new_v4()));
        let bin = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("nats-server");
        let child = Command::new(bin)
            .args([
                "-c",
                concat!(env!("CARGO_MANIFEST_DIR"), "/nats.conf"),
                "-a",
                "127.0.0.1",
            ])
            .args(["-p", &port.to_string(), "-sd"])
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        std::thread::sleep(Duration::from_millis(300));
        Ok(Self {
            child,
            store,
            url: format!("nats://127.0.0.1:{port}"),
        })
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        std::fs::remove_dir_all(&self.store).ok();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn backlog_empty(pool: &PgPool) -> anyhow::Result<bool> {
    Ok(commerce::relay::backlog(pool).await? == 0)
}

/// Replays `projection` (fast where it has a fast path, else event by event, or event by
/// event when `per_event`): events replayed and events/s.
async fn timed_replay(
    pool: &PgPool,
    projection: &dyn Projection,
    per_event: bool,
) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let replayed = if per_event {
        replay::replay_per_event(pool, projection).await?
    } else {
        replay::replay(pool, projection).await?
    };
    Ok((replayed, replayed as f64 / started.elapsed().as_secs_f64()))
}

/// End-to-end lag at a steady command rate: CreateCart committed → cart_views row, after the
/// consumers have drained the backlog of `events`. Returns the drain rate and the sorted lag
/// samples (ms); stops the workers and triggers `shutdown` when done.
async fn lag_run(
    config: &Config,
    pool: &PgPool,
    events: i64,
    (rate, seconds): (u64, u64),
    shutdown: &Shutdown,
) -> anyhow::Result<(f64, Vec<f64>)> {
    let workers = App::with_pool(config, pool.clone(), Roles::WORKER).await?;
    let stores = workers.state().stores.clone();
    let pipeline = workers.state().pipeline.clone();
    let workers = tokio::spawn(workers.run(shutdown.clone()));
    // Measure steady state: let every consumer drain the backlog of step 1 first.
    let started = Instant::now();
    for projection in &pipeline.projections {
        let subscriber = Subscriber::ReadModel(projection.clone());
        while runner::lag(&pipeline.js, &pipeline.runner, &subscriber)
            .await
            .map_or(true, |lag| lag > 0)
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let drain_rate = events as f64 / started.elapsed().as_secs_f64();
    let meta = Arc::new(CommandMetadata::new(Actor::system("bench"), "bench"));
    let usd = Currency::parse("USD")?;
    let mut samples = Vec::new();
    let mut handles = Vec::new();
    let interval = Duration::from_micros(1_000_000 / rate.max(1));
    let mut tick = tokio::time::interval(interval);
    for _ in 0..rate * seconds {
        tick.tick().await;
        let (stores, pool, meta) = (stores.clone(), pool.clone(), meta.clone());
        handles.push(tokio::spawn(async move {
            let cart = Uuid::new_v4();
            let command = CartCommand::CreateCart {
                cart_id: cart,
                owner: Uuid::new_v4().into(),
                currency: usd,
                store: "default".into(),
            };
            stores
                .carts
                .execute(&cart.to_string(), command, &meta, None)
                .await
                .ok()?;
            let committed = Instant::now();
            loop {
                let seen: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM cart_views WHERE id = $1")
                        .bind(cart)
                        .fetch_optional(&pool)
                        .await
                        .ok()?;
                if seen.is_some() {
                    return Some(committed.elapsed().as_secs_f64() * 1000.0);
                }
                if committed.elapsed() > Duration::from_secs(30) {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }));
    }
    for handle in handles {
        if let Ok(Some(ms)) = handle.await {
            samples.push(ms);
        }
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    shutdown.trigger();
    workers.await??;
    Ok((drain_rate, samples))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url = std::env::var("DATABASE_URL")?;
    let events: i64 = env_or("BENCH_EVENTS", 20_000);
    let rate: u64 = env_or("BENCH_RATE", 200);
    let seconds: u64 = env_or("BENCH_SECONDS", 10);
    let parts: String = env_or("BENCH_PARTS", "relay,replay,lag,mix".to_string());
    let part = |name: &str| parts.split(',').any(|p| p.trim() == name);
    let mix_units: i64 = env_or("BENCH_MIX_UNITS", 5_000);
    let mix_per_event = env_or("BENCH_MIX_PER_EVENT", 0) == 1;
    let mix_replays: String = env_or(
        "BENCH_MIX_REPLAYS",
        "catalog,inventory,carts,orders".to_string(),
    );
    let replay_per_event = env_or("BENCH_REPLAY_PER_EVENT", 1) == 1;

    let name = format!("bench_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let (server, _) = admin_url.rsplit_once('/').unwrap_or((&admin_url, ""));
    let url = format!("{server}/{name}");
    let nats = Nats::start()?;
    let config = Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.clone()),
        "NATS_URL" => Some(nats.url.clone()),
        "HTTP_ADDR" => Some("127.0.0.1:0".into()),
        "RELAY_POLL_INTERVAL_MS" => Some("20".into()),
        _ => std::env::var(key).ok(),
    })?;
    let pool = commerce::db::connect(&config).await?;
    commerce::db::migrate(&pool).await?;

    // 1. Relay throughput over a backlog of `events` cart-created events.
    for chunk in 0..(events / 1000).max(1) {
        let n = events.min(1000 * (chunk + 1)) - 1000 * chunk;
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             SELECT 'cart', id::text, 1, 'CartCreated', '1.0',
                    jsonb_build_object('CartCreated', jsonb_build_object(
                        'cart_id', id, 'customer_id', gen_random_uuid(), 'currency', 'USD')),
                    '{\"actor_id\":\"bench\",\"actor_role\":\"system\",\"correlation_id\":\"b\",\"causation_id\":\"b\",\"request_id\":\"b\"}'
               FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, $1)) g",
        )
        .bind(n)
        .execute(&pool)
        .await?;
    }
    let shutdown = Shutdown::new();
    let mut relay = None;
    let (mut relay_secs, mut relay_rate) = (f64::NAN, f64::NAN);
    if part("relay") || part("lag") {
        let app = App::with_pool(&config, pool.clone(), Roles::RELAY).await?;
        let started = Instant::now();
        relay = Some(tokio::spawn(app.run(shutdown.clone())));
        while !backlog_empty(&pool).await? {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        relay_secs = started.elapsed().as_secs_f64();
        relay_rate = events as f64 / relay_secs;
    }

    // 2. Replay rate of the carts projection over the same events: the fast path with no
    // positions yet, event by event for reference, then the fast path again (positions
    // already right).
    let projections = read_models::all(config.inventory_levels);
    let projection = |name: &str| {
        projections
            .iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| anyhow::anyhow!("{name} projection"))
    };
    let (mut replayed, mut replay_rate) = (0, f64::NAN);
    let (mut per_event_rate, mut again_rate) = (f64::NAN, f64::NAN);
    if part("replay") {
        let carts = projection("carts")?.as_ref();
        (replayed, replay_rate) = timed_replay(&pool, carts, false).await?;
        if replay_per_event {
            (_, per_event_rate) = timed_replay(&pool, carts, true).await?;
        }
        (_, again_rate) = timed_replay(&pool, carts, false).await?;
    }
    if !part("lag") {
        shutdown.trigger();
        if let Some(relay) = relay.take() {
            relay.await??;
        }
    }

    // 3. End-to-end lag at a steady command rate: CreateCart committed → cart_views row.
    let (drain_rate, samples) = if part("lag") {
        lag_run(&config, &pool, events, (rate, seconds), &shutdown).await?
    } else {
        (f64::NAN, Vec::new())
    };
    shutdown.trigger();
    if let Some(relay) = relay.take() {
        relay.await??;
    }

    // 4. Replay rates over a mixed history of products, carts and orders.
    let mut mix = serde_json::Map::new();
    let mut mix_lines = Vec::new();
    if part("mix") {
        let started = Instant::now();
        let written = replay_mix::insert(&pool, mix_units).await?;
        mix_lines.push(format!(
            "mix:     {} events written ({written:?}) in {:.1}s",
            mix_units * replay_mix::EVENTS_PER_UNIT,
            started.elapsed().as_secs_f64()
        ));
        for name in mix_replays.split(',').map(str::trim) {
            let projection = projection(name)?.as_ref();
            let (replayed, rate) = timed_replay(&pool, projection, false).await?;
            let mut entry = serde_json::json!({"events": replayed, "events_per_s": rate.round()});
            let mut line =
                format!("replay:  {replayed} events rebuilt ({name}) = {rate:.0} events/s");
            if mix_per_event {
                let (_, slow) = timed_replay(&pool, projection, true).await?;
                entry["per_event_events_per_s"] = slow.round().into();
                line.push_str(&format!(" (per event: {slow:.0} events/s)"));
            }
            mix.insert(name.to_string(), entry);
            mix_lines.push(line);
        }
    }
    pool.close().await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;

    let (p50, p95, p99) = (
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        percentile(&samples, 99.0),
    );
    #[allow(clippy::print_stdout)]
    {
        println!(
            "relay:   {events} events published in {relay_secs:.2}s = {relay_rate:.0} events/s"
        );
        println!(
            "replay:  {replayed} events rebuilt (carts) = {replay_rate:.0} events/s, \
             {again_rate:.0} events/s again (per event: {per_event_rate:.0} events/s)"
        );
        for line in &mix_lines {
            println!("{line}");
        }
        println!("drain:   {events} already-applied events skipped by the carts consumer = {drain_rate:.0} events/s");
        println!(
            "lag:     {} commands at {rate}/s for {seconds}s, commit -> read model: p50 {p50:.1} ms, p95 {p95:.1} ms, p99 {p99:.1} ms",
            samples.len()
        );
        println!(
            "{}",
            serde_json::json!({
                "relay_events": events, "relay_events_per_s": relay_rate.round(),
                "replay_events_per_s": replay_rate.round(),
                "replay_again_events_per_s": again_rate.round(),
                "replay_per_event_events_per_s": per_event_rate.round(),
                "replay_mix": mix,
                "consumer_drain_events_per_s": drain_rate.round(),
                "lag_commands": samples.len(), "lag_rate_per_s": rate,
                "lag_ms": {"p50": p50, "p95": p95, "p99": p99},
            })
        );
    }
    Ok(())
}
