//! Read-model projections against a real database: envelopes built from domain events are
//! applied directly (one transaction per event, as the runner does), then the tables and the
//! query functions are checked.

mod carts;
mod catalog;
mod catalog_facets;
mod catalog_search;
mod coupons;
mod inventory;
mod orders;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use commerce::store::{Actor, CommandMetadata};
use commerce_aggregates::cart::CartEvent;
use commerce_aggregates::category::CategoryEvent;
use commerce_aggregates::contact::ContactEvent;
use commerce_aggregates::coupon::CouponEvent;
use commerce_aggregates::order::OrderEvent;
use commerce_aggregates::product::ProductEvent;
use commerce_aggregates::store::StoreEvent;
use commerce_aggregates::tag::TagEvent;
use commerce_aggregates::Role;
use commerce_projections::{Envelope, Projection, ProjectionError};
use cqrs_es::DomainEvent;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::TestDatabase;

/// A domain event and the aggregate type whose stream it belongs to.
pub trait Event: DomainEvent {
    /// `product`, `cart`, `order`, `coupon`, `store`, `category` or `tag`.
    const AGGREGATE: &'static str;
}

impl Event for ProductEvent {
    const AGGREGATE: &'static str = "product";
}
impl Event for CartEvent {
    const AGGREGATE: &'static str = "cart";
}
impl Event for OrderEvent {
    const AGGREGATE: &'static str = "order";
}
impl Event for CouponEvent {
    const AGGREGATE: &'static str = "coupon";
}
impl Event for StoreEvent {
    const AGGREGATE: &'static str = "store";
}
impl Event for CategoryEvent {
    const AGGREGATE: &'static str = "category";
}
impl Event for TagEvent {
    const AGGREGATE: &'static str = "tag";
}
impl Event for ContactEvent {
    const AGGREGATE: &'static str = "contact_message";
}

/// When the first event of every test is recorded; each later one is a minute after.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0)
        .single()
        .expect("valid instant")
}

/// A fresh database and some projections, fed with envelopes that have per-aggregate
/// sequences, increasing global positions and a recorded time one minute after the last.
pub struct Harness {
    /// The test's database.
    pub db: TestDatabase,
    projections: Vec<Arc<dyn Projection>>,
    sequences: HashMap<(String, String), u64>,
    position: i64,
    /// When the next event is recorded.
    pub now: DateTime<Utc>,
    /// Metadata of the next events.
    pub actor: Actor,
    /// Every envelope applied so far, in order.
    pub history: Vec<Envelope>,
}

impl Harness {
    /// A new database with `projections` to feed.
    pub async fn new(projections: Vec<Arc<dyn Projection>>) -> Self {
        Self {
            db: TestDatabase::create().await,
            projections,
            sequences: HashMap::new(),
            position: 0,
            now: start(),
            actor: Actor::user(Uuid::new_v4(), Role::Admin),
            history: Vec::new(),
        }
    }

    /// The pool on the test database.
    pub fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    /// The next envelope of aggregate `id`'s stream carrying `event`.
    pub fn envelope<E: Event>(&mut self, id: &str, event: &E) -> Envelope {
        let sequence = self
            .sequences
            .entry((E::AGGREGATE.to_string(), id.to_string()))
            .or_default();
        *sequence += 1;
        self.position += 1;
        let recorded_at = self.now;
        self.now += Duration::minutes(1);
        Envelope {
            event_id: Uuid::new_v4(),
            aggregate_type: E::AGGREGATE.to_string(),
            aggregate_id: id.to_string(),
            sequence: *sequence,
            global_position: self.position,
            event_type: event.event_type(),
            event_version: event.event_version(),
            recorded_at,
            metadata: CommandMetadata::new(self.actor.clone(), "req-read-models").to_map(),
            payload: serde_json::to_value(event).expect("event serialises"),
        }
    }

    /// Builds the next envelope of `id` for `event` and applies it; returns it.
    pub async fn apply<E: Event>(&mut self, id: impl ToString, event: E) -> Envelope {
        let envelope = self.envelope(&id.to_string(), &event);
        self.apply_envelope(&envelope).await.expect("event applies");
        self.history.push(envelope.clone());
        envelope
    }

