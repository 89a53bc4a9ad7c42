//! The dashboard: figures from the read models, and the pipeline's health as `/metrics`
//! reads it (relay backlog, unsealed events, projection lag).

use std::time::Duration;

use commerce::app::Roles;
use commerce::http::Api;
use commerce_projections::runner::{consumers, ensure_consumer};
use commerce_projections::Subscriber;

use super::*;
use crate::fixtures::{active_product, paid_order, unique_sku, wait_until};
use crate::helpers::{spawn_app, spawn_app_with_roles};
use crate::nats_server::NatsServer;
use crate::queries::refresh;

/// Events in the test's event store, all of them or of one aggregate type.
async fn events(app: &TestApp, aggregate_type: Option<&str>) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE $1::text IS NULL OR aggregate_type = $1")
        .bind(aggregate_type)
        .fetch_one(&app.db.pool)
        .await
        .expect("count events")
}

/// The number in the card `id` of the dashboard.
fn card_figure(body: &str, id: &str) -> i64 {
    let start = body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("card {id} in {body}"));
    let from = body[start..].find("<strong>").expect("figure") + start + "<strong>".len();
    let to = body[from..].find('<').expect("end") + from;
    body[from..to].parse().expect("a number")
}

#[tokio::test]
async fn the_dashboard_counts_orders_by_status_and_charts_the_days_revenue() {
    let app = spawn_app().await;
    paid_order(&app).await;
    refresh(&app).await;
    let mut browser = signed_in_admin(&app).await;
    let page = browser.get("/admin/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for (status, count) in [("paid", 1), ("confirmed", 0), ("shipped", 0)] {
        let card = format!(
            r#"<a href="/admin/orders?status={status}">{status}</a><p><strong>{count}</strong>"#
        );
        assert!(page.body.contains(&card), "{card} in {}", page.body);
    }
    assert!(
        page.body
            .contains("USD: 1 paid orders, revenue 29.99 USD, average order value 29.99 USD"),
        "{}",
        page.body
    );
    // Today's column holds the order's total, in its title and as a number.
    let today = chrono::Utc::now().date_naive();
    assert!(
        page.body.contains(&format!(
            r#"data-label="{today}" data-value="2999"><title>{today}: 29.99 USD</title>"#
        )),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"role="img" aria-label="Revenue per day in USD""#));
    // The same figures in the table beside the chart: placed, paid, units, revenue.
    assert!(
        page.body.contains(&format!(
            "<td>{today}</td><td>1</td><td>1</td><td>2</td><td>29.99 USD</td>"
        )),
        "{}",
        page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_shows_the_relay_backlog_and_the_unsealed_events_of_the_database() {
    let app = spawn_app().await;
    paid_order(&app).await;
    // The audit chain seals what is there (once no transaction of the cluster, of other
    // tests too, holds the horizon back); what comes after is unsealed.
    let pool = &app.db.pool;
    wait_until("every event sealed", Duration::from_secs(30), || async {
        commerce::audit::sealer::seal_all(pool, 100)
            .await
            .expect("sealed");
        commerce::audit::sealer::backlog(pool)
            .await
            .expect("backlog")
            == 0
    })
    .await;
    let sealed = events(&app, None).await;
    active_product(&app.as_admin(), &unique_sku(), 3).await;
    let mut browser = signed_in_admin(&app).await;
    let page = browser.get("/admin/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let all = events(&app, None).await;
    // This app runs no relay: nothing was published.
    assert_eq!(card_figure(&page.body, "relay-backlog"), all);
    assert_eq!(card_figure(&page.body, "unsealed-events"), all - sealed);
    assert!(
        all - sealed >= 2,
        "creating and publishing a product wrote events"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_shows_each_read_models_lag_behind_the_stream() {
    // A NATS of the test's own, so the stream holds this database's events only.
    let nats = NatsServer::start().await;
    let roles = Roles {
        http: Some(Api::Both),
        relay: true,
        workers: false,
    };
    let app = spawn_app_with_roles(&[("NATS_URL", &nats.url())], roles).await;
    paid_order(&app).await;
    // Signing up the admin writes events too: before the relay catches up.
    let mut browser = signed_in_admin(&app).await;
    wait_until("the relay to publish", Duration::from_secs(30), || async {
        commerce::relay::backlog(&app.db.pool).await.unwrap_or(1) == 0
    })
    .await;
    // Every read model's consumers, as a worker creates them, none consuming.
    for projection in &app.pipeline.projections {
        let subscriber = Subscriber::ReadModel(projection.clone());
        for consumer in consumers(&subscriber) {
            ensure_consumer(
                &app.pipeline.js,
                &app.pipeline.runner,
                &subscriber,
                &consumer,
            )
            .await
            .expect("consumer");
        }
    }
    let page = browser.get("/admin/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(card_figure(&page.body, "relay-backlog"), 0);
    let orders = events(&app, Some("order")).await;
    assert_eq!(orders, 3, "placed, confirmed, paid");
    assert!(
        page.body
            .contains(&format!("<tr><td>orders</td><td>{orders}</td></tr>")),
        "{}",
        page.body
    );
    let products = events(&app, Some("product")).await;
    assert!(
        page.body
            .contains(&format!("<tr><td>catalog</td><td>{products}</td></tr>")),
        "{}",
        page.body
    );
    assert!(!page.body.contains("unavailable"), "{}", page.body);
    app.stop().await;
}
