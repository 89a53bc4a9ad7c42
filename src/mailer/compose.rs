//! Which emails an event calls for, rendered: recipients and template variables, read inside
//! the runner's transaction (users, the order's `OrderPlaced` event and its store, the
//! product's name).

use std::collections::HashMap;

use commerce_aggregates::order::{OrderEvent, OrderLine};
use commerce_aggregates::product::ProductEvent;
use commerce_aggregates::store::{Store, StoreDetails, StoreEvent};
use commerce_aggregates::upcast::upcast;
use commerce_projections::Envelope;
use cqrs_es::Aggregate;
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::templates::{self, Rendered, Template};
use crate::html::escape;

/// One email to record in the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The template it was rendered from.
    pub template: &'static str,
    /// Its recipient's address.
    pub recipient: String,
    /// Subject and bodies.
    pub rendered: Rendered,
    /// Where replies go, when not to `MAIL_FROM`.
    pub reply_to: Option<String>,
}

impl Outgoing {
    /// Renders `template` for `recipient`.
    pub fn new(template: Template, recipient: String, vars: &[(&str, String)]) -> Self {
        Self {
            template: template.name,
            recipient,
            rendered: template.render(vars),
            reply_to: None,
        }
    }

    /// The same email, its replies going to `address`.
    pub fn replying_to(mut self, address: String) -> Self {
        self.reply_to = Some(address);
        self
    }
}

/// The fields the mailer reads from a token-requesting account event.
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    /// The user.
    pub user_id: Uuid,
    /// The address to write to.
    pub email: String,
}

/// The fields the mailer reads from `EmailChangeRequested`.
#[derive(Debug, Deserialize)]
pub struct EmailChange {
    /// The user.
    pub user_id: Uuid,
    /// The address asked for (the confirmation goes there).
    pub new_email: String,
}

/// The fields the mailer reads from `EmailChanged`.
#[derive(Debug, Deserialize)]
pub struct EmailChanged {
    /// The user.
    pub user_id: Uuid,
    /// The previous address (the notice goes there).
    pub from: String,
    /// The new address.
    pub to: String,
}

/// The notice to the old address of an account that moved to another one (none when the
/// account is gone).
pub async fn email_changed(
    tx: &mut PgConnection,
    changed: EmailChanged,
) -> Result<Option<Outgoing>, sqlx::Error> {
    let Some(user) = user(tx, changed.user_id).await? else {
        return Ok(None);
    };
    let vars = [
        ("name", user.name),
        ("old_email", changed.from.clone()),
        ("new_email", changed.to),
    ];
    Ok(Some(Outgoing::new(
        templates::EMAIL_CHANGED,
        changed.from,
        &vars,
    )))
}

/// A user's address and name.
pub struct Recipient {
    /// The address.
    pub email: String,
    /// The display name.
    pub name: String,
}

/// The user `id`, if the account exists.
pub async fn user(tx: &mut PgConnection, id: Uuid) -> Result<Option<Recipient>, sqlx::Error> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT email, name FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.map(|(email, name)| Recipient { email, name }))
}

/// The template of the email `event` of an order sends its customer, if it sends one: the
/// events without are passed over without reading anything.
pub fn template_of(event: &OrderEvent) -> Option<templates::Template> {
    Some(match event {
        OrderEvent::OrderConfirmed { .. } => templates::ORDER_CONFIRMED,
        OrderEvent::OrderShipped { .. } => templates::ORDER_SHIPPED,
        OrderEvent::OrderDelivered { .. } => templates::ORDER_DELIVERED,
        OrderEvent::OrderCancelled { .. } => templates::ORDER_CANCELLED,
        OrderEvent::OrderRefunded { .. } => templates::ORDER_REFUNDED,
        OrderEvent::ReturnRequested { .. } => templates::RETURN_REQUESTED,
        OrderEvent::ReturnApproved { .. } => templates::RETURN_APPROVED,
        OrderEvent::ReturnRejected { .. } => templates::RETURN_REJECTED,
        OrderEvent::ReturnReceived { .. } => templates::RETURN_RECEIVED,
        OrderEvent::OrderPlaced { .. }
        | OrderEvent::OrderPaid { .. }
        | OrderEvent::OrderRejected { .. }
        | OrderEvent::OrderExpired { .. }
        | OrderEvent::RefundRequested { .. }
        | OrderEvent::RefundFailed { .. } => return None,
    })
}

/// What the emails about a batch's order events need beyond the events: each order's
/// `OrderPlaced` (customer, lines, totals), its store and its customer. Read for the whole
/// batch with at most three statements instead of three per email, and `OrderPlaced` taken
/// from the batch itself when it is there (a checkout commits it with `OrderConfirmed`).
#[derive(Default)]
pub struct OrderContext {
    placed: HashMap<String, OrderEvent>,
    stores: HashMap<String, StoreDetails>,
    customers: HashMap<Uuid, Recipient>,
}

