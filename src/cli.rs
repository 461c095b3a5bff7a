//! The command line: `buurtgraph [serve|migrate|import|schema]`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DEFAULT_DATABASE_URL, LogFormat, ServeConfig};
use crate::programme_file::ProgrammeFile;
use crate::startup::{Application, redact};
use crate::{db, graphql, service, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "buurtgraph",
    version,
    about = "GraphQL service for neighbourhood events and their learning agenda"
)]
pub struct Cli {
    /// SQLite file (default) or PostgreSQL database.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, load the bundled programme into an empty database, and serve (the default).
    Serve(ServeConfig),
    /// Apply pending database migrations.
    Migrate,
    /// Load or update a programme file; re-importing is idempotent.
    Import {
        /// The programme file (JSON, see docs/programme-format.md).
        file: PathBuf,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

/// Runs the command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    telemetry::init(cli.log_format);
    let result = match cli.command {
        None => serve(ServeConfig::parse_default(), &cli.database_url).await,
        Some(Command::Serve(config)) => serve(config, &cli.database_url).await,
        Some(Command::Migrate) => migrate(&cli.database_url).await,
        Some(Command::Import { file }) => import(&cli.database_url, &file).await,
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

impl ServeConfig {
    /// The serve settings from the environment and defaults, for a bare `buurtgraph`.
    fn parse_default() -> Self {
        #[derive(Parser)]
        struct Bare {
            #[command(flatten)]
            config: ServeConfig,
        }
        Bare::parse_from(["buurtgraph"]).config
    }
}

async fn serve(config: ServeConfig, database_url: &str) -> anyhow::Result<()> {
    Application::build(config, database_url)
        .await?
        .run_until_stopped()
        .await
}

async fn connect(database_url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = db::connect(database_url).await.map_err(|err| {
        anyhow::anyhow!(
            "cannot open the database at {}: {err}",
            redact(database_url)
        )
    })?;
    db::migrate(&db).await?;
    Ok(db)
}

async fn migrate(database_url: &str) -> anyhow::Result<()> {
    connect(database_url).await?;
    println!("migrations applied");
    Ok(())
}

async fn import(database_url: &str, file: &std::path::Path) -> anyhow::Result<()> {
    // Validate before touching the database: a broken file changes nothing.
    let programme = ProgrammeFile::load(file)?;
    let db = connect(database_url).await?;
    let report = service::import::import_programme(&db, &programme).await?;
    println!("imported {}\n{report}", file.display());
    Ok(())
}
