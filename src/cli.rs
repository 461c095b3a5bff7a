//! The command line: `buurtgraph [serve|migrate|import|schema|user|event]`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DEFAULT_DATABASE_URL, LogFormat, ServeConfig};
use crate::programme_file::ProgrammeFile;
use crate::startup::{Application, redact};
use entity::enums::AccountRole;

use crate::error::AppError;
use crate::service::accounts::{self, ScopeSpec};
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
    /// Manage moderator, staff and admin accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage events.
    #[command(subcommand)]
    Event(EventCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// What a moderator screens: theme:SLUG or session:ID (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<ScopeSpec>,
        /// Read the password from standard input (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Disable an account and revoke its tokens.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Moderator,
    Staff,
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Show an event's access code, generating a strong one when none is set; or set it.
    AccessCode {
        slug: String,
        #[arg(long)]
        set: Option<String>,
    },
    /// Replace an event's participants by one anonymous stand-in once the retention period
    /// after the event is over; questions and vote counts stay, votes and tokens go.
    PurgeParticipants {
        slug: String,
        /// Days after the end of the event that participant data is kept.
        #[arg(long, default_value_t = 180)]
        retention_days: u32,
    },
}

/// Runs the command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    // The server logs its work; the one-shot commands only warnings, so their output stays readable.
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    telemetry::init(cli.log_format, if serving { "info" } else { "warn" });
    let result = match cli.command {
        None => serve(ServeConfig::parse_default(), &cli.database_url).await,
        Some(Command::Serve(config)) => serve(config, &cli.database_url).await,
        Some(Command::Migrate) => migrate(&cli.database_url).await,
        Some(Command::Import { file }) => import(&cli.database_url, &file).await,
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::User(command)) => user(&cli.database_url, command).await,
        Some(Command::Event(EventCommand::AccessCode { slug, set })) => {
            access_code(&cli.database_url, &slug, set.as_deref()).await
        }
        Some(Command::Event(EventCommand::PurgeParticipants {
            slug,
            retention_days,
        })) => purge_participants(&cli.database_url, &slug, retention_days).await,
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

async fn user(database_url: &str, command: UserCommand) -> anyhow::Result<()> {
    let db = connect(database_url).await?;
    match command {
        UserCommand::Add {
            email,
            role,
            scopes,
            ..
        } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let role = match role {
                RoleArg::Moderator => AccountRole::Moderator,
                RoleArg::Staff => AccountRole::Staff,
                RoleArg::Admin => AccountRole::Admin,
            };
            let account = accounts::create_account(&db, &email, role, password, &scopes)
                .await
                .map_err(cli_error)?;
            println!("added {} ({:?})", account.email, account.role);
        }
        UserCommand::List => {
            for account in accounts::list_accounts(&db).await.map_err(cli_error)? {
                let state = if account.disabled {
                    "disabled"
                } else {
                    "active"
                };
                println!("{}\t{:?}\t{state}", account.email, account.role);
            }
        }
        UserCommand::Disable { email } => {
            accounts::disable_account(&db, &email)
                .await
                .map_err(cli_error)?;
            println!("disabled {email}; its tokens no longer work");
        }
    }
    Ok(())
}

async fn access_code(database_url: &str, slug: &str, set: Option<&str>) -> anyhow::Result<()> {
    let db = connect(database_url).await?;
    let code = accounts::access_code(&db, slug, set)
        .await
        .map_err(cli_error)?;
    println!("{code}");
    Ok(())
}

async fn purge_participants(
    database_url: &str,
    slug: &str,
    retention_days: u32,
) -> anyhow::Result<()> {
    let db = connect(database_url).await?;
    let retention = chrono::Duration::days(i64::from(retention_days));
    let purged = service::privacy::purge_participants(&db, slug, retention, chrono::Utc::now())
        .await
        .map_err(cli_error)?;
    println!(
        "{slug}: {} participants purged; {} questions kept without participant identifiers",
        purged.participants, purged.questions_kept
    );
    Ok(())
}

/// A service error as a command-line message: the field and the reason.
pub(crate) fn cli_error(err: AppError) -> anyhow::Error {
    match err {
        AppError::BadUserInput { field, message } => anyhow::anyhow!("{field}: {message}"),
        AppError::Internal(cause) => cause,
        other => anyhow::anyhow!(other.message()),
    }
}
