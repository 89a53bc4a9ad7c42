//! The NATS connection: started even while the server is down (the engine keeps accepting
//! commands; the relay catches up when NATS returns), reconnecting forever.

use async_nats::jetstream;

use crate::config::{redact_url, Config};

/// Connects to `NATS_URL` and returns the JetStream context.
pub async fn connect(config: &Config) -> anyhow::Result<jetstream::Context> {
    let client = async_nats::ConnectOptions::new()
        .name("commerce")
        .retry_on_initial_connect()
        .max_reconnects(None)
        .event_callback(|event| async move {
            tracing::info!(%event, "NATS connection event");
        })
        .connect(config.nats_url.as_str())
        .await?;
    tracing::info!(url = %redact_url(&config.nats_url), "NATS client started");
    Ok(jetstream::new(client))
}
