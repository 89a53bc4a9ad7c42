//! Runs a projection as a durable JetStream pull consumer.
//!
//! Each fetched batch is applied in one read-model transaction, sorted per aggregate, under
//! a per-aggregate position guard (`projection_positions`, all of the batch's rows locked
//! with one statement — [`crate::batch`] — or, once an event of the batch has failed, row by
//! row with a savepoint per event):
//!
//! - an event at or below the stored position is a redelivery: skipped, acked;
//! - the next event is applied and the position advanced, in the same transaction;
//! - an event further ahead waits for its predecessor: not applied, nak'ed with a delay;
//! - an event whose apply fails is retried with backoff; after `max_deliver` deliveries it is
//!   dead-lettered (subject, table, error log) and skipped, so its aggregate is not blocked;
//!   a failure because the database is unavailable is retried without that bound.
//!
//! Messages are acked only after the transaction commits; when the transaction fails (the
//! database went away) the batch is nak'ed and offered again after [`FAILED_BATCH_RETRY`].
//! Two workers on the same consumer serialise on the position rows, so neither applies an
//! event the other applied.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{
    self, consumer::pull, consumer::AckPolicy, consumer::DeliverPolicy, AckKind,
};
use commerce_runtime::{Backoff, Shutdown};
use futures_util::StreamExt;
use sqlx::{PgConnection, PgPool};

use crate::applied::Applied;
use crate::envelope::{subject_aggregate_type, Envelope, SUBJECT_PREFIX};
use crate::projection::ProjectionError;
use crate::subscriber::Subscriber;

/// How a projection consumes.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// The event stream's name.
    pub stream: String,
    /// Messages fetched and applied per transaction.
    pub batch_size: usize,
    /// Deliveries of a failing event before it is dead-lettered.
    pub max_deliver: i64,
    /// How long JetStream waits for an ack before redelivering.
    pub ack_wait: Duration,
    /// How long one fetch waits for messages.
    pub fetch_wait: Duration,
    /// Delay before an event that arrived ahead of its predecessor is offered again.
    pub early_retry: Duration,
    /// Pause after a batch smaller than `batch_size` before fetching the next: under a steady
    /// stream of events the next batch gathers what arrived meanwhile, so its transaction,
    /// position statements, fetch and wake-ups are shared by more events, and the commands
    /// get the CPU the consumers no longer spend on them. An event arriving during the pause
    /// waits for it; the first after a quiet spell does not. Zero fetches at once.
    pub linger: Duration,
    /// Woken after each batch this runner commits, for the aggregates the batch applied:
    /// reads waiting for the read model to catch up on one of them look again at once
    /// instead of at their next poll.
    pub applied: Option<Arc<Applied>>,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        Self {
            stream: "COMMERCE".into(),
            batch_size: 256,
            max_deliver: 5,
            ack_wait: Duration::from_secs(30),
            fetch_wait: Duration::from_millis(500),
            early_retry: Duration::from_millis(200),
            linger: Duration::from_millis(10),
            applied: None,
        }
    }
}

/// The wait before fetching again after a batch's transaction failed (its messages come
/// again after `ack_wait`).
const FAILED_BATCH_BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(200), Duration::from_millis(6_400));

/// When an event whose apply failed is offered again, by its deliveries so far.
const RETRY_BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(400), Duration::from_millis(12_800));

/// Delay before the messages of a batch whose transaction failed are offered again.
pub const FAILED_BATCH_RETRY: Duration = Duration::from_secs(1);

/// Name of a projection's durable consumer: the only one of a projection of one aggregate
/// type (see [`consumers`]).
pub fn consumer_name(projection: &Subscriber) -> String {
    format!("proj-{}", projection.name())
}

/// One durable consumer a projection reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurableConsumer {
    /// Its durable name.
    pub name: String,
    /// The subjects it is delivered.
    pub filter: String,
}

impl DurableConsumer {
    fn new(name: String, filter: String) -> Self {
        Self { name, filter }
    }
}

