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
    Serve(Box<ServeArgs>),
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
    /// Connect and list forges.
    #[command(subcommand)]
    Forge(ForgeCommand),
    /// Sync forges into the catalog and the index.
    Sync(SyncArgs),
    /// Manage users: the first admin is created here.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage departments.
    #[command(subcommand)]
    Department(DepartmentCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a local user (then `agora token issue --user SUBJECT` gives them a token).
    Add(UserAddArgs),
    /// List users, a page at a time.
    List(UserListArgs),
    /// Change a user's role (and, for a lead, the department they lead).
    SetRole(UserSetRoleArgs),
    /// Refuse the user's tokens and sessions until they are reactivated.
    Deactivate(UserSubjectArg),
    /// Let a deactivated user in again.
    Reactivate(UserSubjectArg),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// The login name their tokens carry.
    pub subject: String,
    /// Display name (default: the subject).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// The department's slug (it must exist: `agora department add`). Required for leads.
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long, value_enum, default_value = "employee")]
    pub role: RoleArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UserStatusArg {
    Any,
    Active,
    Deactivated,
}

#[derive(Debug, Args)]
pub struct UserListArgs {
    /// Only this department (slug).
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// A case-insensitive part of the subject, name or email.
    #[arg(long, short)]
    pub query: Option<String>,
    #[arg(long, value_enum, default_value = "any")]
    pub status: UserStatusArg,
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=10_000))]
    pub limit: i64,
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    pub offset: i64,
}

#[derive(Debug, Args)]
pub struct UserSetRoleArgs {
    pub subject: String,
    #[arg(value_enum)]
    pub role: RoleArg,
    /// Move the user to this department (slug) as well; a lead needs one.
    #[arg(long)]
    pub department: Option<String>,
}

#[derive(Debug, Args)]
pub struct UserSubjectArg {
    pub subject: String,
}

#[derive(Debug, Subcommand)]
pub enum DepartmentCommand {
    /// Create a department.
    Add(DepartmentAddArgs),
    /// List departments with their user and repository counts.
    List,
    /// Give a department a new display name (its slug stays).
    Rename(DepartmentRenameArgs),
    /// Delete a department nothing refers to any more.
    Remove(DepartmentSlugArg),
}