impl OrderContext {
    /// Reads what the order events of a batch (each envelope with its decoded event) that
    /// may call for an email need.
    pub async fn load(
        tx: &mut PgConnection,
        events: &[(&Envelope, OrderEvent)],
    ) -> Result<Self, sqlx::Error> {
        let mut context = Self::default();
        let mut emailing = Vec::new();
        for (envelope, event) in events {
            if matches!(event, OrderEvent::OrderPlaced { .. }) {
                let placed = event.clone();
                context.placed.insert(envelope.aggregate_id.clone(), placed);
            } else if template_of(event).is_some() {
                emailing.push(envelope.aggregate_id.as_str());
            }
        }
        emailing.retain(|id| !context.placed.contains_key(*id));
        // The batch comes sorted by aggregate: an order's events are together.
        emailing.dedup();
        if !emailing.is_empty() {
            let rows: Vec<(String, String, serde_json::Value)> = sqlx::query_as(
                "SELECT DISTINCT ON (aggregate_id) aggregate_id, event_version, payload
                   FROM events
                  WHERE aggregate_type = 'order' AND aggregate_id = ANY($1)
                    AND event_type = 'OrderPlaced'
                  ORDER BY aggregate_id, sequence",
            )
            .bind(&emailing)
            .fetch_all(&mut *tx)
            .await?;
            for (id, version, payload) in rows {
                let payload = upcast("OrderPlaced", &version, payload).payload;
                if let Ok(event) = serde_json::from_value(payload) {
                    context.placed.insert(id, event);
                }
            }
        }
        let mut slugs = Vec::new();
        let mut customer_ids = Vec::new();
        for placed in context.placed.values() {
            if let OrderEvent::OrderPlaced {
                store, customer_id, ..
            } = placed
            {
                slugs.push(store.as_str());
                customer_ids.extend(*customer_id);
            }
        }
        slugs.sort_unstable();
        slugs.dedup();
        if !slugs.is_empty() {
            context.stores = stores(tx, &slugs).await?;
        }
        if !customer_ids.is_empty() {
            let rows: Vec<(Uuid, String, String)> =
                sqlx::query_as("SELECT id, email, name FROM users WHERE id = ANY($1)")
                    .bind(&customer_ids)
                    .fetch_all(&mut *tx)
                    .await?;
            context.customers = rows
                .into_iter()
                .map(|(id, email, name)| (id, Recipient { email, name }))
                .collect();
        }
        Ok(context)
    }

    /// The `OrderPlaced` event of order `order_id`, if stored.
    pub fn placed(&self, order_id: &str) -> Option<&OrderEvent> {
        self.placed.get(order_id)
    }

    /// Store `slug` as its events leave it, if it was opened.
    pub fn store(&self, slug: &str) -> Option<&StoreDetails> {
        self.stores.get(slug)
    }

    /// The customer `id`, if the account exists.
    pub fn customer(&self, id: Uuid) -> Option<&Recipient> {
        self.customers.get(&id)
    }
}

/// The stores `slugs` as their events leave them, those that were opened: the name and
/// address the emails about their orders sign with. Read from the event store like the
/// order's `OrderPlaced`, so an email never waits for a read model.
async fn stores(
    tx: &mut PgConnection,
    slugs: &[&str],
) -> Result<HashMap<String, StoreDetails>, sqlx::Error> {
    let rows: Vec<(String, String, String, serde_json::Value)> = sqlx::query_as(
        "SELECT aggregate_id, event_type, event_version, payload FROM events
          WHERE aggregate_type = 'store' AND aggregate_id = ANY($1)
          ORDER BY aggregate_id, sequence",
    )
    .bind(slugs)
    .fetch_all(&mut *tx)
    .await?;
    let mut stores: HashMap<String, Store> = HashMap::new();
    for (slug, event_type, version, payload) in rows {
        if let Ok(event) = serde_json::from_value(upcast(&event_type, &version, payload).payload) {
            let event: StoreEvent = event;
            stores.entry(slug).or_default().apply(event);
        }
    }
    Ok(stores
        .into_iter()
        .filter_map(|(slug, store)| Some((slug, store.details()?.clone())))
        .collect())
}

/// The payload of the first `event_type` event of stream `aggregate_type`/`aggregate_id`, if
/// stored, in its current version: what an email needs of an order or product beyond the
/// event it is about.
async fn first_payload(
    tx: &mut PgConnection,
    aggregate_type: &str,
    aggregate_id: &str,
    event_type: &str,
) -> Result<Option<serde_json::Value>, sqlx::Error> {
    let row: Option<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT event_version, payload FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 AND event_type = $3
          ORDER BY sequence LIMIT 1",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(event_type)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(version, payload)| upcast(event_type, &version, payload).payload))
}

