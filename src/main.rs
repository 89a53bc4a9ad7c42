//! The `commerce` command line: one binary, one subcommand per role.

use clap::{Parser, Subcommand};

use commerce::app::App;
use commerce::config::Config;
use commerce::shutdown::Shutdown;

/// Event-sourced CQRS commerce engine.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every role in one process (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    commerce::telemetry::init(config.log_format);
    tracing::debug!(?config, "configuration");
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let shutdown = Shutdown::new();
            shutdown.on_signals();
            App::build(&config).await?.run(shutdown).await
        }
        Command::Migrate => {
            let pool = commerce::db::connect(&config).await?;
            commerce::db::migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
    }
}