/// The durable consumers a projection reads: `proj-<name>` on
/// its type for a projection of one aggregate type, and one consumer per type,
/// `proj-<name>-<type>`, for a projection of several: NATS 2.9 filters a consumer on one
/// subject only, and one consumer of every subject would be handed every other type's events
/// to acknowledge unread (the mailer, every cart event). The guarantee a projection relies
/// on — each aggregate's events in order — holds within each consumer; events of different
/// types may be applied in another order than they were published.
pub fn consumers(projection: &Subscriber) -> Vec<DurableConsumer> {
    match projection.aggregate_types() {
        [] => vec![DurableConsumer::new(
            consumer_name(projection),
            format!("{SUBJECT_PREFIX}.>"),
        )],
        [only] => vec![DurableConsumer::new(
            consumer_name(projection),
            format!("{SUBJECT_PREFIX}.{only}.>"),
        )],
        kinds => kinds
            .iter()
            .map(|kind| {
                DurableConsumer::new(
                    format!("proj-{}-{kind}", projection.name()),
                    format!("{SUBJECT_PREFIX}.{kind}.>"),
                )
            })
            .collect(),
    }
}

/// Gets or creates the projection's durable pull `consumer`.
pub async fn ensure_consumer(
    js: &jetstream::Context,
    settings: &RunnerSettings,
    projection: &Subscriber,
    consumer: &DurableConsumer,
) -> Result<jetstream::consumer::Consumer<pull::Config>, async_nats::Error> {
    let stream = js.get_stream(&settings.stream).await?;
    if let Ok(existing) = stream.get_consumer(&consumer.name).await {
        return Ok(existing);
    }
    stream
        .get_or_create_consumer(
            &consumer.name,
            pull::Config {
                durable_name: Some(consumer.name.clone()),
                description: Some(format!("read model: {}", projection.name())),
                filter_subject: consumer.filter.clone(),
                deliver_policy: DeliverPolicy::All,
                ack_policy: AckPolicy::Explicit,
                ack_wait: settings.ack_wait,
                // Unbounded here: the runner bounds failing applies itself, while an event
                // waiting for its predecessor must be offered again for as long as it takes.
                max_deliver: -1,
                max_ack_pending: 20_000,
                ..Default::default()
            },
        )
        .await
        .map_err(Into::into)
}

/// Events behind for the projection: not yet delivered plus delivered and not acked, over
/// all its consumers.
pub async fn lag(
    js: &jetstream::Context,
    settings: &RunnerSettings,
    projection: &Subscriber,
) -> Result<u64, async_nats::Error> {
    let stream = js.get_stream(&settings.stream).await?;
    let mut lag = 0;
    for consumer in consumers(projection) {
        let info = stream.consumer_info(consumer.name).await?;
        lag += info.num_pending + info.num_ack_pending as u64;
    }
    Ok(lag)
}

/// Consumes until `shutdown` turns true, every consumer of the projection ([`consumers`])
/// at once. NATS and Postgres failures are logged and retried.
pub async fn run(
    pool: PgPool,
    js: jetstream::Context,
    projection: Subscriber,
    settings: RunnerSettings,
    shutdown: Shutdown,
) {
    let loops = consumers(&projection).into_iter().map(|consumer| {
        consume(
            &pool,
            &js,
            &projection,
            &settings,
            consumer,
            shutdown.clone(),
        )
    });
    futures_util::future::join_all(loops).await;
    tracing::info!(
        projection = projection.name(),
        "projection stopped: shutdown requested"
    );
}

