//! The command line, as clap reads it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "agora", version, about = "Agora, the InnerSource marketplace")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where the SQLite database, the search index and the instance secret live.
    #[arg(
        long,
        global = true,
        env = "AGORA_DATA_DIR",
        default_value = "agora-data"
    )]
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; default: SQLite at DATA_DIR/agora.db.
    #[arg(
        long,
        global = true,
        env = "AGORA_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    #[arg(
        long,
        global = true,
        env = "AGORA_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and the API.
    Serve(ServeArgs),
    /// Apply pending database migrations (also done at every start).
    Migrate,
    /// Import an SAP Project Portal repos.json: creates and publishes its repositories.
    Import(ImportArgs),
    /// Export the catalog as an SAP Project Portal repos.json.
    Export(ExportArgs),
    /// Rebuild the search index from the catalog.
    Reindex,
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, env = "AGORA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the bundled demo catalog when the catalog is empty.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The repos.json file.
    pub file: PathBuf,
    /// The source name the repositories are filed under (re-importing under it updates them).
    #[arg(long, default_value = "import")]
    pub forge_name: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a signed token for a user (created or updated in the catalog).
    Issue(TokenIssueArgs),
}

#[derive(Debug, Args)]
pub struct TokenIssueArgs {
    /// The user's subject (login name).
    #[arg(long)]
    pub user: String,
    /// The user's department (slug or name).
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long, value_enum, default_value = "employee")]
    pub role: RoleArg,
    /// Display name (default: the subject).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Days until the token expires.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub ttl_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Employee,
    Lead,
    Admin,
}

impl From<RoleArg> for agora_catalog::model::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Employee => Self::Employee,
            RoleArg::Lead => Self::Lead,
            RoleArg::Admin => Self::Admin,
        }
    }
}
