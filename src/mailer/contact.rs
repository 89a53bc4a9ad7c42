//! The email of a contact-form message: one to every admin (the admins at the moment the
//! mailer handles the event), with `Reply-To` the sender, so answering is replying.

use commerce_aggregates::contact::ContactEvent;
use sqlx::PgConnection;

use super::compose::{self, Outgoing};
use super::templates;

/// The emails `event` of contact message `message_id` calls for: one per admin for a
/// received message, none otherwise.
pub async fn contact_message(
    tx: &mut PgConnection,
    message_id: &str,
    event: &ContactEvent,
) -> Result<Vec<Outgoing>, sqlx::Error> {
    let ContactEvent::ContactMessageReceived {
        name,
        email,
        subject,
        message,
        user_id,
        ..
    } = event
    else {
        return Ok(Vec::new());
    };
    let account = match user_id {
        Some(id) => format!("signed in as user {id}"),
        None => "not signed in".to_string(),
    };
    let vars = [
        ("name", name.clone()),
        ("email", email.clone()),
        ("account", account),
        ("subject", subject.clone()),
        ("message", message.clone()),
        ("message_id", message_id.to_string()),
    ];
    let admins = compose::admin_addresses(tx).await?;
    Ok(admins
        .into_iter()
        .map(|admin| {
            Outgoing::new(templates::CONTACT_MESSAGE, admin, &vars).replying_to(email.clone())
        })
        .collect())
}