#[derive(Debug, Args)]
pub struct DepartmentAddArgs {
    /// Lower-case letters or digits joined by dashes (`customer-service`); it never changes.
    pub slug: String,
    /// Display name (default: from the slug, `Customer Service`).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct DepartmentRenameArgs {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Args)]
pub struct DepartmentSlugArg {
    pub slug: String,
}

#[derive(Debug, Subcommand)]
pub enum ForgeCommand {
    /// Connect a forge. Its token is read from an environment variable and stored encrypted.
    Add(Box<ForgeAddArgs>),
    /// List the connected forges and their last sync.
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForgeKindArg {
    Github,
    Gitlab,
    Gitea,
    Bitbucket,
    GitDirectory,
}

#[derive(Debug, Args)]
pub struct ForgeAddArgs {
    pub kind: ForgeKindArg,
    #[arg(long)]
    pub name: String,
    /// The API base: https://api.github.com, https://HOST/api/v3, https://HOST/api/v4, https://HOST/api/v1, https://HOST/rest/api/1.0.
    #[arg(long)]
    pub base_url: String,
    /// The environment variable holding the token (the token itself never goes on a command line).
    #[arg(long)]
    pub token_env: Option<String>,
    /// The environment variable holding the secret the forge signs its webhooks with.
    #[arg(long)]
    pub webhook_secret_env: Option<String>,
    #[arg(long, group = "scope")]
    pub org: Option<String>,
    #[arg(long, group = "scope")]
    pub group: Option<String>,
    #[arg(long, group = "scope")]
    pub project: Option<String>,
    #[arg(long, group = "scope")]
    pub path: Option<PathBuf>,
    /// A GitHub App installation: every repository the installation can see.
    #[arg(long, group = "scope")]
    pub installation: bool,
    /// `owner=department,…`: forge orgs/groups, CODEOWNERS teams or catalog owners → departments.
    #[arg(long, value_delimiter = ',')]
    pub department_map: Vec<String>,
    /// Minutes between scheduled syncs inside `agora serve`.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub interval_minutes: u32,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this forge (default: every forge).
    #[arg(long)]
    pub forge: Option<String>,
    /// List everything and re-read every file, instead of what changed since the last sync.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, env = "AGORA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the bundled demo catalog when the catalog is empty.
    #[arg(long)]
    pub demo: bool,
    /// Search and suggest answers kept between index commits, each kind (0 turns the cache off).
    #[arg(
        long,
        env = "AGORA_SEARCH_CACHE_ENTRIES",
        default_value_t = agora_search::DEFAULT_ANSWER_CACHE_ENTRIES
    )]
    pub search_cache_entries: usize,
    #[command(flatten)]
    pub identity: IdentityArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// Where access-request notices go. The SMTP URL may hold a password: set it in the environment.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Outgoing webhook URLs (Slack, Teams or any JSON receiver), comma-separated.
    #[arg(
        long,
        env = "AGORA_NOTIFY_WEBHOOKS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub notify_webhooks: Vec<String>,
    /// `smtp://user:pass@host:587` (STARTTLS) or `smtps://…`; email is off when unset.
    #[arg(long, env = "AGORA_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    #[arg(long, env = "AGORA_EMAIL_FROM")]
    pub email_from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthModeArg {
    /// Agora's own tokens (`agora token issue`); the web login takes such a token.
    Local,
    /// Trust an external OpenID provider; the web login goes through it.
    Oidc,
}

/// Who may log in, and how. The OIDC client secret is read from `AGORA_OIDC_CLIENT_SECRET`
/// only: a command line is visible to every user of the machine.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    #[arg(
        long = "auth",
        env = "AGORA_AUTH_MODE",
        value_enum,
        default_value = "local"
    )]
    pub auth_mode: AuthModeArg,
    /// The URL users reach Agora at (https://agora.example.com): OIDC redirect URI, allowed
    /// Origin of browser writes, `Secure` cookies when https.
    #[arg(long, env = "AGORA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The OpenID provider's issuer; its discovery document is ISSUER/.well-known/openid-configuration.
    #[arg(long, env = "AGORA_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    #[arg(long, env = "AGORA_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The `aud` API bearer tokens must carry (default: the client id).
    #[arg(long, env = "AGORA_OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,
    /// The claim naming the user's department.
    #[arg(
        long,
        env = "AGORA_OIDC_DEPARTMENT_CLAIM",
        default_value = "department"
    )]
    pub oidc_department_claim: String,
    /// Take the department from the first group with this prefix instead (e.g. `dept:`).
    #[arg(long, env = "AGORA_OIDC_DEPARTMENT_GROUP_PREFIX")]
    pub oidc_department_group_prefix: Option<String>,
    /// Groups (from the `groups` claim) whose members are department leads.
    #[arg(long, env = "AGORA_OIDC_LEAD_GROUPS", value_delimiter = ',')]
    pub oidc_lead_groups: Vec<String>,
    /// Groups whose members are admins.
    #[arg(long, env = "AGORA_OIDC_ADMIN_GROUPS", value_delimiter = ',')]
    pub oidc_admin_groups: Vec<String>,
    /// The scopes asked for at login.
    #[arg(
        long,
        env = "AGORA_OIDC_SCOPES",
        default_value = "openid profile email"
    )]
    pub oidc_scopes: String,
    /// Seconds the provider's key set is trusted before it is fetched again (a key the provider
    /// retires stops working within this time).
    #[arg(
        long,
        env = "AGORA_OIDC_JWKS_MAX_AGE_SECS",
        default_value_t = 3600,
        value_parser = clap::value_parser!(u64).range(60..=86_400)
    )]
    pub oidc_jwks_max_age_secs: u64,
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
    /// Issue a signed token for a user (created when new; a known user's token carries their
    /// role and department as the catalog holds them).
    Issue(TokenIssueArgs),
}

#[derive(Debug, Args)]
pub struct TokenIssueArgs {
    /// The user's subject (login name).
    #[arg(long)]
    pub user: String,
    /// A new user's department (slug or name; created when missing). For a known user it must
    /// be theirs.
    #[arg(long)]
    pub department: Option<String>,
    /// A new user's role (default: employee). For a known user it must be theirs: change it with
    /// `agora user set-role`.
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// A new user's display name (default: the subject).
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
