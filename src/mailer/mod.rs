//! The mailer: emails triggered by events, never inline in a request.
//!
//! [`MailerProcess`] is an event handler (`commerce_projections::EventHandler`: consumers
//! `proj-mailer-account`, `-order`, `-product` and `-contact_message`, run by the consumer
//! runner; never replayed). For each event that calls for
//! email it renders the messages from the templates in `templates/emails/` ([`templates`]) and
//! inserts them into the `emails` outbox **inside the runner's transaction**, with
//! `ON CONFLICT (event_id, template, recipient) DO NOTHING`: the rows commit together with the
//! consumer's position, so a redelivered event produces nothing twice (exactly once).
//! [`sender`] then delivers the pending rows through the [`transport`] — an SMTP relay
//! (lettre) when `SMTP_URL` is set, `.eml` files in `MAIL_DIR` otherwise ([`settings`]) — and
//! retries failures with exponential backoff; `GET admin/emails` shows the log.
//!
//! Emails: account verification (`EmailVerificationRequested`, `VerificationResent`), password
//! reset (`PasswordResetRequested`), email change — a confirmation link to the new address
//! (`EmailChangeRequested`), a notice to the old one once done (`EmailChanged`) —, order confirmation with lines and totals (`OrderConfirmed`),
//! shipped with carrier and tracking (`OrderShipped`), delivered, cancelled, refunded, and low
//! stock to every admin (`LowStockThresholdCrossed`). Order emails go to the customer's address
//! in `users`; an order whose customer has no account is skipped with a log line.
//! Contact-form messages go to every admin, with `Reply-To` the sender ([`contact`]).
//!
//! **Trade-off: tokens at rest.** No event carries a token; the mailer issues one with
//! [`issue_email_token`] when it renders a verification or reset email, and the link holding it
//! is stored in the email's body in the `emails` table until (and after) it is delivered. The
//! outbox is what makes delivery reliable and exactly once, but it means the table is as
//! sensitive as the recipients' mailboxes: the tokens are single-use and short-lived (48 h and
//! 1 h), `GET admin/emails` never returns bodies, and database access must be restricted
//! accordingly. (A token issued for a transaction that then rolls back is simply never used.)

pub mod compose;
pub mod contact;
pub mod log;
pub mod sender;
pub mod settings;
pub mod templates;
pub mod transport;

use async_trait::async_trait;
use commerce_aggregates::order::OrderEvent;
use commerce_aggregates::product::ProductEvent;
use commerce_eventlog::Envelope;
use commerce_projections::{EventHandler, ProjectionError};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::email_tokens::{issue_email_token_to, Purpose};
use compose::{OrderContext, Outgoing, TokenRequest};
pub use settings::{
    MailSettings, SmtpSettings, DEFAULT_MAIL_DIR, DEFAULT_MAIL_FROM, DEFAULT_PUBLIC_BASE_URL,
};

/// The mailer consumer (see the module documentation).
pub struct MailerProcess {
    pool: PgPool,
    settings: MailSettings,
}

impl MailerProcess {
    /// Its name: the durable consumers are `proj-mailer-<aggregate type>`.
    pub const NAME: &'static str = "mailer";

    /// A mailer issuing tokens through `pool` and linking to `settings.public_base_url`.
    pub fn new(pool: PgPool, settings: MailSettings) -> Self {
        Self { pool, settings }
    }

