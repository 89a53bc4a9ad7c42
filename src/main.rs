//! The `commerce` command line: one binary, one subcommand per role.

use anyhow::bail;
use clap::{Parser, Subcommand};

use commerce::app::{App, Roles};
use commerce::config::Config;
use commerce::shutdown::Shutdown;
use commerce_projections::{read_models, replay};

/// Event-sourced CQRS commerce engine.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every role in one process: HTTP API, relay and projection workers (the default).
    Serve,
    /// Run only the command API (HTTP).
    CommandApi,
    /// Run only the query API (HTTP).
    QueryApi,
    /// Run only the relay (one leader at a time publishes; others stand by).
    Relay,
    /// Run only the projection workers.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Rebuild a read model (or `all`) from the event store.
    Replay {
        /// `catalog`, `carts`, `orders`, `coupons`, `inventory` or `all`.
        projection: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    commerce::telemetry::init(config.log_format);
    tracing::debug!(?config, "configuration");
    let roles = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Roles::SERVE,
        Command::CommandApi => Roles::COMMAND_API,
        Command::QueryApi => Roles::QUERY_API,
        Command::Relay => Roles::RELAY,
        Command::Worker => Roles::WORKER,
        Command::Migrate => {
            let pool = commerce::db::connect(&config).await?;
            commerce::db::migrate(&pool).await?;
            tracing::info!("migrations applied");
            return Ok(());
        }
        Command::Replay { projection } => return run_replay(&config, &projection).await,
    };
    let shutdown = Shutdown::new();
    shutdown.on_signals();
    App::build(&config, roles).await?.run(shutdown).await
}

async fn run_replay(config: &Config, name: &str) -> anyhow::Result<()> {
    let pool = commerce::db::connect(config).await?;
    commerce::db::migrate(&pool).await?;
    let projections: Vec<_> = read_models::all(config.inventory_levels)
        .into_iter()
        .filter(|p| name == "all" || p.name() == name)
        .collect();
    if projections.is_empty() {
        bail!("unknown projection '{name}' (catalog, carts, orders, coupons, inventory or all)");
    }
    for projection in projections {
        let started = std::time::Instant::now();
        let events = replay::replay(&pool, projection.as_ref()).await?;
        let seconds = started.elapsed().as_secs_f64();
        #[allow(clippy::print_stdout)]
        {
            println!(
                "{}: {events} events replayed in {seconds:.2}s ({:.0} events/s)",
                projection.name(),
                events as f64 / seconds.max(1e-9)
            );
        }
    }
    Ok(())
}
