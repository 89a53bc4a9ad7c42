//! nats-server stopped for several seconds under steady load: commands keep succeeding
//! (they need Postgres only; a checkout is decided and committed in Postgres alone), the
//! relay's backlog drains once NATS is back, and nothing is lost or doubled —
//! neither in the read models (equal to a replay, every event applied once) nor in the
//! emails (each expected email exactly once in the `emails` outbox and in `MAIL_DIR`).
//!
//! [`check_emails`] is `pub(super)`: the engine crash test runs it too.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use super::crash::{
    check_acknowledged_commands_stored, check_orders_settled, check_read_models_equal_replay,
    settle, PATIENCE,
};
use super::engine::Engine;
use super::load::{route, Load, LoadSettings, Shop};
use crate::helpers::TestDatabase;
use crate::nats_server::NatsServer;
use crate::pipeline::wait_until;

/// How long NATS stays down (at least; longer until enough commands went through).
const OUTAGE: Duration = Duration::from_secs(6);
/// Commands that must be acknowledged while NATS is down.
const DURING_OUTAGE: u64 = 60;

/// Emails the stored events call for, as (event id, template, recipient) → count: a
/// verification per `EmailVerificationRequested`, one to the customer per `OrderConfirmed`,
/// `OrderCancelled` and `OrderRefunded` (a paid order's cancellation refunds it), one to every
/// admin per `LowStockThresholdCrossed`.
async fn expected_emails(pool: &PgPool) -> BTreeMap<(Uuid, String, String), i64> {
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT e.event_id, 'verify_email', e.payload -> e.event_type ->> 'email'
           FROM events e WHERE e.event_type = 'EmailVerificationRequested'
         UNION ALL
         SELECT e.event_id,
                CASE e.event_type WHEN 'OrderConfirmed' THEN 'order_confirmed'
                                  WHEN 'OrderRefunded' THEN 'order_refunded'
                                  ELSE 'order_cancelled' END,
                u.email
           FROM events e
           JOIN events p ON p.aggregate_type = 'order' AND p.aggregate_id = e.aggregate_id
                        AND p.event_type = 'OrderPlaced'
           JOIN users u ON u.id = (p.payload -> 'OrderPlaced' ->> 'customer_id')::uuid
          WHERE e.aggregate_type = 'order'
            AND e.event_type IN ('OrderConfirmed', 'OrderCancelled', 'OrderRefunded')
         UNION ALL
         SELECT e.event_id, 'low_stock', u.email
           FROM events e, users u
          WHERE e.event_type = 'LowStockThresholdCrossed' AND u.role = 'admin'",
    )
    .fetch_all(pool)
    .await
    .expect("expected emails");
    let mut expected = BTreeMap::new();
    for row in rows {
        *expected.entry(row).or_insert(0) += 1;
    }
    expected
}

/// Each expected email is in the outbox exactly once, sent, and written exactly once to the
/// engine's `MAIL_DIR` (one `<id>.eml` per row, to its recipient, nothing else there).
/// Returns the emails per template.
pub(super) async fn check_emails(pool: &PgPool, engine: &Engine) -> BTreeMap<String, usize> {
    let expected = expected_emails(pool).await;
    let rows: Vec<(Uuid, Uuid, String, String, String)> =
        sqlx::query_as("SELECT id, event_id, template, recipient, status FROM emails")
            .fetch_all(pool)
            .await
            .expect("emails");
    let mut outbox = BTreeMap::new();
    let mut per_template = BTreeMap::new();
    for (_, event_id, template, recipient, status) in &rows {
        assert_eq!(status, "sent", "{template} to {recipient}");
        *outbox
            .entry((*event_id, template.clone(), recipient.clone()))
            .or_insert(0) += 1;
        *per_template.entry(template.clone()).or_insert(0) += 1;
    }
    assert_eq!(
        outbox, expected,
        "the outbox holds each expected email once"
    );

    let files = engine.mail_files();
    assert_eq!(files.len(), rows.len(), "one .eml file per email");
    let by_id: BTreeMap<String, &String> = rows
        .iter()
        .map(|(id, _, _, recipient, _)| (format!("{id}.eml"), recipient))
        .collect();
    for file in files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let recipient = by_id
            .get(&name)
            .unwrap_or_else(|| panic!("unexpected file {name}"));
        let content = std::fs::read_to_string(&file).expect("eml readable");
        assert!(
            content
                .lines()
                .any(|l| l.starts_with("To:") && l.contains(recipient.as_str())),
            "{name} is addressed to {recipient}"
        );
    }
    per_template
}