/// Consumes one of the projection's consumers until `shutdown` turns true.
async fn consume(
    pool: &PgPool,
    js: &jetstream::Context,
    projection: &Subscriber,
    settings: &RunnerSettings,
    durable: DurableConsumer,
    shutdown: Shutdown,
) {
    let name = projection.name();
    let mut failures = 0u32;
    'connect: while !shutdown.is_triggered() {
        let consumer = match ensure_consumer(js, settings, projection, &durable).await {
            Ok(consumer) => consumer,
            Err(error) => {
                tracing::warn!(projection = name, %error, "consumer unavailable, retrying");
                if shutdown.sleep(Duration::from_secs(1)).await {
                    break;
                }
                continue;
            }
        };
        tracing::info!(
            projection = name,
            consumer = durable.name,
            "projection consuming"
        );
        loop {
            if shutdown.is_triggered() {
                break 'connect;
            }
            // While NATS is unreachable a pull request would wait in the client's buffer and
            // reach the server after the reconnect, when this fetch has long given up: the
            // messages delivered to it would stay unacknowledged for `ack_wait` (30 s) before
            // being redelivered. Wait for the connection instead.
            if js.client().connection_state() != async_nats::connection::State::Connected {
                if shutdown.sleep(Duration::from_millis(100)).await {
                    break 'connect;
                }
                continue;
            }
            let messages = match fetch(&consumer, settings).await {
                Ok(messages) => messages,
                Err(error) => {
                    tracing::warn!(projection = name, %error, "fetch failed, reconnecting");
                    if shutdown.sleep(Duration::from_secs(1)).await {
                        break 'connect;
                    }
                    continue 'connect;
                }
            };
            if messages.is_empty() {
                continue;
            }
            let partial = messages.len() < settings.batch_size;
            match process_batch(pool, js, projection, settings, messages).await {
                Ok(aggregates) => {
                    failures = 0;
                    if let Some(applied) = &settings.applied {
                        applied.wake(aggregates.iter().map(String::as_str));
                    }
                    if partial
                        && !settings.linger.is_zero()
                        && shutdown.sleep(settings.linger).await
                    {
                        break 'connect;
                    }
                }
                Err(error) => {
                    // Nothing was acked: JetStream redelivers the batch after ack_wait.
                    failures = failures.saturating_add(1);
                    tracing::warn!(projection = name, %error, "batch failed, will be redelivered");
                    if shutdown.sleep(FAILED_BATCH_BACKOFF.after(failures)).await {
                        break 'connect;
                    }
                }
            }
        }
    }
}

async fn fetch(
    consumer: &jetstream::consumer::Consumer<pull::Config>,
    settings: &RunnerSettings,
) -> Result<Vec<jetstream::Message>, async_nats::Error> {
    let mut batch = consumer
        .fetch()
        .max_messages(settings.batch_size)
        .expires(settings.fetch_wait)
        .messages()
        .await?;
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        messages.push(message?);
    }
    Ok(messages)
}

/// What became of one message in a batch.
pub(crate) enum Outcome {
    Applied,
    Duplicate,
    Early,
    Retry { deliveries: i64 },
    DeadLettered,
}

pub(crate) struct Item {
    pub(crate) message: jetstream::Message,
    pub(crate) envelope: Envelope,
    pub(crate) deliveries: i64,
    pub(crate) outcome: Outcome,
}

