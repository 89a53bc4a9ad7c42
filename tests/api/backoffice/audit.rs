//! The Audit section: the chain verification run from a GET form (the API's report, its
//! head hash, what broke after tampering) and the order-history explorer.

use commerce::audit::sealer::seal_all;
use reqwest::Method;

use super::*;
use crate::audit::tamper;
use crate::fixtures::{paid_order, wait_until};
use crate::helpers::{spawn_app, TestApp};

/// Seals until every stored event is sealed: transactions of other tests running at the same
/// time hold the sealer's horizon back for a moment.
pub async fn seal_everything(app: &TestApp) {
    wait_until(
        "every event sealed",
        std::time::Duration::from_secs(30),
        || async {
            seal_all(&app.db.pool, 100).await.expect("sealed");
            let (sealed, stored): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM event_chain), (SELECT count(*) FROM events)",
            )
            .fetch_one(&app.db.pool)
            .await
            .expect("counts");
            sealed == stored
        },
    )
    .await;
}

#[tokio::test]
async fn the_verification_shows_the_head_hash_then_where_the_chain_broke() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    seal_everything(&app).await;
    auditor_account(&app, "audit@example.com").await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("audit@example.com").await.status, 303);
    let idle = browser.get("/admin/audit").await;
    assert_eq!(idle.status, 200, "{}", idle.body);
    assert!(idle.body.contains("Verify the chain"));
    assert!(
        !idle.body.contains("id=\"verification\""),
        "not run until asked"
    );

    let report = app
        .as_admin()
        .send(Method::GET, "/admin/audit/verify")
        .await
        .json_body();
    let head = report["head"]["hash"]
        .as_str()
        .expect("head hash")
        .to_string();
    let page = browser.get("/admin/audit?verify=1").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Intact"), "{}", page.body);
    assert!(page.body.contains(&head), "{}", page.body);
    let sealed = format!("{} sealed", report["sealed"]);
    assert!(page.body.contains(&sealed), "{sealed}: {}", page.body);

    tamper(
        &app,
        &[&format!(
            "UPDATE events SET payload = jsonb_set(payload, '{{OrderPaid,amount,amount}}', '1')
              WHERE aggregate_id = '{order}' AND event_type = 'OrderPaid'"
        )],
    )
    .await;
    let broken = browser.get("/admin/audit?verify=1").await;
    assert_eq!(broken.status, 200, "{}", broken.body);
    assert!(broken.body.contains("Broken"), "{}", broken.body);
    assert!(broken.body.contains("Where it broke"));
    assert!(broken.body.contains("edited"));
    assert!(broken.body.contains(&order));
}

#[tokio::test]
async fn the_history_explorer_leads_to_the_order_history() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let mut browser = signed_in_admin(&app).await;
    let found = browser
        .get(&format!("/admin/audit/order?order=%20{order}%20"))
        .await;
    assert_eq!(found.status, 303, "{}", found.body);
    let location = found.location.expect("to the history");
    assert_eq!(location, format!("/admin/orders/{order}/history"));
    let history = browser.get(&location).await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert!(history.body.contains("OrderPaid"));
    let bad = browser.get("/admin/audit/order?order=not-an-id").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}
