//! Postgres restarted under steady load: the engine (`commerce serve`, every role) on its own
//! PostgreSQL cluster, which is stopped (fast shutdown), kept down for several seconds while
//! the load goes on, and started again on the same port and data.
//!
//! While it is down every request is answered promptly with a 503 problem document
//! (`service_unavailable`, `Retry-After`) — never a 500, never a hang — and `/readyz` says 503
//! while `/healthz` (liveness) stays 200. Once it is back the engine recovers by itself, with
//! no restart: commands succeed again, the relay and the sealer win their leader locks again,
//! the relay publishes what was committed, the projections resume.
//! Afterwards nothing is lost: every acknowledged command's events are stored and on the
//! stream once, in commit order, no order is left half checked out, nothing is
//! dead-lettered, the hash chain covers every event, and the read models equal a fresh
//! replay.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::{header, Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};

use super::crash::{
    check_acknowledged_commands_stored, check_orders_settled, check_read_models_equal_replay,
    settle, PATIENCE,
};
use super::engine::Engine;
use super::load::{route, Load, LoadSettings, Record, Shop};
use crate::nats_server::NatsServer;
use crate::pipeline::wait_until;
use crate::postgres_server::PostgresServer;

/// How long Postgres stays down.
const OUTAGE: Duration = Duration::from_secs(6);
/// Longest a request may take to be answered while Postgres is down: generous for a busy
/// machine, far below a client's timeout (the engine gives up on a connection after 2 s).
const PROMPT: Duration = Duration::from_secs(15);

/// What one request answered while Postgres was down.
struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    content_type: Option<String>,
    body: Value,
}

/// Sends `request` and insists on an answer within [`PROMPT`].
async fn answer(request: RequestBuilder, what: &str) -> Answer {
    let response = request.timeout(PROMPT).send().await.unwrap_or_else(|e| {
        panic!("{what}: no answer within {PROMPT:?} while Postgres is down: {e}")
    });
    let header = |name: header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (retry_after, content_type) = (header(header::RETRY_AFTER), header(header::CONTENT_TYPE));
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        content_type,
        body,
    }
}

/// A 503 problem document with `service_unavailable` and `Retry-After`.
fn assert_unavailable(answer: &Answer, what: &str) {
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        answer.body
    );
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json"),
        "{what}"
    );
    assert_eq!(
        answer.body["code"], "service_unavailable",
        "{what}: {}",
        answer.body
    );
    assert!(answer.retry_after.is_some(), "{what}: Retry-After");
}

/// Probes the engine while Postgres is down: a command, a query, a product read and a login
/// answer 503 problem documents, readiness 503, liveness 200. Returns how many answered 503.
async fn probe_outage(engine: &Engine, shop: &Shop) -> usize {
    let http = Client::new();
    let customer = &shop.customers[0].token;
    let product = &shop.items[0].product_id;
    let login = json!({"email": "nobody@example.com", "password": "Whatever-Password-1"});
    let problems = [
        (
            "POST carts",
            http.post(engine.api("/carts")).bearer_auth(customer),
        ),
        (
            "GET orders",
            http.get(engine.api("/orders")).bearer_auth(customer),
        ),
        (
            "GET products/{id}",
            http.get(engine.api(&format!("/products/{product}"))),
        ),
        (
            "POST auth/login",
            http.post(engine.api("/auth/login")).json(&login),
        ),
    ];
    let mut unavailable = 0;
    for (what, request) in problems {
        assert_unavailable(&answer(request, what).await, what);
        unavailable += 1;
    }
    let ready = answer(http.get(engine.url("/readyz")), "readyz").await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.body
    );
    assert!(ready.retry_after.is_some(), "readyz: Retry-After");
    assert_eq!(ready.body["postgres"]["ok"], false, "{}", ready.body);
    unavailable += 1;
    let live = answer(http.get(engine.url("/healthz")), "healthz").await;
    assert_eq!(live.status, StatusCode::OK, "liveness checks no dependency");
    unavailable
}

/// The load's answers between `from` and `to` (status → count; 0 = no answer), and how many
/// requests that is.
fn answers_between(record: &Record, from: Instant, to: Instant) -> (BTreeMap<u16, usize>, usize) {
    let mut statuses = BTreeMap::new();
    let inside = |at: Instant| at >= from && at <= to;
    for ack in record.acks.iter().filter(|a| inside(a.at)) {
        *statuses.entry(ack.status).or_insert(0) += 1;
    }
    for failure in record.failures.iter().filter(|f| inside(f.at)) {
        *statuses.entry(failure.status).or_insert(0) += 1;
    }
    let total = statuses.values().sum();
    (statuses, total)
}

