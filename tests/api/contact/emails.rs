//! A contact message reaches every admin once, with `Reply-To` the sender: two admins, two
//! emails; the mailer handling the event again (a redelivery) sends none again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use commerce::mailer::{MailSettings, MailerProcess};
use commerce_projections::{Envelope, EventHandler};
use serde_json::Value;
use uuid::Uuid;

use super::{engine, ContactForm};
use crate::accounts::registered;
use crate::fixtures::wait_until;
use crate::helpers::TestApp;

/// Every `.eml` in `dir` whose text contains `needle`.
fn emails_with(dir: &Path, needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter(|m| m.contains(needle))
        .collect()
}

/// A registered account promoted to admin; its address.
async fn admin(app: &TestApp, name: &str) -> String {
    let email = format!("{name}-{}@example.com", Uuid::new_v4().simple());
    let id = registered(app, &email).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("promoted");
    email
}

/// The stored `ContactMessageReceived` of message `id`, as the runner hands it over.
async fn received(app: &TestApp, id: &str) -> Envelope {
    let (event_id, sequence, global_position, recorded_at, payload): (
        Uuid,
        i64,
        i64,
        chrono::DateTime<chrono::Utc>,
        Value,
    ) = sqlx::query_as(
        "SELECT event_id, sequence, global_position, recorded_at, payload FROM events
          WHERE aggregate_type = 'contact_message' AND aggregate_id = $1
            AND event_type = 'ContactMessageReceived'",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .expect("event");
    Envelope {
        event_id,
        aggregate_type: "contact_message".into(),
        aggregate_id: id.to_string(),
        sequence: sequence as u64,
        global_position,
        event_type: "ContactMessageReceived".into(),
        event_version: "1.0".into(),
        recorded_at,
        metadata: HashMap::new(),
        payload,
    }
}

/// `(recipient, reply_to)` of every outbox row of `event_id`, by recipient.
async fn outbox(app: &TestApp, event_id: Uuid) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT recipient, reply_to FROM emails WHERE event_id = $1 AND template = 'contact_message'
          ORDER BY recipient",
    )
    .bind(event_id)
    .fetch_all(&app.db.pool)
    .await
    .expect("outbox")
}

#[tokio::test]
async fn each_admin_is_emailed_once_with_reply_to_the_sender() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("commerce-mail-{}", Uuid::new_v4().simple()));
    let engine = engine(&[("MAIL_DIR", &dir.to_string_lossy())]).await;
    let app = &engine.app;
    let mut admins = vec![admin(app, "ada").await, admin(app, "bea").await];
    admins.sort();
    let customer = format!("cleo-{}@example.com", Uuid::new_v4().simple());
    registered(app, &customer).await;

    let subject = format!("Question {}", Uuid::new_v4().simple());
    let form = ContactForm::new("Sender@Example.org", &subject);
    let id = app
        .anonymous()
        .send_contact_message(&form)
        .await
        .command(202, 1);

    wait_until("both emails delivered", Duration::from_secs(30), || async {
        emails_with(&dir, &subject).len() >= 2
    })
    .await;
    let delivered = emails_with(&dir, &subject);
    for address in &admins {
        let to_admin: Vec<&String> = delivered
            .iter()
            .filter(|m| m.contains(&format!("\r\nTo: {address}\r\n")))
            .collect();
        assert_eq!(to_admin.len(), 1, "one email to {address}: {delivered:?}");
        let message = to_admin[0];
        assert!(
            message.contains("Reply-To: sender@example.org\r\n"),
            "{message}"
        );
        assert!(
            message.contains(&format!("Subject: Contact: {subject}\r\n")),
            "{message}"
        );
        assert!(message.contains("where is my order?"), "{message}");
        assert!(message.contains(&id), "{message}");
    }
    assert!(
        !delivered.iter().any(|m| m.contains(&customer)),
        "customers are not told: {delivered:?}"
    );

    // The mailer handling the event again (NATS redelivering it) adds no email.
    let event = received(app, &id).await;
    let expected: Vec<(String, Option<String>)> = admins
        .iter()
        .map(|a| (a.clone(), Some("sender@example.org".to_string())))
        .collect();
    assert_eq!(outbox(app, event.event_id).await, expected);
    let mailer = MailerProcess::new(app.db.pool.clone(), MailSettings::default());
    for _ in 0..2 {
        let mut tx = app.db.pool.begin().await.expect("tx");
        mailer.handle(&mut tx, &event).await.expect("handled");
        tx.commit().await.expect("commit");
    }
    assert_eq!(outbox(app, event.event_id).await, expected);
    assert_eq!(emails_with(&dir, &subject).len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn resolving_a_message_emails_nobody() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("commerce-mail-{}", Uuid::new_v4().simple()));
    let engine = engine(&[("MAIL_DIR", &dir.to_string_lossy())]).await;
    let app = &engine.app;
    admin(app, "ada").await;
    let form = ContactForm::new("sender@example.org", "Hi");
    let id = app
        .anonymous()
        .send_contact_message(&form)
        .await
        .command(202, 1);
    app.as_admin()
        .resolve_contact_message(&id, None)
        .await
        .command(200, 2);
    let resolved: Uuid = sqlx::query_scalar(
        "SELECT event_id FROM events WHERE aggregate_id = $1 AND event_type = 'ContactMessageResolved'",
    )
    .bind(&id)
    .fetch_one(&app.db.pool)
    .await
    .expect("resolved event");
    let mut envelope = received(app, &id).await;
    envelope.event_id = resolved;
    envelope.event_type = "ContactMessageResolved".into();
    envelope.sequence = 2;
    envelope.payload =
        serde_json::json!({"ContactMessageResolved": {"by": Uuid::new_v4(), "note": null}});
    let mailer = MailerProcess::new(app.db.pool.clone(), MailSettings::default());
    let mut tx = app.db.pool.begin().await.expect("tx");
    mailer.handle(&mut tx, &envelope).await.expect("handled");
    tx.commit().await.expect("commit");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM emails WHERE event_id = $1")
        .bind(resolved)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(rows, 0);
    let _ = std::fs::remove_dir_all(&dir);
}
