//! `commerce tail '<subject filter>'`: prints the events of the JetStream stream live, one JSON
//! line per event on stdout: `{"subject", "stream_sequence", "envelope"}` (the envelope with
//! its payload in the current version).
//!
//! It reads through an ephemeral ordered consumer (no acks, no state left on the server;
//! recreated by the client after a gap), from new events by default, `--from-start`, or
//! `--from <stream sequence>`. Only `NATS_URL` (and `NATS_STREAM`) are needed, no database.

use std::io::Write;

use anyhow::{bail, Context};
use async_nats::jetstream::{self, consumer::pull::OrderedConfig, consumer::DeliverPolicy};
use commerce_eventlog::envelope::SUBJECT_PREFIX;
use commerce_eventlog::Envelope;
use futures_util::StreamExt;
use serde::Serialize;

use crate::shutdown::Shutdown;

/// What `commerce tail` reads.
#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    /// Subject filter: `commerce.>` (everything), `commerce.order.>`, `commerce.*.*.OrderPlaced`,
    /// `commerce.product.<id>.>`.
    pub filter: String,
    /// Start with the oldest event still in the stream instead of new events only.
    #[arg(long, conflicts_with = "from")]
    pub from_start: bool,
    /// Start at this stream sequence.
    #[arg(long, value_name = "SEQ")]
    pub from: Option<u64>,
    /// Exit after printing this many events.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// NATS server.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// The event stream.
    #[arg(long, env = "NATS_STREAM", default_value = "COMMERCE")]
    pub stream: String,
}

/// One printed line.
#[derive(Debug, Serialize)]
struct Line<'a> {
    subject: &'a str,
    stream_sequence: u64,
    envelope: &'a Envelope,
}

/// Checks a subject filter for the event stream: dot-separated non-empty tokens without
/// whitespace, `*` and `>` only as whole tokens, `>` last, starting with `commerce`, and no
/// more tokens than a subject has (`commerce.<aggregate>.<id>.<EventType>`).
pub fn validate_filter(filter: &str) -> anyhow::Result<()> {
    let tokens: Vec<&str> = filter.split('.').collect();
    if tokens.iter().any(|t| t.is_empty()) {
        bail!("'{filter}': empty token (tokens are separated by single dots)");
    }
    if filter.chars().any(char::is_whitespace) {
        bail!("'{filter}': subjects contain no whitespace");
    }
    for (i, token) in tokens.iter().enumerate() {
        let wildcard = token.contains('*') || token.contains('>');
        if wildcard && *token != "*" && *token != ">" {
            bail!("'{filter}': '*' and '>' must be whole tokens");
        }
        if *token == ">" && i + 1 != tokens.len() {
            bail!("'{filter}': '>' must be the last token");
        }
    }
    if tokens[0] != SUBJECT_PREFIX {
        bail!(
            "'{filter}': event subjects start with '{SUBJECT_PREFIX}.' (e.g. 'commerce.order.>')"
        );
    }
    if tokens.len() > 4 {
        bail!("'{filter}': subjects have four tokens: commerce.<aggregate>.<id>.<EventType>");
    }
    if tokens.len() < 4 && tokens.last() != Some(&">") {
        bail!("'{filter}': matches no subject; end it with '.>' or give all four tokens");
    }
    Ok(())
}

/// Runs `commerce tail` until ctrl-c / SIGTERM, the stream ends, or `--limit` is reached.
pub async fn run(args: TailArgs) -> anyhow::Result<()> {
    validate_filter(&args.filter)?;
    let deliver_policy = match (args.from_start, args.from) {
        (_, Some(0)) => bail!("--from: stream sequences start at 1"),
        (_, Some(start_sequence)) => DeliverPolicy::ByStartSequence { start_sequence },
        (true, None) => DeliverPolicy::All,
        (false, None) => DeliverPolicy::New,
    };
    let client = async_nats::ConnectOptions::new()
        .name("commerce-tail")
        .connect(crate::nats::server_urls(&args.nats_url).as_slice())
        .await
        .with_context(|| format!("connecting to NATS at {}", args.nats_url))?;
    let js = jetstream::new(client);
    let stream = js
        .get_stream(&args.stream)
        .await
        .with_context(|| format!("stream {} (is the relay running?)", args.stream))?;
    let consumer = stream
        .create_consumer(OrderedConfig {
            description: Some("commerce tail".into()),
            filter_subject: args.filter.clone(),
            deliver_policy,
            ..Default::default()
        })
        .await
        .context("creating the ordered consumer")?;
    let mut messages = consumer.messages().await.context("consuming")?;
    let shutdown = Shutdown::new();
    shutdown.on_signals();
    tracing::info!(filter = %args.filter, stream = %args.stream, "tailing");
    let mut printed = 0u64;
    let stdout = std::io::stdout();
    while args.limit.is_none_or(|limit| printed < limit) {
        let message = tokio::select! {
            message = messages.next() => message,
            _ = shutdown.wait() => break,
        };
        let Some(message) = message else { break };
        let message = message.context("receiving")?;
        let sequence = message.info().map(|i| i.stream_sequence).unwrap_or(0);
        let envelope: Envelope = match serde_json::from_slice(&message.payload) {
            Ok(envelope) => envelope,
            Err(error) => {
                tracing::warn!(subject = %message.subject, sequence, %error, "not an envelope, skipped");
                continue;
            }
        };
        let line = Line {
            subject: message.subject.as_str(),
            stream_sequence: sequence,
            envelope: &envelope,
        };
        let mut out = stdout.lock();
        serde_json::to_writer(&mut out, &line)?;
        writeln!(out)?;
        out.flush()?;
        printed += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_filters() {
        for filter in [
            "commerce.>",
            "commerce.order.>",
            "commerce.*.*.OrderPlaced",
            "commerce.product.0b6c.>",
            "commerce.coupon.WELCOME10.CouponRedeemed",
        ] {
            assert!(validate_filter(filter).is_ok(), "{filter}");
        }
    }

    #[test]
    fn refuses_malformed_filters() {
        for filter in [
            "",
            "commerce",
            "commerce..>",
            "commerce.>.order",
            "commerce.ord*.>",
            "orders.>",
            ">",
            "commerce.order",
            "commerce.order.x.Y.Z",
            "commerce.order >",
        ] {
            assert!(validate_filter(filter).is_err(), "{filter:?}");
        }
    }
}