#[tokio::test]
async fn a_postgres_restart_under_load_answers_503_then_recovers_without_losing_anything() {
    let mut postgres = PostgresServer::start().await;
    let nats = NatsServer::start().await;
    let mut engine = Engine::start(&postgres.url(), &nats.url()).await;
    let shop = Shop::create(&engine, &LoadSettings::default()).await;
    let load = Load::start(&shop);
    load.wait_for_acks(150, PATIENCE).await;
    load.wait_for_checkouts(5, PATIENCE).await;

    // The outage: stopped with a fast shutdown (every session ended), down for OUTAGE.
    postgres.stop();
    let down_at = Instant::now();
    let probes = probe_outage(&engine, &shop).await;
    tokio::time::sleep(OUTAGE.saturating_sub(down_at.elapsed())).await;
    let outage = load.snapshot();
    let up_at = Instant::now();
    postgres.start_again().await;

    // Recovery without a restart of the engine.
    wait_until("readiness after the outage", PATIENCE, || async {
        let ready = Client::new().get(engine.url("/readyz")).send().await;
        ready.is_ok_and(|r| r.status() == StatusCode::OK)
    })
    .await;
    load.wait_for_acks(150, PATIENCE).await;
    load.wait_for_checkouts(5, PATIENCE).await;
    let record = load.stop().await;

    let pool = commerce::db::connect_url(&postgres.url(), 5)
        .await
        .expect("connect to the test cluster");
    settle(&pool, &nats).await;
    let events = check_acknowledged_commands_stored(&pool, &nats, &record).await;
    let statuses = check_orders_settled(&pool, &shop).await;
    // An outage is no reason to give up on an event.
    let dead_letters: i64 = sqlx::query_scalar("SELECT count(*) FROM projection_dead_letters")
        .fetch_one(&pool)
        .await
        .expect("dead letters");
    assert_eq!(dead_letters, 0, "nothing dead-lettered");
    // The sealer (re-elected, like the relay) chains every event.
    wait_until("every event sealed", PATIENCE, || async {
        commerce::audit::sealer::backlog(&pool)
            .await
            .is_ok_and(|n| n == 0)
    })
    .await;
    let chain = commerce::audit::verify::verify(&pool)
        .await
        .expect("verify");
    assert!(chain.ok, "hash chain intact: {:?}", chain.first_problem);
    assert_eq!(chain.sealed as usize, events, "every event sealed once");
    let log = engine.log();
    for role in ["relay", "sealer"] {
        let elected = log.matches(&format!("{role} is the leader")).count();
        assert!(
            elected >= 2,
            "the {role} was elected again after the outage ({elected})"
        );
    }
    assert_eq!(engine.starts(), 1, "the engine was never restarted");
    let stopped = engine.stop().await.expect("engine was running");
    assert!(stopped.success(), "clean shutdown: {stopped}");
    check_read_models_equal_replay(&pool).await;

    // Nothing but 503s while it was down, and no 500 or unanswered request at any time.
    let (during, requests) = answers_between(&outage, down_at, up_at);
    let bad: Vec<_> = record
        .failures
        .iter()
        .filter(|f| f.status == 0 || (f.status >= 500 && f.status != 503))
        .map(|f| (f.route, f.status, f.code.clone()))
        .collect();
    assert!(bad.is_empty(), "500s or unanswered requests: {bad:?}");
    let unavailable: Vec<_> = record
        .failures
        .iter()
        .filter(|f| f.status == 503)
        .map(|f| f.code.clone().unwrap_or_default())
        .collect();
    assert!(
        unavailable.iter().all(|code| code == "service_unavailable"),
        "503 codes: {unavailable:?}"
    );
    let load_503 = during.get(&503).copied().unwrap_or(0);
    assert!(load_503 > 0, "the load met the outage: {during:?}");
    assert!(
        during.keys().all(|s| *s == 503 || (200..300).contains(s)),
        "answers while down: {during:?}"
    );
    eprintln!(
        "faults::postgres_outage: Postgres down {:.1} s; {requests} load requests while down \
         ({during:?}), {load_503} answered 503 + {probes} probes 503; {} commands acknowledged \
         ({} checkouts, {} payments, {} cancels), {} not acknowledged in all; {events} events \
         checked in store, stream, hash chain and read models; orders {statuses:?}",
        up_at.duration_since(down_at).as_secs_f64(),
        record.acks.len(),
        record.count(route::CHECKOUT),
        record.count(route::PAY),
        record.count(route::CANCEL),
        record.failures.len(),
    );
}
