//! The NATS connection: started even while the server is down (the engine keeps accepting
//! commands; the relay catches up when NATS returns), reconnecting forever.
//!
//! `NATS_URL` may list several servers of one cluster, comma-separated
//! (`nats://10.0.0.1:4222,nats://10.0.0.2:4222,nats://10.0.0.3:4222`): the client connects to
//! one of them and, when it is lost, to another (it also learns the cluster's other members
//! from the server it is connected to).

use async_nats::jetstream;

use crate::config::{redact_url, Config};

/// The server URLs of a `NATS_URL` value: comma-separated, blanks ignored.
pub fn server_urls(list: &str) -> Vec<&str> {
    list.split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .collect()
}

/// Connects to `NATS_URL` and returns the JetStream context.
pub async fn connect(config: &Config) -> anyhow::Result<jetstream::Context> {
    let servers = server_urls(&config.nats_url);
    let client = async_nats::ConnectOptions::new()
        .name("commerce")
        .retry_on_initial_connect()
        .max_reconnects(None)
        .event_callback(|event| async move {
            tracing::info!(%event, "NATS connection event");
        })
        .connect(servers.as_slice())
        .await?;
    let shown: Vec<String> = servers.iter().map(|url| redact_url(url)).collect();
    tracing::info!(servers = %shown.join(","), "NATS client started");
    Ok(jetstream::new(client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_list_of_servers() {
        assert_eq!(
            server_urls("nats://127.0.0.1:4222"),
            ["nats://127.0.0.1:4222"]
        );
        assert_eq!(
            server_urls("nats://a:4222, nats://b:4222,,nats://c:4222 "),
            ["nats://a:4222", "nats://b:4222", "nats://c:4222"]
        );
    }
}