async fn process_batch(
    pool: &PgPool,
    js: &jetstream::Context,
    projection: &Subscriber,
    settings: &RunnerSettings,
    messages: Vec<jetstream::Message>,
) -> Result<Vec<String>, async_nats::Error> {
    let mut items = Vec::with_capacity(messages.len());
    for message in messages {
        // A projection without aggregate types reads every subject: events of a type are
        // acknowledged here, undecoded, without a transaction or a position.
        let consumed = subject_aggregate_type(&message.subject)
            .is_none_or(|kind| projection.aggregate_types().contains(&kind));
        if !consumed {
            message.ack().await?;
            continue;
        }
        let deliveries = message.info().map(|i| i.delivered).unwrap_or(1);
        match serde_json::from_slice::<Envelope>(&message.payload) {
            Ok(envelope) => items.push(Item {
                message,
                envelope,
                deliveries,
                outcome: Outcome::Duplicate,
            }),
            Err(error) => {
                // Not an envelope at all: nothing to order or apply.
                tracing::error!(projection = projection.name(), subject = %message.subject,
                    %error, "undecodable message terminated");
                message.ack_with(AckKind::Term).await?;
            }
        }
    }
    if items.is_empty() {
        return Ok(Vec::new());
    }
    // One lock order for every worker: no deadlocks between them.
    items.sort_by(|a, b| {
        (
            &a.envelope.aggregate_type,
            &a.envelope.aggregate_id,
            a.envelope.sequence,
        )
            .cmp(&(
                &b.envelope.aggregate_type,
                &b.envelope.aggregate_id,
                b.envelope.sequence,
            ))
    });

    if let Err(error) = apply_items(pool, js, projection, settings, &mut items).await {
        // Nothing was committed (the database went away, typically): offer the batch again
        // soon instead of after `ack_wait`.
        for item in &items {
            let nak = AckKind::Nak(Some(FAILED_BATCH_RETRY));
            item.message.ack_with(nak).await.ok();
        }
        return Err(error);
    }

    // The aggregates whose rows the committed batch changed, for the reads waiting on them.
    let mut changed: Vec<String> = Vec::new();
    for item in items.iter().filter(|_| settings.applied.is_some()) {
        if matches!(item.outcome, Outcome::Applied | Outcome::DeadLettered)
            && changed.last() != Some(&item.envelope.aggregate_id)
        {
            changed.push(item.envelope.aggregate_id.clone());
        }
    }
    for item in items {
        match item.outcome {
            Outcome::Applied | Outcome::Duplicate | Outcome::DeadLettered => {
                item.message.ack().await?
            }
            Outcome::Early => {
                item.message
                    .ack_with(AckKind::Nak(Some(settings.early_retry)))
                    .await?
            }
            Outcome::Retry { deliveries } => {
                let delay = RETRY_BACKOFF.after(deliveries.clamp(0, 32) as u32);
                item.message.ack_with(AckKind::Nak(Some(delay))).await?
            }
        }
    }
    Ok(changed)
}

/// Applies the sorted `items` in one read-model transaction and sets each one's outcome.
async fn apply_items(
    pool: &PgPool,
    js: &jetstream::Context,
    projection: &Subscriber,
    settings: &RunnerSettings,
    items: &mut [Item],
) -> Result<(), async_nats::Error> {
    let mut tx = begin_batch(pool, projection).await?;
    if let Err(error) = crate::batch::apply_all(&mut tx, projection, items).await? {
        // Applied again event by event, each failure isolated by a savepoint.
        tracing::debug!(projection = projection.name(), %error,
            "an event of the batch failed, applying the batch event by event");
        tx.rollback().await?;
        tx = begin_batch(pool, projection).await?;
        for item in items.iter_mut() {
            item.outcome = apply_one(&mut tx, js, projection, settings, item).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Opens a batch's read-model transaction.
async fn begin_batch<'p>(
    pool: &'p PgPool,
    projection: &Subscriber,
) -> Result<sqlx::Transaction<'p, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // The lock: shared with other batches of this projection, exclusive for a replay of it.
    // The mark: a read-model transaction, which the relay's horizon does not wait for.
    sqlx::query(
        "SELECT pg_advisory_xact_lock_shared(1, hashtext($1)), set_config('application_name', $2, true)",
    )
    .bind(projection.name())
    .bind(crate::reader::READ_MODEL_TRANSACTION)
    .execute(&mut *tx)
    .await?;
    Ok(tx)
}

/// The outcome of an event whose apply failed with `error`: retried while the database is
/// unavailable (however often it was delivered) or while deliveries remain, `None` when it
/// is to be dead-lettered.
fn retry_or_dead_letter(
    projection: &Subscriber,
    settings: &RunnerSettings,
    item: &Item,
    error: &ProjectionError,
) -> Option<Outcome> {
    let envelope = &item.envelope;
    if error.is_unavailable() {
        tracing::warn!(projection = projection.name(), event_id = %envelope.event_id,
            %error, "database unavailable, will retry");
    } else if item.deliveries < settings.max_deliver {
        tracing::warn!(projection = projection.name(), event_id = %envelope.event_id,
            deliveries = item.deliveries, %error, "apply failed, will retry");
    } else {
        return None;
    }
    Some(Outcome::Retry {
        deliveries: item.deliveries,
    })
}

async fn apply_one(
    tx: &mut PgConnection,
    js: &jetstream::Context,
    projection: &Subscriber,
    settings: &RunnerSettings,
    item: &Item,
) -> Result<Outcome, async_nats::Error> {
    let envelope = &item.envelope;
    let sequence = i64::try_from(envelope.sequence).unwrap_or(i64::MAX);
    let last = lock_position(tx, projection, envelope).await?;
    if sequence <= last {
        return Ok(Outcome::Duplicate);
    }
    if sequence > last + 1 {
        tracing::debug!(projection = projection.name(), aggregate = %envelope.aggregate_id,
            sequence, last, "event ahead of its predecessor, held back");
        return Ok(Outcome::Early);
    }
    sqlx::query("SAVEPOINT apply_event")
        .execute(&mut *tx)
        .await?;
    match projection.apply(tx, envelope).await {
        Ok(()) => {
            sqlx::query("RELEASE SAVEPOINT apply_event")
                .execute(&mut *tx)
                .await?;
            advance(tx, projection, envelope, sequence).await?;
            Ok(Outcome::Applied)
        }
        Err(error) => {
            sqlx::query("ROLLBACK TO SAVEPOINT apply_event")
                .execute(&mut *tx)
                .await?;
            if let Some(retry) = retry_or_dead_letter(projection, settings, item, &error) {
                return Ok(retry);
            }
            dead_letter(tx, js, projection, item, &error.to_string()).await?;
            advance(tx, projection, envelope, sequence).await?;
            Ok(Outcome::DeadLettered)
        }
    }
}

/// Locks the projection's position row of the envelope's aggregate (created at 0 when new)
/// and returns the last sequence applied.
async fn lock_position(
    tx: &mut PgConnection,
    projection: &Subscriber,
    envelope: &Envelope,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO projection_positions (projection, aggregate_type, aggregate_id, last_sequence)
         VALUES ($1, $2, $3, 0)
         ON CONFLICT (projection, aggregate_type, aggregate_id)
         DO UPDATE SET last_sequence = projection_positions.last_sequence
         RETURNING last_sequence",
    )
    .bind(projection.name())
    .bind(&envelope.aggregate_type)
    .bind(&envelope.aggregate_id)
    .fetch_one(&mut *tx)
    .await
}