    /// Applies `envelope` to every projection consuming its aggregate type, each in its own
    /// committed transaction (rolled back on error).
    pub async fn apply_envelope(&self, envelope: &Envelope) -> Result<(), ProjectionError> {
        for projection in &self.projections {
            if !projection
                .aggregate_types()
                .contains(&envelope.aggregate_type.as_str())
            {
                continue;
            }
            let mut tx = self.db.pool.begin().await.expect("transaction begins");
            projection.apply(&mut tx, envelope).await?;
            tx.commit().await.expect("transaction commits");
        }
        Ok(())
    }

    /// Applies `envelopes` (sorted by aggregate and sequence) to every projection with one
    /// `apply_many` in one transaction, as the runner's batch path does; records them.
    pub async fn apply_together(&mut self, envelopes: Vec<Envelope>) {
        let mut tx = self.db.pool.begin().await.expect("transaction begins");
        for projection in &self.projections {
            let events: Vec<&Envelope> = envelopes
                .iter()
                .filter(|e| {
                    projection
                        .aggregate_types()
                        .contains(&e.aggregate_type.as_str())
                })
                .collect();
            projection
                .apply_many(&mut tx, &events)
                .await
                .expect("events apply");
        }
        tx.commit().await.expect("transaction commits");
        self.history.extend(envelopes);
    }

    /// Every row of every projection's tables, as JSON, in a stable order.
    pub async fn snapshot(&self) -> Vec<serde_json::Value> {
        let mut rows = Vec::new();
        for projection in &self.projections {
            for table in projection.tables() {
                // Table names come from the projections, not from input.
                let mut table_rows: Vec<serde_json::Value> =
                    sqlx::query_scalar(&format!("SELECT to_jsonb(t) - 'search' FROM {table} t"))
                        .fetch_all(self.pool())
                        .await
                        .expect("rows");
                table_rows.sort_by_key(|row| row.to_string());
                rows.push(serde_json::json!({ "table": table, "rows": table_rows }));
            }
        }
        rows
    }

    /// Empties every projection's tables (children first) and applies the whole history
    /// again, as `commerce replay` does.
    pub async fn replay(&self) {
        for projection in &self.projections {
            for table in projection.tables() {
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(self.pool())
                    .await
                    .expect("table emptied");
            }
        }
        for envelope in &self.history {
            self.apply_envelope(envelope).await.expect("replay applies");
        }
    }
}