/// The email about `event` of an order placed as `placed` in `store`, to its customer `to`,
/// written with `template`, the event's ([`template_of`]).
pub fn order_email(
    template: templates::Template,
    order_id: &str,
    placed: &OrderEvent,
    store: &StoreDetails,
    event: &OrderEvent,
    to: &Recipient,
) -> Option<Outgoing> {
    let mut vars = vec![
        ("name", to.name.clone()),
        ("order_id", order_id.to_string()),
        ("store", store.name.clone()),
        ("store_email", store.contact_email.clone()),
    ];
    match event {
        OrderEvent::OrderConfirmed { payment_due_by } => {
            let OrderEvent::OrderPlaced {
                lines,
                totals,
                shipping_address,
                ..
            } = placed
            else {
                return None;
            };
            let a = shipping_address;
            let address = [
                Some(a.name.clone()),
                Some(a.line1.clone()),
                a.line2.clone(),
                Some(format!("{} {}", a.postal_code, a.city)),
                Some(a.country.clone()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
            vars.extend([
                ("payment_due_by", payment_due_by.to_rfc2822()),
                ("lines", lines.iter().map(text_line).collect()),
                ("lines_html", lines.iter().map(html_line).collect()),
                ("subtotal", totals.subtotal.to_string()),
                ("discount", totals.discount.to_string()),
                ("shipping", totals.shipping.to_string()),
                ("tax", totals.tax.to_string()),
                ("total", totals.total.to_string()),
                ("address", address),
            ]);
        }
        OrderEvent::OrderShipped {
            carrier,
            tracking_number,
            ..
        } => {
            vars.extend([
                ("carrier", carrier.clone()),
                ("tracking_number", tracking_number.clone()),
            ]);
        }
        OrderEvent::OrderDelivered { delivered_at } => {
            vars.push(("delivered_at", delivered_at.to_rfc2822()));
        }
        OrderEvent::OrderCancelled { reason, refund, .. } => {
            let refund = match refund {
                Some(amount) => format!("{amount} will be refunded."),
                None => "Nothing was charged.".to_string(),
            };
            vars.extend([("reason", reason.clone()), ("refund", refund)]);
        }
        OrderEvent::OrderRefunded { amount, reason, .. } => {
            vars.extend([("amount", amount.to_string()), ("reason", reason.clone())]);
        }
        OrderEvent::ReturnRequested { lines, reason, .. } => {
            let lines = lines
                .iter()
                .map(|line| format!("{} x {}", line.quantity, line.sku))
                .collect::<Vec<_>>()
                .join(", ");
            vars.extend([("lines", lines), ("reason", reason.clone())]);
        }
        OrderEvent::ReturnApproved { return_id, .. } => {
            vars.push(("return_id", return_id.to_string()));
        }
        OrderEvent::ReturnRejected {
            return_id, reason, ..
        } => {
            vars.extend([
                ("return_id", return_id.to_string()),
                ("reason", reason.clone()),
            ]);
        }
        OrderEvent::ReturnReceived { return_id, .. } => {
            vars.push(("return_id", return_id.to_string()));
        }
        _ => {}
    }
    Some(Outgoing::new(template, to.email.clone(), &vars))
}

fn text_line(line: &OrderLine) -> String {
    format!(
        "{} x {} ({}) at {}: {}\n",
        line.quantity, line.name, line.sku, line.unit_price, line.line_total
    )
}

fn html_line(line: &OrderLine) -> String {
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape(&line.name),
        escape(&line.sku),
        line.quantity,
        escape(&line.unit_price.to_string()),
        escape(&line.line_total.to_string())
    )
}

/// The address of every admin at this moment: who an email for the admins goes to.
pub async fn admin_addresses(tx: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM users WHERE role = 'admin' ORDER BY email")
        .fetch_all(&mut *tx)
        .await
}

/// The low-stock alerts of `event` of product `product_id`, one per admin.
pub async fn low_stock(
    tx: &mut PgConnection,
    product_id: &str,
    event: &ProductEvent,
) -> Result<Vec<Outgoing>, sqlx::Error> {
    let ProductEvent::LowStockThresholdCrossed {
        sku,
        available,
        threshold,
    } = event
    else {
        return Ok(Vec::new());
    };
    let created = first_payload(tx, "product", product_id, "ProductCreated").await?;
    let product_name = created
        .as_ref()
        .and_then(|p| p["ProductCreated"]["details"]["name"].as_str())
        .unwrap_or(product_id)
        .to_string();
    let vars = [
        ("product_name", product_name),
        ("product_id", product_id.to_string()),
        ("sku", sku.clone()),
        ("available", available.to_string()),
        ("threshold", threshold.to_string()),
    ];
    let admins = admin_addresses(tx).await?;
    Ok(admins
        .into_iter()
        .map(|admin| Outgoing::new(templates::LOW_STOCK, admin, &vars))
        .collect())
}
