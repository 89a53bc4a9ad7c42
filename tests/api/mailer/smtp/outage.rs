//! Exactly once at the SMTP server: with the server down, emails wait (attempts and errors in
//! the log) and all arrive once it is back; events delivered again send nothing twice.

use std::time::Duration;

use commerce::mailer::{MailSettings, MailerProcess};
use commerce_projections::runner::lag;
use commerce_projections::Subscriber;
use uuid::Uuid;

use super::{address, assert_each_once, email_log, engine};
use crate::accounts::registered;
use crate::checkout::Engine;
use crate::fixtures::wait_until;
use crate::fixtures::{active_product, ready_cart};
use crate::mailer::smtp_server::SmtpServer;
use crate::nats_server::stream_envelopes;

#[tokio::test]
async fn with_the_smtp_server_down_emails_are_retried_and_all_arrive_once_it_is_back() {
    let mut smtp = SmtpServer::start().await;
    smtp.stop();
    let Engine { app, nats: _nats } = engine(&smtp).await;
    let users: Vec<String> = (0..3).map(|i| address(&format!("u{i}"))).collect();
    for user in &users {
        registered(&app, user).await;
    }

    // Each email failed at least twice, kept its error and waits for another try.
    wait_until(
        "3 pending emails retried twice",
        Duration::from_secs(30),
        || async {
            let pending = email_log(&app, "pending").await;
            pending.len() == 3
                && pending.iter().all(|e| {
                    e["attempts"].as_i64() >= Some(2) && e["last_error"].as_str().is_some()
                })
        },
    )
    .await;
    let pending = email_log(&app, "pending").await;
    let error = pending[0]["last_error"].as_str().expect("last error");
    assert!(error.starts_with("smtp:"), "{error}");
    assert!(smtp.received().is_empty());

    // Back on the same port: every email arrives, once, and the log says `sent`.
    smtp.restart().await;
    for user in &users {
        smtp.wait_for(user, "Confirm your email address").await;
    }
    wait_until(
        "3 sent emails in the log",
        Duration::from_secs(10),
        || async {
            email_log(&app, "sent").await.len() == 3 && email_log(&app, "pending").await.is_empty()
        },
    )
    .await;
    for sent in email_log(&app, "sent").await {
        assert!(sent["attempts"].as_i64() >= Some(2), "{sent}");
        assert!(sent["sent_at"].is_string(), "{sent}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(assert_each_once(&smtp), 3);
}

#[tokio::test]
async fn events_delivered_again_send_nothing_twice() {
    let smtp = SmtpServer::start().await;
    let Engine { app, nats } = engine(&smtp).await;
    // An admin (low-stock alerts) and a customer who checks out the last-but-two unit.
    let boss = address("boss");
    let boss_id = registered(&app, &boss).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(boss_id)
        .execute(&app.db.pool)
        .await
        .expect("promoted");
    let email = address("bob");
    registered(&app, &email).await;
    let customer = crate::accounts::logged_in(&app, &email).await.access;
    let sku = format!("SKU-{}", Uuid::new_v4().simple());
    let product = active_product(&app.as_admin(), &sku, 3).await;
    let cart = ready_cart(&app.with_token(&customer), &product, &sku, 1).await;
    let reply = app.with_token(&customer).checkout(&cart).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let order = reply.body["id"].as_str().expect("order id").to_string();
    smtp.wait_for(&email, &format!("Order {order} confirmed"))
        .await;
    smtp.wait_for(&boss, "Low stock").await;
    smtp.wait_for(&boss, "Confirm your email address").await;
    smtp.wait_for(&email, "Confirm your email address").await;
    let delivered = assert_each_once(&smtp);
    assert_eq!(delivered, 4);
    let count = |sql: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    let tokens = count("SELECT count(*) FROM email_tokens").await;
    let rows = count("SELECT count(*) FROM emails").await;

    // The mailer forgets its positions and gets every event of the stream again, as after
    // a redelivery by NATS.
    let js = nats.jetstream().await;
    let stream = &app.config.stream.name;
    let envelopes = stream_envelopes(&js, stream).await;
    assert!(envelopes.len() > 10, "{}", envelopes.len());
    sqlx::query("DELETE FROM projection_positions WHERE projection = $1")
        .bind(MailerProcess::NAME)
        .execute(&app.db.pool)
        .await
        .expect("positions forgotten");
    for envelope in &envelopes {
        let payload = serde_json::to_vec(envelope).expect("serialises");
        js.publish(envelope.subject(), payload.into())
            .await
            .expect("publish")
            .await
            .expect("stored");
    }
    let mailer = Subscriber::Handler(std::sync::Arc::new(MailerProcess::new(
        app.db.pool.clone(),
        MailSettings::default(),
    )));
    wait_until(
        "the mailer consumed everything again",
        Duration::from_secs(30),
        || async {
            lag(&js, &app.config.runner, &mailer).await.ok() == Some(0)
                && count("SELECT count(*) FROM projection_positions WHERE projection = 'mailer'")
                    .await
                    > 0
        },
    )
    .await;
    // Several sender polls later: not one more message, row or token.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(assert_each_once(&smtp), delivered);
    assert_eq!(count("SELECT count(*) FROM emails").await, rows);
    assert_eq!(count("SELECT count(*) FROM email_tokens").await, tokens);
    assert!(email_log(&app, "pending").await.is_empty());
}
