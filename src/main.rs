//! The `commerce` command line: one binary, one subcommand per role.

use anyhow::bail;
use clap::{Parser, Subcommand};

use commerce::app::{App, Roles};
use commerce::config::Config;
use commerce::shutdown::Shutdown;
use commerce_projections::{read_models, replay};

// mimalloc: under load, glibc's allocator spends much of the engine's time in malloc, free
// and chunk consolidation across the runtime's threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Event-sourced CQRS commerce engine.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

// `CommandApi` names the `command-api` subcommand: the prefix is the point.
#[allow(clippy::enum_variant_names)]
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
        /// `catalog`, `carts`, `orders`, `coupons`, `inventory`, `analytics`, `stores` or `all`.
        projection: String,
    },
    /// Administer accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the events of a NATS subject filter live, one JSON line each
    /// (`commerce tail 'commerce.order.>'`); needs only `NATS_URL`.
    Tail(commerce::tail::TailArgs),
    /// Audit: an order as of a moment, the hash chain's verification.
    Audit {
        #[command(subcommand)]
        command: commerce::cli::audit::AuditCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account (email verified), or make the account with this email an admin
    /// and give it this password; prints the account id.
    Create {
        /// The admin's email address.
        #[arg(long)]
        email: String,
        /// The password (it must meet the password policy). `ADMIN_PASSWORD` keeps it out of
        /// the process list and the shell history.
        #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        /// Display name of a new account.
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Before the configuration: tailing needs NATS only, not DATABASE_URL.
    if let Some(Command::Tail(args)) = cli.command {
        commerce::telemetry::init(commerce::config::LogFormat::Pretty);
        return commerce::tail::run(args).await;
    }
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
        Command::Admin { command } => return run_admin(&config, command).await,
        Command::Audit { command } => return commerce::cli::audit::run(&config, command).await,
        Command::Tail(args) => return commerce::tail::run(args).await,
    };
    let shutdown = Shutdown::new();
    shutdown.on_signals();
    App::build(&config, roles).await?.run(shutdown).await
}

async fn run_admin(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    let AdminCommand::Create {
        email,
        password,
        name,
    } = command;
    let pool = commerce::db::connect(config).await?;
    commerce::db::migrate(&pool).await?;
    let commerce::auth::admin::AdminAccount { account, outcome } =
        match commerce::auth::admin::create_admin(&pool, &email, &password, &name).await {
            Ok(done) => done,
            Err(commerce::auth::AuthError::Invalid(violations)) => {
                let reasons: Vec<String> = violations
                    .iter()
                    .map(|v| format!("--{} {}", v.field, v.message))
                    .collect();
                bail!("refused: {}", reasons.join("; "));
            }
            Err(other) => return Err(other.into()),
        };
    tracing::info!(user_id = %account.id, email = %account.email, ?outcome, "admin ready");
    #[allow(clippy::print_stdout)]
    {
        println!("{}", account.id);
    }
    Ok(())
}

async fn run_replay(config: &Config, name: &str) -> anyhow::Result<()> {
    let pool = commerce::db::connect(config).await?;
    commerce::db::migrate(&pool).await?;
    let projections: Vec<_> = read_models::all(config.inventory_levels)
        .into_iter()
        .filter(|p| name == "all" || p.name() == name)
        .collect();
    if projections.is_empty() {
        bail!("unknown projection '{name}' (catalog, carts, orders, coupons, inventory, analytics, stores, taxonomy, contact_messages or all)");
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
