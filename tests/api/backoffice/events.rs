//! The Events section: the most recent events filtered by type and aggregate, their live
//! stream behind the session cookie (the feed's own SSE), the script that shows it, and the
//! email log.

use std::time::Duration;

use reqwest::header::COOKIE;

use super::*;
use crate::fixtures::paid_order;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_events_page_lists_recent_events_filtered_by_type_and_aggregate() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let (_, other) = paid_order(&app).await;
    let mut browser = signed_in_admin(&app).await;
    // The feed shows events once no transaction (of any test) could still commit before them.
    let mut all = browser.get("/admin/events").await;
    let started = std::time::Instant::now();
    while !all.body.contains(&format!("<code>{other}</code>")) {
        assert!(started.elapsed() < Duration::from_secs(10), "{}", all.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
        all = browser.get("/admin/events").await;
    }
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains("src=\"/admin/events.js\""));
    let rows = &all.body[all.body.find("<tbody>").expect("rows")..];
    let paid = rows.find("<td>OrderPaid</td>").expect("OrderPaid listed");
    let placed = rows
        .find("<td>OrderPlaced</td>")
        .expect("OrderPlaced listed");
    assert!(paid < placed, "newest first");
    let one = browser
        .get(&format!(
            "/admin/events?type=OrderPaid&aggregate_type=order&aggregate_id={order}"
        ))
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(
        one.body.matches("<td>OrderPaid</td>").count(),
        1,
        "{}",
        one.body
    );
    assert!(one.body.contains(&order));
    assert!(!one.body.contains(&format!("<code>{other}</code>")));
    assert!(!one.body.contains("<td>OrderPlaced</td>"));
    assert_eq!(browser.get("/admin/events?type=Nope").await.status, 400);
}

#[tokio::test]
async fn the_stream_sends_new_events_to_a_signed_in_session_only() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let page = browser.get("/admin/events?type=OrderPaid").await;
    let marker = "data-stream=\"";
    let start = page.body.find(marker).expect("stream url") + marker.len();
    let url = page.body[start..]
        .split('"')
        .next()
        .expect("url")
        .replace("&amp;", "&");
    assert!(url.starts_with("/admin/events/stream?"), "{url}");
    let mut response = browser
        .http
        .get(app.url(&url))
        .header(COOKIE, browser.cookie_header())
        .send()
        .await
        .expect("stream opened");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/event-stream"));
    let (_, order) = paid_order(&app).await;
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !received.contains("event: OrderPaid") {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("an event in time")
            .expect("stream read")
            .expect("stream open");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains(&order), "{received}");
    assert!(
        !received.contains("event: OrderPlaced"),
        "filtered: {received}"
    );

    let stranger = Browser::new(&app).get(&url).await;
    assert_eq!(stranger.status, 303, "no session: to the sign-in page");
    let script = browser.get("/admin/events.js").await;
    assert_eq!(script.status, 200);
    assert!(script.body.contains("new EventSource("));
}

#[tokio::test]
async fn the_email_log_lists_emails_by_status() {
    let app = spawn_app().await;
    sqlx::query(
        "INSERT INTO emails (id, event_id, template, recipient, subject, text_body, html_body, status, attempts, last_error)
         VALUES (gen_random_uuid(), gen_random_uuid(), 'order_shipped', 'ann@example.com',
                 'Your order is on its way', 'secret body', '<p>secret body</p>', 'failed', 5,
                 'relay refused')",
    )
    .execute(&app.db.pool)
    .await
    .expect("an email logged");
    let mut browser = signed_in_admin(&app).await;
    let failed = browser.get("/admin/emails?status=failed").await;
    assert_eq!(failed.status, 200, "{}", failed.body);
    assert!(failed.body.contains("ann@example.com"), "{}", failed.body);
    assert!(failed.body.contains("relay refused"));
    assert!(!failed.body.contains("secret body"));
    let sent = browser.get("/admin/emails?status=sent").await;
    assert!(!sent.body.contains("ann@example.com"));
    assert_eq!(browser.get("/admin/emails?status=lost").await.status, 400);
}
