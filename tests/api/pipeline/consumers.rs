//! A projection of several aggregate types reads one durable consumer per type, so it is
//! delivered its own types' events only.

use async_nats::jetstream;
use commerce::app::Roles;
use commerce_projections::runner::{consumers, DurableConsumer};
use commerce_projections::Subscriber;
use futures_util::StreamExt;

use super::{projections_caught_up, start, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_envelopes, NatsServer};

const MAILER_TYPES: [&str; 4] = ["account", "order", "product", "contact_message"];

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

fn consumer(name: &str, filter: &str) -> DurableConsumer {
    DurableConsumer {
        name: name.to_owned(),
        filter: filter.to_owned(),
    }
}

#[test]
fn one_type_keeps_its_single_consumer_and_several_get_one_each() {
    let all = commerce_projections::read_models::all(Default::default());
    let carts = all.iter().find(|p| p.name() == "carts").expect("carts");
    assert_eq!(
        consumers(&Subscriber::ReadModel(carts.clone())),
        vec![consumer("proj-carts", "commerce.cart.>")]
    );
    let analytics = all
        .iter()
        .find(|p| p.name() == "analytics")
        .expect("analytics");
    assert_eq!(
        consumers(&Subscriber::ReadModel(analytics.clone())),
        vec![
            consumer("proj-analytics-order", "commerce.order.>"),
            consumer("proj-analytics-cart", "commerce.cart.>"),
            consumer("proj-analytics-coupon", "commerce.coupon.>"),
        ]
    );
}