#[tokio::test]
async fn stopping_nats_under_load_keeps_commands_succeeding_and_loses_or_doubles_nothing() {
    let mut nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let mut engine = Engine::start(&db.url, &nats.url()).await;
    let shop = Shop::create(&engine, &LoadSettings::default()).await;
    let load = Load::start(&shop);
    load.wait_for_acks(120, PATIENCE).await;

    nats.stop();
    let down = Instant::now();
    let before = load.acks();
    load.wait_for_acks(DURING_OUTAGE, PATIENCE).await;
    let remaining = OUTAGE.saturating_sub(down.elapsed());
    tokio::time::sleep(remaining).await;
    let during = load.acks() - before;
    let backlog = commerce::relay::backlog(&db.pool).await.expect("backlog");
    assert!(backlog > 0, "events wait for NATS while it is down");
    nats.restart().await;
    let up = Instant::now();
    let outage = up - down;
    // The outage's backlog drains while the load goes on (a few events may always be in
    // flight, hence not zero).
    wait_until("the relay to publish the backlog", PATIENCE, || async {
        commerce::relay::backlog(&db.pool).await.unwrap_or(i64::MAX) < 20
    })
    .await;
    let drained_in = up.elapsed();

    load.wait_for_acks(120, PATIENCE).await;
    let record = load.stop().await;
    // While NATS was down, no command failed because of it.
    let failed_during: Vec<_> = record
        .failures
        .iter()
        .filter(|f| f.at >= down && f.at <= up)
        .collect();
    let unexpected: Vec<_> = record
        .failures
        .iter()
        .filter(|f| f.status == 0 || f.status >= 500)
        .collect();
    assert!(
        unexpected.is_empty(),
        "no 5xx, no dropped connection: {unexpected:?}"
    );
    let acked_during = record.acks.iter().filter(|a| a.at >= down && a.at <= up);
    let checkouts_during = acked_during.filter(|a| a.route == route::CHECKOUT).count();

    let stopped_at = Instant::now();
    settle(&db.pool, &nats).await;
    let settled_in = stopped_at.elapsed();
    let events = check_acknowledged_commands_stored(&db.pool, &nats, &record).await;
    let statuses = check_orders_settled(&db.pool, &shop).await;
    let emails = check_emails(&db.pool, &engine).await;
    let stopped = engine.stop().await.expect("engine was running");
    assert!(stopped.success(), "clean shutdown: {stopped}");
    check_read_models_equal_replay(&db.pool).await;

    eprintln!(
        "faults::nats_outage: NATS down {:.1} s, {during} commands acknowledged meanwhile \
         ({checkouts_during} checkouts answered, {} refused: {:?}), relay backlog {backlog} \
         events at restart, published {:.1} s later; in all {} commands acknowledged, \
         refusals {:?}, settled {:.1} s after the load stopped, {events} events checked in store, stream and read models, \
         orders {statuses:?}, emails {emails:?}",
        outage.as_secs_f64(),
        failed_during.len(),
        failed_during
            .iter()
            .map(|f| (f.status, f.code.clone()))
            .collect::<Vec<_>>(),
        drained_in.as_secs_f64(),
        record.acks.len(),
        record.failure_summary(),
        settled_in.as_secs_f64(),
    );
}
