//! A customer's whole story by email through an authenticating SMTP server; a hung server
//! times out; a bad `SMTP_URL` is refused at startup.

use std::time::{Duration, Instant};

use chrono::Utc;
use commerce::mailer::sender::Email;
use commerce::mailer::transport::Transport;
use commerce::mailer::MailSettings;
use serde_json::json;
use uuid::Uuid;

use super::{address, assert_each_once, email_log, engine, token_in, FROM};
use crate::accounts::{logged_in, registered};
use crate::checkout::Engine;
use crate::client::{Pay, Ship};
use crate::fixtures::wait_until;
use crate::fixtures::{active_product, ready_cart};
use crate::mailer::smtp_server::SmtpServer;

#[tokio::test]
async fn every_lifecycle_email_reaches_the_smtp_server_with_its_content() {
    let smtp = SmtpServer::start_with_auth("mailer", "s3cret@relay").await;
    let Engine { app, nats: _nats } = engine(&smtp).await;

    // Registering: a verification email whose link verifies the address.
    let email = address("ann");
    registered(&app, &email).await;
    let verify = smtp.wait_for(&email, "Confirm your email address").await;
    assert_eq!(verify.login.as_deref(), Some("mailer"), "authenticated");
    assert_eq!(verify.mail_from, "shop@example.com");
    assert_eq!(verify.rcpt_tos, std::slice::from_ref(&email));
    assert_eq!(verify.to, email);
    assert_eq!(verify.from, FROM);
    assert_eq!(verify.content_type, "multipart/alternative");
    assert!(verify.message_id.ends_with("@example.com>"), "{verify:?}");
    assert!(!verify.date.is_empty());
    let text = verify.text.clone().expect("text part");
    let token = token_in(&text, "verify-email");
    assert_eq!(token.len(), 64, "{text}");
    assert!(verify.html.as_deref().expect("html part").contains(&token));
    let verified = app
        .client
        .post(app.api("/auth/verify-email"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("request");
    assert_eq!(verified.status(), 204);

    // Checking out 2 × 12.50 USD (+ 4.99 shipping): the confirmation with lines and totals.
    let customer = logged_in(&app, &email).await.access;
    let admin = app.as_admin();
    let sku = format!("SKU-{}", Uuid::new_v4().simple());
    let product = active_product(&admin, &sku, 10).await;
    let checkout = |quantity| {
        let (app, customer, product, sku) = (&app, &customer, &product, &sku);
        async move {
            let cart = ready_cart(&app.with_token(customer), product, sku, quantity).await;
            let reply = app.with_token(customer).checkout(&cart).await;
            assert_eq!(reply.status, 201, "{}", reply.text);
            reply.body["id"].as_str().expect("order id").to_string()
        }
    };
    let order = checkout(2).await;
    let confirmed = smtp
        .wait_for(&email, &format!("Order {order} confirmed"))
        .await;
    assert_eq!(
        confirmed.subject,
        format!("Order {order} confirmed: 29.99 USD")
    );
    let text = confirmed.text.expect("text part");
    for expected in [
        order.as_str(),
        &format!("2 x Espresso cup ({sku}) at 12.50 USD: 25.00 USD"),
        "Subtotal: 25.00 USD",
        "Shipping: 4.99 USD",
        "Total:    29.99 USD",
        "12 St James's Square",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    let html = confirmed.html.expect("html part");
    assert!(html.contains("<td>Espresso cup</td>"), "{html}");
    assert!(html.contains("29.99 USD"), "{html}");

    // Paid, shipped, delivered, refunded.
    app.with_token(&customer)
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    let shipment = Ship {
        carrier: "DHL".into(),
        tracking_number: "JD014600003828".into(),
    };
    admin.ship(&order, &shipment).await.command(200, 4);
    let shipped = smtp
        .wait_for(&email, &format!("Order {order} has shipped"))
        .await;
    let text = shipped.text.expect("text part");
    assert!(text.contains("has shipped with DHL."), "{text}");
    assert!(text.contains("Tracking number: JD014600003828"), "{text}");
    let html = shipped.html.expect("html part");
    assert!(html.contains("<strong>JD014600003828</strong>"), "{html}");
    admin.deliver(&order).await.command(200, 5);
    let delivered = smtp
        .wait_for(&email, &format!("Order {order} was delivered"))
        .await;
    assert!(delivered.text.expect("text").contains(&order));
    // The refund is requested (5 → 6), then completed by the provider (7).
    admin.refund(&order, "arrived broken").await.command(200, 7);
    let refunded = smtp
        .wait_for(&email, &format!("Order {order} refunded"))
        .await;
    let text = refunded.text.expect("text");
    assert!(text.contains("We refunded 29.99 USD"), "{text}");
    assert!(text.contains("Reason: arrived broken"), "{text}");

    // Another order, cancelled by its owner before paying.
    let other = checkout(1).await;
    smtp.wait_for(&email, &format!("Order {other} confirmed: 17.49 USD"))
        .await;
    app.with_token(&customer)
        .cancel_order(&other, "changed my mind")
        .await
        .command(200, 3);
    let cancelled = smtp
        .wait_for(&email, &format!("Order {other} was cancelled"))
        .await;
    let text = cancelled.text.expect("text");
    assert!(text.contains("Reason: changed my mind"), "{text}");
    assert!(text.contains("Nothing was charged."), "{text}");

    // Seven emails, each once, all `sent` in the log.
    assert_eq!(assert_each_once(&smtp), 7);
    wait_until(
        "7 sent emails in the log",
        Duration::from_secs(10),
        || async { email_log(&app, "sent").await.len() == 7 },
    )
    .await;
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_is_retried() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let port = listener.local_addr().expect("address").port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let url = format!("smtp://127.0.0.1:{port}");
    let vars = [("SMTP_URL", url.as_str()), ("SMTP_TIMEOUT_SECONDS", "1")];
    let settings = MailSettings::from_lookup(&|name: &str| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    })
    .expect("settings");
    let transport = Transport::new(&settings).expect("transport");
    let email = Email {
        id: Uuid::new_v4(),
        recipient: "ann@example.com".into(),
        subject: "Hello".into(),
        text_body: "Hello".into(),
        html_body: "<p>Hello</p>".into(),
        reply_to: None,
        attempts: 0,
        created_at: Utc::now(),
    };
    let started = Instant::now();
    let error = transport
        .send(&settings.from, &email)
        .await
        .expect_err("no answer");
    assert!(started.elapsed() < Duration::from_secs(5), "{error}");
    assert!(!error.is_permanent(), "{error}");
    silent.abort();
}

#[tokio::test]
async fn a_bad_smtp_url_stops_the_engine_at_startup_without_showing_the_password() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_commerce"))
        .arg("serve")
        .env("DATABASE_URL", "postgres://nobody:nothing@127.0.0.1:1/none")
        .env(
            "SMTP_URL",
            "smtp://mailer:hunter2@relay.example?tls=sometimes",
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SMTP_URL"), "{stderr}");
    assert!(
        stderr.contains("smtp://mailer:***@relay.example"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}