/// Every read model rebuilt from the same history equals the live one, row for row.
#[tokio::test]
async fn replaying_the_history_rebuilds_identical_rows() {
    let mut h = Harness::new(commerce_projections::read_models::all(Default::default())).await;
    let product = catalog::create_product(&mut h, "Replay mug", 10).await;
    h.apply(product, ProductEvent::ProductPublished {}).await;
    let order = Uuid::new_v4();
    h.apply(
        product,
        ProductEvent::StockReserved {
            order_id: order,
            lines: vec![commerce_aggregates::product::ReservationLine::new(
                "MUG-1", 3,
            )],
        },
    )
    .await;
    let cart = carts::create_cart(&mut h, Uuid::new_v4()).await;
    carts::add_item(&mut h, cart, product, "MUG-1", 3, 1250).await;
    orders::place_order(&mut h, order, Uuid::new_v4(), Some("WELCOME")).await;
    h.apply(
        order,
        OrderEvent::OrderConfirmed {
            payment_due_by: start() + Duration::hours(1),
        },
    )
    .await;
    coupons::create_coupon(&mut h, "WELCOME", Some(5)).await;
    coupons::redeem(&mut h, "WELCOME", order, Uuid::new_v4(), 200).await;
    let usd = crate::fixtures::usd;
    h.apply(
        order,
        OrderEvent::OrderPaid {
            provider: "test".into(),
            payment_reference: "pay_1".into(),
            amount: usd(3550),
            paid_at: h.now,
        },
    )
    .await;
    // One mug returned: a partial refund of its line.
    let refund_id = Uuid::new_v4();
    let line = commerce_aggregates::order::RefundedLine {
        sku: "MUG-1".into(),
        quantity: 1,
        amount: usd(1183),
    };
    h.apply(
        order,
        OrderEvent::RefundRequested {
            refund_id,
            amount: usd(1183),
            lines: vec![line.clone()],
            reason: "chipped".into(),
            requested_at: h.now,
        },
    )
    .await;
    h.apply(
        order,
        OrderEvent::OrderRefunded {
            amount: usd(1183),
            reason: "chipped".into(),
            refunded_at: h.now,
            refund_id: Some(refund_id),
            provider_reference: Some("re_1".into()),
            lines: vec![line],
        },
    )
    .await;
    let outlet = StoreEvent::StoreCreated {
        slug: "outlet".into(),
        name: "Outlet".into(),
        currency: commerce_aggregates::Currency::parse("EUR").expect("a currency"),
        contact_email: "outlet@example.com".into(),
    };
    h.apply("outlet", outlet).await;
    let renamed = StoreEvent::StoreUpdated {
        name: "Euro outlet".into(),
        contact_email: "euro@example.com".into(),
    };
    h.apply("outlet", renamed).await;
    h.apply("outlet", StoreEvent::StoreClosed {}).await;

    h.apply(
        "mugs",
        CategoryEvent::CategoryCreated {
            slug: "mugs".into(),
            name: "Mugs".into(),
            parent: None,
        },
    )
    .await;
    h.apply(
        "mugs",
        CategoryEvent::CategoryRenamed {
            name: "Cups and mugs".into(),
        },
    )
    .await;
    let gift = TagEvent::TagCreated {
        slug: "gift".into(),
        name: "Gift".into(),
    };
    h.apply("gift", gift).await;
    let linked = ProductEvent::TagLinked {
        slug: "gift".into(),
    };
    h.apply(product, linked).await;
    let image = commerce_aggregates::product::ProductImage {
        image_id: Uuid::new_v4(),
        key: format!("{}.png", "ab".repeat(32)),
        content_type: commerce_aggregates::product::ImageType::Png,
        width: 640,
        height: 480,
        byte_size: 2048,
        alt: Some("The mug, \"front\"\tview".into()),
    };
    h.apply(product, ProductEvent::ProductImageAdded { image })
        .await;
    let message = Uuid::new_v4();
    let received = ContactEvent::ContactMessageReceived {
        message_id: message,
        name: "Ann".into(),
        email: "ann@example.com".into(),
        subject: "Hi".into(),
        message: "Where is my mug?".into(),
        user_id: None,
    };
    h.apply(message, received).await;
    let resolved = ContactEvent::ContactMessageResolved {
        by: Uuid::new_v4(),
        note: Some("Sent".into()),
    };
    h.apply(message, resolved).await;

    let live = h.snapshot().await;
    assert!(live.iter().all(|table| table["rows"]
        .as_array()
        .is_some_and(|rows| !rows.is_empty())));
    h.replay().await;
    assert_eq!(h.snapshot().await, live);
}

/// A payload that is not an event of the aggregate, or has the wrong shape, is refused as a
/// decode error and writes nothing.
#[tokio::test]
async fn undecodable_payloads_are_decode_errors() {
    let mut h = Harness::new(commerce_projections::read_models::all(Default::default())).await;
    let id = Uuid::new_v4();
    let mut envelope = h.envelope(&id.to_string(), &ProductEvent::ProductPublished {});
    for payload in [
        serde_json::json!({"ProductTeleported": {}}),
        serde_json::json!({"StockReserved": {"order_id": "not-a-uuid", "lines": []}}),
        serde_json::json!("ProductPublished"),
    ] {
        envelope.payload = payload;
        let error = h.apply_envelope(&envelope).await.expect_err("refused");
        assert!(
            matches!(error, ProjectionError::Decode { ref event_type, .. } if event_type == "ProductPublished"),
            "{error:?}"
        );
    }
    // An order event fed to a product projection is not a product event either.
    let mut order_envelope = h.envelope(
        &id.to_string(),
        &OrderEvent::OrderExpired {
            expired_at: start(),
        },
    );
    order_envelope.aggregate_type = "product".into();
    assert!(matches!(
        h.apply_envelope(&order_envelope).await,
        Err(ProjectionError::Decode { .. })
    ));
    // A product id that is not a UUID.
    let mut bad_id = h.envelope("not-a-uuid", &ProductEvent::ProductPublished {});
    bad_id.aggregate_id = "not-a-uuid".into();
    assert!(matches!(
        h.apply_envelope(&bad_id).await,
        Err(ProjectionError::Decode { .. })
    ));
    let products: i64 = sqlx::query_scalar("SELECT count(*) FROM catalog_products")
        .fetch_one(h.pool())
        .await
        .expect("count");
    assert_eq!(products, 0);
}
