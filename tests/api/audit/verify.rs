//! Tamper evidence: the sealer chains every event; `commerce audit verify` and
//! `GET admin/audit/verify` pass on a clean store and name the first event edited, deleted,
//! reordered or inserted behind the chain's back (changed here with SQL, triggers disabled).

use std::time::Duration;

use commerce::audit::sealer::{backlog, seal_all};
use commerce_aggregates::Role;
use serde_json::Value;
use uuid::Uuid;

use super::{commerce, get, paid_order, stored_events, tamper, texts, wait_sealed};
use crate::checkout::start_engine;
use crate::client::Pay;
use crate::fixtures::confirmed_order;
use crate::helpers::{spawn_app, TestApp};
use crate::pipeline::wait_until;

/// `GET admin/audit/verify` as an auditor.
async fn report(app: &TestApp) -> Value {
    let (_, auditor) = app.token(Role::Auditor);
    let reply = get(app, "/admin/audit/verify", &auditor).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

/// `(event_id, global_position)` of event `sequence` of order `order`.
async fn stored(app: &TestApp, order: &str, sequence: i64) -> (Uuid, i64) {
    sqlx::query_as(
        "SELECT event_id, global_position FROM events
          WHERE aggregate_type = 'order' AND aggregate_id = $1 AND sequence = $2",
    )
    .bind(order)
    .bind(sequence)
    .fetch_one(&app.db.pool)
    .await
    .expect("event")
}

/// A paid order (version 3) on the HTTP-only engine, everything sealed (by the same code the
/// relay's sealer runs); (customer token, order id).
async fn sealed_paid_order(app: &TestApp) -> (String, String) {
    let (customer, order) = confirmed_order(app).await;
    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    // Nothing seals on the HTTP-only engine: everything waits for the sealer.
    let count = stored_events(app).await;
    assert_eq!(backlog(&app.db.pool).await.expect("backlog"), count);
    // The sealer's horizon is cluster-wide: another test's open transaction may hold it back.
    wait_until("every event sealed", Duration::from_secs(30), || async {
        seal_all(&app.db.pool, 2).await.expect("sealed");
        let sealed: i64 = sqlx::query_scalar("SELECT count(*) FROM event_chain")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        sealed == stored_events(app).await
    })
    .await;
    let clean = report(app).await;
    assert_eq!(clean["ok"], true, "{clean}");
    assert_eq!(clean["sealed"], stored_events(app).await);
    assert_eq!(backlog(&app.db.pool).await.expect("backlog"), 0);
    (customer.token().to_string(), order)
}

/// Asserts the report's first problem is `kind` on event `sequence` of `order`.
fn assert_first(report: &Value, kind: &str, order: &str, sequence: i64, event_id: Uuid) {
    assert_eq!(report["ok"], false, "{report:#}");
    let first = &report["first_problem"];
    assert_eq!(first["kind"], kind, "{report:#}");
    assert_eq!(first["aggregate_type"], "order", "{report:#}");
    assert_eq!(first["aggregate_id"], order, "{report:#}");
    assert_eq!(first["sequence"], sequence, "{report:#}");
    assert_eq!(first["event_id"], event_id.to_string(), "{report:#}");
    assert_eq!(report["problems"][0], *first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_passes_on_a_clean_store_and_names_an_edited_payload() {
    let engine = start_engine().await;
    let app = &engine.app;
    let purchase = paid_order(app, "SEAL10").await;
    wait_sealed(app).await;

    let output = commerce(app, &["audit", "verify"]).await;
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.starts_with("OK: "), "{stdout}");
    let clean = report(app).await;
    assert_eq!(clean["ok"], true, "{clean:#}");
    assert_eq!(clean["sealed"], stored_events(app).await);
    assert_eq!(clean["unsealed"], 0);
    assert_eq!(clean["problems_total"], 0);
    assert_eq!(clean["head"]["hash"].as_str().map(str::len), Some(64));
    let (_, customer) = app.token(Role::Customer);
    get(app, "/admin/audit/verify", &customer)
        .await
        .problem(403, "forbidden");

    // Someone with the table owner's rights lowers the amount paid.
    let (paid, _) = stored(app, &purchase.order, 3).await;
    let edit = format!(
        "UPDATE events SET payload = jsonb_set(payload, '{{OrderPaid,amount,amount}}', '1')
          WHERE event_id = '{paid}'"
    );
    tamper(app, &[&edit]).await;

    let output = commerce(app, &["audit", "verify"]).await;
    let (stdout, stderr) = texts(&output);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.starts_with("TAMPERED: "), "{stdout}");
    let named = format!("edited event order/{} sequence 3", purchase.order);
    assert!(stderr.contains(&named), "{stderr}");
    assert!(stderr.contains(&paid.to_string()), "{stderr}");
    let tampered = report(app).await;
    assert_first(&tampered, "edited", &purchase.order, 3, paid);
    assert_eq!(tampered["problems_total"], 1, "{tampered:#}");

    let output = commerce(app, &["audit", "verify", "--json"]).await;
    assert!(!output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(json["first_problem"], tampered["first_problem"]);
}

#[tokio::test]
async fn audit_verify_names_a_deleted_event() {
    let app = spawn_app().await;
    let (_, order) = sealed_paid_order(&app).await;
    let (confirmed, _) = stored(&app, &order, 2).await;
    let delete = format!("DELETE FROM events WHERE event_id = '{confirmed}'");
    tamper(&app, &[&delete]).await;

    let found = report(&app).await;
    assert_first(&found, "deleted", &order, 2, confirmed);
    assert_eq!(found["problems_total"], 1, "{found:#}");
}

#[tokio::test]
async fn audit_verify_names_two_swapped_events() {
    let app = spawn_app().await;
    let (_, order) = sealed_paid_order(&app).await;
    let (confirmed, _) = stored(&app, &order, 2).await;
    // Swap the order of OrderConfirmed (2) and OrderPaid (3) in the stream.
    let swap = |from: i64, to: i64| {
        format!(
            "UPDATE events SET sequence = {to}
              WHERE aggregate_type = 'order' AND aggregate_id = '{order}' AND sequence = {from}"
        )
    };
    tamper(&app, &[&swap(2, 1000), &swap(3, 2), &swap(1000, 3)]).await;

    let found = report(&app).await;
    assert_first(&found, "reordered", &order, 2, confirmed);
    assert_eq!(found["problems_total"], 2, "{found:#}");
    assert_eq!(found["problems"][1]["sequence"], 3);
    assert_eq!(found["problems"][1]["kind"], "reordered");
}

#[tokio::test]
async fn audit_verify_names_rows_swapped_between_positions() {
    let app = spawn_app().await;
    let (_, order) = sealed_paid_order(&app).await;
    let (confirmed, confirmed_at) = stored(&app, &order, 2).await;
    let (paid, paid_at) = stored(&app, &order, 3).await;
    // Re-insert the two rows with each other's global position.
    let columns = "aggregate_type, aggregate_id, sequence, event_type, event_version, payload, \
                   metadata, commit_xid, event_id, recorded_at";
    let copy = format!(
        "CREATE TEMP TABLE swapped AS SELECT {columns}, global_position FROM events
          WHERE event_id IN ('{confirmed}', '{paid}')"
    );
    let delete = format!("DELETE FROM events WHERE event_id IN ('{confirmed}', '{paid}')");
    let insert = format!(
        "INSERT INTO events ({columns}, global_position) OVERRIDING SYSTEM VALUE
         SELECT {columns}, CASE global_position WHEN {confirmed_at} THEN {paid_at}
                                                ELSE {confirmed_at} END FROM swapped"
    );
    tamper(&app, &[&copy, &delete, &insert]).await;

    let found = report(&app).await;
    assert_first(&found, "reordered", &order, 2, confirmed);
    let detail = found["first_problem"]["detail"].as_str().expect("detail");
    assert!(detail.contains(&paid.to_string()), "{detail}");
    assert_eq!(found["problems"][1]["event_id"], paid.to_string());
    assert_eq!(found["problems_total"], 2, "{found:#}");
}

#[tokio::test]
async fn audit_verify_names_an_event_inserted_behind_the_chain_and_an_altered_link() {
    let app = spawn_app().await;
    let (_, order) = sealed_paid_order(&app).await;
    // A refund slipped in with the transaction id of the order's placement: below the sealed
    // head, never sealed.
    let insert = format!(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata, commit_xid)
         SELECT aggregate_type, aggregate_id, 4, 'OrderRefunded', '1.0',
                '{{\"OrderRefunded\": {{}}}}', metadata, commit_xid
           FROM events WHERE aggregate_type = 'order' AND aggregate_id = '{order}'
            AND sequence = 1"
    );
    tamper(&app, &[&insert]).await;
    let (refund, _) = stored(&app, &order, 4).await;
    let found = report(&app).await;
    assert_first(&found, "inserted", &order, 4, refund);
    assert!(found["first_problem"]["link"].is_null());

    // Rewriting a link of the chain breaks it there.
    let (paid, _) = stored(&app, &order, 3).await;
    let alter =
        format!("UPDATE event_chain SET content_hash = sha256('forged') WHERE event_id = '{paid}'");
    tamper(&app, &[&alter]).await;
    let found = report(&app).await;
    let kinds: Vec<&str> = found["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["kind"].as_str().expect("kind"))
        .collect();
    assert!(kinds.contains(&"chain_altered"), "{found:#}");
}