async fn advance(
    tx: &mut PgConnection,
    projection: &Subscriber,
    envelope: &Envelope,
    sequence: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE projection_positions SET last_sequence = $4
          WHERE projection = $1 AND aggregate_type = $2 AND aggregate_id = $3",
    )
    .bind(projection.name())
    .bind(&envelope.aggregate_type)
    .bind(&envelope.aggregate_id)
    .bind(sequence)
    .execute(tx)
    .await?;
    Ok(())
}

async fn dead_letter(
    tx: &mut PgConnection,
    js: &jetstream::Context,
    projection: &Subscriber,
    item: &Item,
    error: &str,
) -> Result<(), async_nats::Error> {
    let envelope = &item.envelope;
    tracing::error!(projection = projection.name(), event_id = %envelope.event_id,
        aggregate = %envelope.aggregate_id, sequence = envelope.sequence,
        event_type = %envelope.event_type, deliveries = item.deliveries, error,
        "event dead-lettered");
    let subject = format!(
        "deadletter.{}.{}",
        projection.name(),
        envelope
            .subject()
            .trim_start_matches(&format!("{SUBJECT_PREFIX}."))
    );
    let publish = jetstream::message::PublishMessage::build()
        .payload(item.message.payload.clone())
        .message_id(format!("{}:{}", projection.name(), envelope.event_id));
    js.send_publish(subject, publish).await?.await?;
    sqlx::query(
        "INSERT INTO projection_dead_letters
             (projection, event_id, aggregate_type, aggregate_id, sequence, event_type, error, deliveries)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (projection, event_id) DO NOTHING",
    )
    .bind(projection.name())
    .bind(envelope.event_id)
    .bind(&envelope.aggregate_type)
    .bind(&envelope.aggregate_id)
    .bind(i64::try_from(envelope.sequence).unwrap_or(i64::MAX))
    .bind(&envelope.event_type)
    .bind(error)
    .bind(item.deliveries)
    .execute(tx)
    .await?;
    Ok(())
}
