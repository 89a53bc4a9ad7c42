//! `commerce audit …`: the order rebuilt from its events, the hash-chain verification and a
//! manual seal, printed for an operator.

use anyhow::{bail, Context as _};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use uuid::Uuid;

use crate::audit::{as_of, parse_instant, sealer, verify};
use crate::config::Config;

/// `commerce audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print an order rebuilt from its events (not the read model) as JSON, in the shape of
    /// `GET orders/{id}`.
    Order {
        /// The order's id.
        id: Uuid,
        /// Rebuild it as it was at this instant (RFC 3339, e.g. 2026-11-21T13:05:22Z).
        #[arg(long, value_parser = parse_instant)]
        as_of: Option<DateTime<Utc>>,
    },
    /// Verify the hash chain over the event store; exits non-zero naming the first event
    /// that was edited, deleted, reordered or inserted behind the chain's back.
    Verify {
        /// Print the whole report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Seal every committed event not sealed yet (the relay's sealer does this continuously);
    /// prints how many.
    Seal,
}

/// Runs `commerce audit …`.
pub async fn run(config: &Config, command: AuditCommand) -> anyhow::Result<()> {
    let pool = crate::db::connect(config)
        .await
        .context("connecting to Postgres (DATABASE_URL)")?;
    match command {
        AuditCommand::Order { id, as_of } => {
            let Some(rebuilt) = as_of::rebuild_order(&pool, id, as_of).await? else {
                bail!("order {id} not found (or not placed yet at that time)");
            };
            let detail = crate::http::queries::order_as_of::detail(&rebuilt)
                .context("rendering the rebuilt order")?;
            print(&serde_json::to_string_pretty(&detail)?);
        }
        AuditCommand::Verify { json } => {
            let report = verify::verify(&pool).await?;
            if json {
                print(&serde_json::to_string_pretty(&report)?);
            } else {
                print(&summary(&report));
            }
            if let Some(first) = &report.first_problem {
                bail!(
                    "the event store fails verification ({} problem(s)); first: {}",
                    report.problems_total,
                    describe(first)
                );
            }
        }
        AuditCommand::Seal => {
            let sealed = sealer::seal_all(&pool, config.relay.batch_size).await?;
            print(&format!("{sealed} events sealed"));
        }
    }
    Ok(())
}

/// One finding on one line.
fn describe(finding: &verify::Finding) -> String {
    let kind = serde_json::to_value(finding.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!(
        "{kind} event {}/{} sequence {} (global position {}, event id {}{}): {}",
        finding.aggregate_type,
        finding.aggregate_id,
        finding.sequence,
        finding.global_position,
        finding.event_id,
        finding
            .link
            .map(|link| format!(", link {link}"))
            .unwrap_or_default(),
        finding.detail
    )
}

/// The human-readable report.
fn summary(report: &verify::VerifyReport) -> String {
    let head = report.head.as_ref().map_or_else(
        || "no event sealed yet".to_string(),
        |head| format!("head link {} hash {}", head.link, head.hash),
    );
    let mut out = format!(
        "{}: {} events sealed ({head}), {} not sealed yet",
        if report.ok { "OK" } else { "TAMPERED" },
        report.sealed,
        report.unsealed
    );
    for finding in &report.problems {
        out.push_str("\n  ");
        out.push_str(&describe(finding));
    }
    if report.problems_total > report.problems.len() as u64 {
        out.push_str(&format!(
            "\n  … and {} more",
            report.problems_total - report.problems.len() as u64
        ));
    }
    out
}

/// The CLI's own output.
#[allow(clippy::print_stdout)]
fn print(text: &str) {
    println!("{text}");
}