    /// The verification or reset email of `request`, with a freshly issued token — unless the
    /// event's email is already in the outbox (a redelivery: no new token).
    async fn token_email(
        &self,
        tx: &mut PgConnection,
        envelope: &Envelope,
        request: TokenRequest,
        purpose: Purpose,
    ) -> Result<Vec<Outgoing>, ProjectionError> {
        let (template, path) = match purpose {
            Purpose::VerifyEmail => (templates::VERIFY_EMAIL, "verify-email"),
            Purpose::PasswordReset => (templates::PASSWORD_RESET, "reset-password"),
            // Redeemed by the same route as a verification token.
            Purpose::ChangeEmail => (templates::EMAIL_CHANGE, "verify-email"),
        };
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM emails WHERE event_id = $1 AND template = $2)",
        )
        .bind(envelope.event_id)
        .bind(template.name)
        .fetch_one(&mut *tx)
        .await?;
        let Some(user) = compose::user(tx, request.user_id).await? else {
            tracing::warn!(user_id = %request.user_id, "no such user: email skipped");
            return Ok(Vec::new());
        };
        if exists {
            return Ok(Vec::new());
        }
        let issued =
            issue_email_token_to(&self.pool, request.user_id, purpose, &request.email).await;
        let token = match issued {
            Ok(Some(token)) => token,
            Ok(None) => {
                tracing::info!(user_id = %request.user_id, "address no longer the account's: email skipped");
                return Ok(Vec::new());
            }
            Err(crate::auth::AuthError::Database(error)) => return Err(error.into()),
            Err(error) => return Err(ProjectionError::Command(error.to_string())),
        };
        let base = self.settings.public_base_url.trim_end_matches('/');
        let vars = [
            ("name", user.name),
            ("email", request.email.clone()),
            ("link", format!("{base}/{path}?token={token}")),
        ];
        Ok(vec![Outgoing::new(template, request.email, &vars)])
    }

    /// The emails `envelope`, of any aggregate but an order, calls for.
    async fn emails_for(
        &self,
        tx: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<Vec<Outgoing>, ProjectionError> {
        let decode = |e: serde_json::Error| ProjectionError::decode(envelope, e);
        match (
            envelope.aggregate_type.as_str(),
            envelope.event_type.as_str(),
        ) {
            (
                "account",
                kind @ ("EmailVerificationRequested"
                | "VerificationResent"
                | "PasswordResetRequested"),
            ) => {
                let request: TokenRequest =
                    serde_json::from_value(envelope.payload[kind].clone()).map_err(decode)?;
                let purpose = if kind == "PasswordResetRequested" {
                    Purpose::PasswordReset
                } else {
                    Purpose::VerifyEmail
                };
                self.token_email(tx, envelope, request, purpose).await
            }
            ("account", "EmailChangeRequested") => {
                let change: compose::EmailChange =
                    serde_json::from_value(envelope.payload["EmailChangeRequested"].clone())
                        .map_err(decode)?;
                let request = TokenRequest {
                    user_id: change.user_id,
                    email: change.new_email,
                };
                self.token_email(tx, envelope, request, Purpose::ChangeEmail)
                    .await
            }
            ("account", "EmailChanged") => {
                let changed: compose::EmailChanged =
                    serde_json::from_value(envelope.payload["EmailChanged"].clone())
                        .map_err(decode)?;
                Ok(compose::email_changed(tx, changed)
                    .await?
                    .into_iter()
                    .collect())
            }
            ("contact_message", _) => {
                let event = serde_json::from_value(envelope.payload.clone()).map_err(decode)?;
                Ok(contact::contact_message(tx, &envelope.aggregate_id, &event).await?)
            }
            ("product", "LowStockThresholdCrossed") => {
                let event: ProductEvent =
                    serde_json::from_value(envelope.payload.clone()).map_err(decode)?;
                Ok(compose::low_stock(tx, &envelope.aggregate_id, &event).await?)
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// The email `event`, of order `envelope`, calls for, what it needs read from `orders`.
fn order_email(envelope: &Envelope, event: &OrderEvent, orders: &OrderContext) -> Option<Outgoing> {
    let template = compose::template_of(event)?;
    let id = &envelope.aggregate_id;
    let Some(
        placed @ OrderEvent::OrderPlaced {
            customer_id,
            guest_email,
            shipping_address,
            store,
            ..
        },
    ) = orders.placed(id)
    else {
        tracing::warn!(order_id = %id, "order without OrderPlaced: email skipped");
        return None;
    };
    let Some(store) = orders.store(store) else {
        tracing::warn!(order_id = %id, %store, "order of an unknown store: email skipped");
        return None;
    };
    // A guest's order is written to the address given at checkout.
    let guest;
    let recipient = match (customer_id, guest_email) {
        (Some(customer_id), _) => orders.customer(*customer_id),
        (None, Some(email)) => {
            guest = compose::Recipient {
                email: email.clone(),
                name: shipping_address.name.clone(),
            };
            Some(&guest)
        }
        (None, None) => None,
    };
    let Some(customer) = recipient else {
        tracing::info!(order_id = %id, "customer has no account: email skipped");
        return None;
    };
    compose::order_email(template, id, placed, store, event, customer)
}

#[async_trait]
impl EventHandler for MailerProcess {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["account", "order", "product", "contact_message"]
    }

    /// Records the emails of one event in the outbox, in the runner's transaction.
    async fn handle(
        &self,
        tx: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), ProjectionError> {
        self.handle_many(tx, &[envelope]).await
    }

    /// Records the emails of a batch's events in the outbox, in the runner's transaction:
    /// what the order emails need read once for the batch ([`OrderContext`]), every email
    /// inserted by one statement.
    #[tracing::instrument(skip_all, fields(events = events.len()), err(level = "warn"))]
    async fn handle_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        // Order events decoded once, for what they need read and for their emails.
        let mut order_events = Vec::new();
        for envelope in events.iter().filter(|e| e.aggregate_type == "order") {
            let event: OrderEvent = serde_json::from_value(envelope.payload.clone())
                .map_err(|e| ProjectionError::decode(envelope, e))?;
            order_events.push((*envelope, event));
        }
        let orders = OrderContext::load(tx, &order_events).await?;
        let mut queued = Vec::new();
        for (envelope, event) in &order_events {
            let email = order_email(envelope, event, &orders);
            queued.extend(email.map(|email| (envelope.event_id, email)));
        }
        for envelope in events.iter().filter(|e| e.aggregate_type != "order") {
            let emails = self.emails_for(tx, envelope).await?;
            queued.extend(emails.into_iter().map(|email| (envelope.event_id, email)));
        }
        if queued.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = queued.iter().map(|_| Uuid::new_v4()).collect();
        let event_ids: Vec<Uuid> = queued.iter().map(|(event_id, _)| *event_id).collect();
        let column = |field: fn(&Outgoing) -> &str| -> Vec<&str> {
            queued.iter().map(|(_, email)| field(email)).collect()
        };
        let reply_to: Vec<Option<&str>> = queued
            .iter()
            .map(|(_, email)| email.reply_to.as_deref())
            .collect();
        let inserted: Vec<(Uuid, String)> = sqlx::query_as(
            "INSERT INTO emails
                 (id, event_id, template, recipient, subject, text_body, html_body, reply_to)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[])
             ON CONFLICT (event_id, template, recipient) DO NOTHING
             RETURNING event_id, template",
        )
        .bind(&ids)
        .bind(&event_ids)
        .bind(column(|email| email.template))
        .bind(column(|email| &email.recipient))
        .bind(column(|email| &email.rendered.subject))
        .bind(column(|email| &email.rendered.text))
        .bind(column(|email| &email.rendered.html))
        .bind(&reply_to)
        .fetch_all(&mut *tx)
        .await?;
        for (event_id, template) in inserted {
            tracing::info!(%event_id, template, "email queued");
        }
        Ok(())
    }
}
