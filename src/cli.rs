//! The command line: `buurtgraph [serve|migrate|import|schema|user|event|thesaurus]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;

use crate::config::{DEFAULT_DATABASE_URL, LogFormat, ServeConfig};
use crate::programme_file::ProgrammeFile;
use crate::startup::{Application, redact};
use entity::enums::AccountRole;

use crate::error::AppError;
use crate::service::accounts::{self, AccountWithScopes, ScopeSpec};
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
    Serve(Box<ServeConfig>),
    /// Apply pending database migrations.
    Migrate,
    /// Load or update a programme file; re-importing is idempotent.
    Import {
        /// The programme file (JSON, see docs/programme-format.md), or a schedule.
        file: PathBuf,
        /// `programme` (buurtgraph's own format) or `schedule` (frab/pretalx schedule.xml
        /// or schedule.json).
        #[arg(long, value_enum, default_value_t = ImportFormat::Programme)]
        format: ImportFormat,
    },
    /// Copy a live SQLite database consistently (VACUUM INTO) while the service runs.
    Backup {
        /// Where the copy goes; must not exist yet.
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
    /// Check the thesaurus of similar questions and clusters.
    #[command(subcommand)]
    Thesaurus(ThesaurusCommand),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportFormat {
    Programme,
    Schedule,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// What a moderator screens (repeatable; moderators need one, staff and admins take
        /// none): theme:SLUG, session:KEY, session:EVENT/KEY or session:<global ID>.
        #[arg(long = "scope", value_parser = parse_scope)]
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
    /// Show an event's access code (generated when none is set, without look-alike
    /// characters), or set one; codes ignore case, spaces and dashes.
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

#[derive(Debug, Subcommand)]
pub enum ThesaurusCommand {
    /// Measure how well similar questions and clusters find the paraphrases of a set of
    /// questions labelled by learning need, and list the questions no other question of
    /// their need is similar to (their words are what the thesaurus lacks). Needs no
    /// database.
    Check {
        /// The set: JSON `{"groups": [{"need": "…", "questions": ["…", …]}, …],
        /// "singletons": ["…", …]}` (singletons: questions of no need in the set).
        set: PathBuf,
        /// The thesaurus to measure (the server's `THESAURUS`); the built-in one without.
        #[arg(long, env = "THESAURUS")]
        thesaurus: Option<PathBuf>,
    },
}

/// Runs the command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    // The server logs its work; the one-shot commands only warnings, so their output stays readable.
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    telemetry::init(cli.log_format, if serving { "info" } else { "warn" });
    let result = match cli.command {
        None => serve(ServeConfig::parse_default(), &cli.database_url).await,
        Some(Command::Serve(config)) => serve(*config, &cli.database_url).await,
        Some(Command::Migrate) => migrate(&cli.database_url).await,
        Some(Command::Import { file, format }) => import(&cli.database_url, &file, format).await,
        Some(Command::Backup { file }) => backup(&cli.database_url, &file).await,
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
        Some(Command::Thesaurus(ThesaurusCommand::Check { set, thesaurus })) => {
            thesaurus_check(&set, thesaurus.as_deref())
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

async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let db = open(database_url, &redact(database_url)).await?;
    db::migrate(&db).await?;
    println!("migrations applied");
    Ok(())
}

/// Opens the database of a one-shot command, which must exist and be migrated: only
/// `serve` and `migrate` create or migrate one, so a command run in the wrong folder (or
/// with a mistyped `DATABASE_URL`) fails instead of making an empty database.
async fn connect(database_url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let (name, url) = match sqlite_file(database_url) {
        Some(path) => {
            if !path.exists() {
                anyhow::bail!(
                    "no database at {} (create one with `buurtgraph migrate`, or set DATABASE_URL)",
                    path.display()
                );
            }
            (path.display().to_string(), without_create(database_url))
        }
        None => (redact(database_url), database_url.to_owned()),
    };
    let db = open(&url, &name).await?;
    let pending = Migrator::get_pending_migrations_read_only(&db)
        .await
        .map_err(|err| {
            anyhow::anyhow!("cannot read the migrations of the database {name}: {err}")
        })?;
    if !pending.is_empty() {
        anyhow::bail!(
            "the database {name} is not migrated ({} of {} migrations pending); run `buurtgraph migrate` first",
            pending.len(),
            Migrator::migrations().len()
        );
    }
    Ok(db)
}

async fn open(url: &str, name: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    db::connect(url)
        .await
        .map_err(|err| anyhow::anyhow!("cannot open the database {name}: {err}"))
}

/// The file of a SQLite URL, read as SQLite reads it; `None` for other databases.
fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    if !database_url.starts_with("sqlite:") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(database_url).ok()?;
    Some(options.get_filename().to_path_buf())
}

/// The URL with `mode=rwc` (create if missing) turned into `mode=rw`.
fn without_create(database_url: &str) -> String {
    match database_url.split_once('?') {
        Some((file, query)) => {
            let query: Vec<&str> = query
                .split('&')
                .map(|pair| if pair == "mode=rwc" { "mode=rw" } else { pair })
                .collect();
            format!("{file}?{}", query.join("&"))
        }
        None => database_url.to_owned(),
    }
}

/// A `--scope`: `theme:SLUG`, `session:KEY`, `session:EVENT/KEY` or `session:<global ID>`.
fn parse_scope(text: &str) -> Result<ScopeSpec, String> {
    match text.split_once(':') {
        Some(("theme", slug)) if !slug.is_empty() => Ok(ScopeSpec::Theme(slug.to_owned())),
        Some(("session", session)) if !session.is_empty() => {
            graphql::admin::session_ref(session).map(ScopeSpec::Session)
        }
        _ => Err(format!(
            "{text:?}: use theme:SLUG or session:KEY (session:EVENT/KEY, or the session's ID)"
        )),
    }
}

async fn import(
    database_url: &str,
    file: &std::path::Path,
    format: ImportFormat,
) -> anyhow::Result<()> {
    // Validate before touching the database: a broken file changes nothing.
    let programme = match format {
        ImportFormat::Programme => ProgrammeFile::load(file)?,
        ImportFormat::Schedule => crate::schedule::load_programme(file)?,
    };
    let db = connect(database_url).await?;
    let report = service::import::import_programme(&db, &programme)
        .await
        .map_err(cli_error)?;
    println!("imported {}\n{report}", file.display());
    Ok(())
}

async fn backup(database_url: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let db = connect(database_url).await?;
    let copied = crate::db::backup::backup(&db, file).await?;
    println!("backed up to {} ({copied} bytes)", file.display());
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
                .map_err(user_add_error)?;
            println!("added {} ({:?})", account.email, account.role);
        }
        UserCommand::List => {
            for AccountWithScopes { account, scopes } in
                accounts::list_accounts(&db).await.map_err(cli_error)?
            {
                let state = if account.disabled {
                    "disabled"
                } else {
                    "active"
                };
                let line = format!("{}\t{:?}\t{state}", account.email, account.role);
                match scopes.is_empty() {
                    true => println!("{line}"),
                    false => println!("{line}\t{}", scopes.join(" ")),
                }
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

/// Scores a labelled set with a thesaurus and lists what it misses.
fn thesaurus_check(set: &Path, thesaurus: Option<&Path>) -> anyhow::Result<()> {
    use crate::domain::paraphrases::{ParaphraseSet, measure, unlinked};
    use crate::domain::similarity::{StopWords, Thesaurus};

    let set = ParaphraseSet::read(set).map_err(anyhow::Error::msg)?;
    let own;
    let (thesaurus, name) = match thesaurus {
        Some(path) => {
            own = Thesaurus::read(path).map_err(anyhow::Error::msg)?;
            (&own, path.display().to_string())
        }
        None => (Thesaurus::builtin(), "built-in".to_owned()),
    };
    let stop_words = StopWords::builtin();
    let scores = measure(&set, stop_words, thesaurus);
    println!(
        "set: {} needs, {} questions in them, {} of no need",
        set.groups.len(),
        set.grouped(),
        set.singletons.len()
    );
    println!("thesaurus: {name} ({} groups)", thesaurus.len());
    println!(
        "clusters: precision {:.2}, recall {:.2}, F1 {:.2} (target: F1 >= 0.60 with precision >= 0.70)",
        scores.precision, scores.recall, scores.f1
    );
    println!(
        "similar questions: precision@3 {:.2} (target: >= 0.60)",
        scores.precision_at_3
    );
    let missed = unlinked(&set, stop_words, thesaurus);
    if missed.is_empty() {
        println!("every question is similar to another question of its need");
        return Ok(());
    }
    println!(
        "not similar to any other question of their need (their words are missing): {}",
        missed.len()
    );
    let mut need = "";
    for question in missed {
        if question.need != need {
            need = question.need;
            println!("  {need}");
        }
        println!("    {:.2}  {}", question.best, question.question);
    }
    Ok(())
}

/// A refusal of `user add`, naming the flag behind the field.
fn user_add_error(err: AppError) -> anyhow::Error {
    match err {
        AppError::BadUserInput { field, message } => {
            let flag = match field.as_str() {
                "email" => "--email",
                "password" => "the password (standard input)",
                scopes if scopes.starts_with("scopes") => "--scope",
                other => other,
            };
            anyhow::anyhow!("{flag}: {message}")
        }
        other => cli_error(other),
    }
}

/// A service error as a command-line message: the field and the reason.
pub(crate) fn cli_error(err: AppError) -> anyhow::Error {
    match err {
        AppError::BadUserInput { field, message } => anyhow::anyhow!("{field}: {message}"),
        AppError::Internal(cause) => cause,
        other => anyhow::anyhow!(other.message()),
    }
}
