//! The JetStream streams the engine uses: all events, and dead letters.

use std::time::Duration;

use async_nats::jetstream::{self, stream};

/// Subjects of the dead-letter stream: `deadletter.<projection>.<aggregate>.<id>.<EventType>`.
pub const DEAD_LETTER_SUBJECTS: &str = "deadletter.>";

/// How the event stream is set up.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Name of the stream holding every event (`COMMERCE`).
    pub name: String,
    /// Replicas of each stream (1 on a single server, 3 on a cluster).
    pub replicas: usize,
    /// How long JetStream remembers message ids to drop re-published duplicates.
    pub duplicate_window: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            name: "COMMERCE".into(),
            replicas: 1,
            duplicate_window: Duration::from_secs(10 * 60),
        }
    }
}

impl StreamSettings {
    /// Name of the dead-letter stream (`<name>_DEADLETTER`).
    pub fn dead_letter_name(&self) -> String {
        format!("{}_DEADLETTER", self.name)
    }
}

/// Creates the event and dead-letter streams, or updates them to `settings`.
pub async fn ensure_streams(
    js: &jetstream::Context,
    settings: &StreamSettings,
) -> Result<stream::Stream, async_nats::Error> {
    let events = stream::Config {
        name: settings.name.clone(),
        description: Some("Every event of the commerce engine, in per-aggregate order".into()),
        subjects: vec![format!("{}.>", crate::envelope::SUBJECT_PREFIX)],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        num_replicas: settings.replicas,
        duplicate_window: settings.duplicate_window,
        ..Default::default()
    };
    js.create_or_update_stream(events).await?;
    let dead_letters = stream::Config {
        name: settings.dead_letter_name(),
        description: Some("Events projections gave up on after bounded retries".into()),
        subjects: vec![DEAD_LETTER_SUBJECTS.into()],
        storage: stream::StorageType::File,
        num_replicas: settings.replicas,
        duplicate_window: settings.duplicate_window,
        ..Default::default()
    };
    js.create_or_update_stream(dead_letters).await?;
    Ok(js.get_stream(&settings.name).await?)
}
