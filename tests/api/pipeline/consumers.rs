//! A projection of several aggregate types reads one durable consumer per type, so it is
//! delivered its own types' events only; the single consumer of every subject that earlier
//! versions created is replaced, the new consumers starting where it acknowledged.

use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use async_nats::jetstream::{self, AckKind};
use commerce::app::Roles;
use commerce_projections::runner::consumers;
use commerce_projections::Subscriber;
use futures_util::StreamExt;

use super::{projections_caught_up, start, stored_event_ids, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_envelopes, stream_len, NatsServer};

const MAILER_TYPES: [&str; 3] = ["account", "order", "product"];

async fn consumer_names(js: &jetstream::Context) -> Vec<String> {
    let stream = js.get_stream("COMMERCE").await.expect("stream");
    let mut names: Vec<String> = stream
        .consumer_names()
        .map(|name| name.expect("consumer name"))
        .collect()
        .await;
    names.sort();
    names
}

/// True when each of the mailer's consumers has delivered and had acknowledged all it has.
async fn mailer_idle(js: &jetstream::Context) -> bool {
    let Ok(stream) = js.get_stream("COMMERCE").await else {
        return false;
    };
    for kind in MAILER_TYPES {
        match stream.consumer_info(format!("proj-mailer-{kind}")).await {
            Ok(info) if info.num_pending == 0 && info.num_ack_pending == 0 => {}
            _ => return false,
        }
    }
    true
}

/// Messages the consumer has been delivered, counting redeliveries.
async fn delivered(js: &jetstream::Context, consumer: &str) -> u64 {
    let stream = js.get_stream("COMMERCE").await.expect("stream");
    let info = stream.consumer_info(consumer).await.expect("consumer info");
    info.delivered.consumer_sequence
}

#[tokio::test]
async fn a_projection_of_several_types_is_delivered_only_its_types() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let running = start(&db, &nats.url(), Roles::PIPELINE).await;
    workload::run(&running.state.stores, 1).await;
    let js = nats.jetstream().await;
    wait_until("projections caught up", PATIENCE, || {
        projections_caught_up(&db.pool)
    })
    .await;
    wait_until("mailer caught up", PATIENCE, || mailer_idle(&js)).await;
    running.stop().await;

    let names = consumer_names(&js).await;
    for expected in [
        "proj-analytics-cart",
        "proj-analytics-coupon",
        "proj-analytics-order",
        "proj-carts",
        "proj-mailer-account",
        "proj-mailer-order",
        "proj-mailer-product",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(!names
        .iter()
        .any(|n| n == "proj-mailer" || n == "proj-analytics"));

    let envelopes = stream_envelopes(&js, "COMMERCE").await;
    for kind in ["cart", "coupon", "order", "product"] {
        assert!(
            envelopes.iter().any(|e| e.aggregate_type == kind),
            "{kind} events"
        );
    }
    for kind in MAILER_TYPES {
        let of_kind = envelopes
            .iter()
            .filter(|e| e.aggregate_type == kind)
            .count();
        assert_eq!(
            delivered(&js, &format!("proj-mailer-{kind}")).await,
            of_kind as u64,
            "proj-mailer-{kind} is delivered the {kind} events, once each"
        );
    }
}

#[tokio::test]
async fn per_type_consumers_start_after_what_the_single_consumer_acknowledged() {
    let nats = NatsServer::start().await;
    let js = nats.jetstream().await;
    let db = TestDatabase::create().await;
    let relay = start(&db, &nats.url(), Roles::RELAY).await;
    workload::run(&relay.state.stores, 1).await;
    let stored = stored_event_ids(&db.pool).await.len() as u64;
    wait_until("every event published", PATIENCE, || async {
        stream_len(&js, "COMMERCE").await == stored
    })
    .await;
    relay.stop().await;

    // The mailer's single consumer of an earlier version, which had acknowledged the first
    // half of the stream.
    let stream = js.get_stream("COMMERCE").await.expect("stream");
    let single = stream
        .create_consumer(pull::Config {
            durable_name: Some("proj-mailer".into()),
            filter_subject: "commerce.>".into(),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .expect("single consumer");
    let half = stored / 2;
    let mut acknowledged = 0;
    while acknowledged < half {
        let mut batch = single
            .fetch()
            .max_messages((half - acknowledged) as usize)
            .messages()
            .await
            .expect("fetch");
        while let Some(message) = batch.next().await {
            let message = message.expect("message");
            message.double_ack().await.expect("ack");
            acknowledged += 1;
        }
    }
    // What the mailer had applied of them, as that version left it in its positions.
    let envelopes = stream_envelopes(&js, "COMMERCE").await;
    assert_eq!(
        envelopes.len() as u64,
        stored,
        "every event once in the stream"
    );
    for envelope in &envelopes[..half as usize] {
        sqlx::query(
            "INSERT INTO projection_positions (projection, aggregate_type, aggregate_id, last_sequence)
             VALUES ('mailer', $1, $2, $3)
             ON CONFLICT (projection, aggregate_type, aggregate_id)
             DO UPDATE SET last_sequence = EXCLUDED.last_sequence",
        )
        .bind(&envelope.aggregate_type)
        .bind(&envelope.aggregate_id)
        .bind(envelope.sequence as i64)
        .execute(&db.pool)
        .await
        .expect("position");
    }
    // One more, delivered and left unacknowledged: above the floor, so it comes again.
    let mut batch = single
        .fetch()
        .max_messages(1)
        .messages()
        .await
        .expect("fetch");
    let pending = batch.next().await.expect("a message").expect("message");
    pending
        .ack_with(AckKind::Progress)
        .await
        .expect("in progress");

    let workers = start(&db, &nats.url(), Roles::WORKER).await;
    wait_until("mailer caught up", PATIENCE, || mailer_idle(&js)).await;
    workers.stop().await;

    assert!(
        stream.consumer_info("proj-mailer").await.is_err(),
        "the single consumer is deleted"
    );
    let envelopes = stream_envelopes(&js, "COMMERCE").await;
    assert_eq!(
        envelopes.len() as u64,
        stored,
        "no event appended meanwhile"
    );
    let mailer = commerce::mailer::MailerProcess::NAME;
    for kind in MAILER_TYPES {
        let name = format!("proj-{mailer}-{kind}");
        let info = stream.consumer_info(&name).await.expect("consumer info");
        assert_eq!(
            info.config.deliver_policy,
            DeliverPolicy::ByStartSequence {
                start_sequence: half + 1
            }
        );
        let after_floor = envelopes[half as usize..]
            .iter()
            .filter(|e| e.aggregate_type == kind)
            .count();
        assert_eq!(delivered(&js, &name).await, after_floor as u64, "{name}");
    }
}

#[test]
fn one_type_keeps_its_single_consumer_and_several_get_one_each() {
    let all = commerce_projections::read_models::all(Default::default());
    let carts = all.iter().find(|p| p.name() == "carts").expect("carts");
    assert_eq!(
        consumers(&Subscriber::ReadModel(carts.clone())),
        vec![("proj-carts".to_owned(), "commerce.cart.>".to_owned())]
    );
    let analytics = all
        .iter()
        .find(|p| p.name() == "analytics")
        .expect("analytics");
    assert_eq!(
        consumers(&Subscriber::ReadModel(analytics.clone())),
        vec![
            (
                "proj-analytics-order".to_owned(),
                "commerce.order.>".to_owned()
            ),
            (
                "proj-analytics-cart".to_owned(),
                "commerce.cart.>".to_owned()
            ),
            (
                "proj-analytics-coupon".to_owned(),
                "commerce.coupon.>".to_owned()
            ),
        ]
    );
}
