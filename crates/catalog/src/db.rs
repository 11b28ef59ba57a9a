//! One connection type for both backends, picked from the database URL, behind an r2d2 pool.
//!
//! Every call runs on tokio's blocking pool (`Catalog::read` / `Catalog::write`) so that diesel's
//! synchronous I/O never stalls the async runtime. SQLite allows one writer at a time; rather than
//! letting concurrent writers spin on `SQLITE_BUSY`, writes on SQLite take an in-process lock first,
//! while reads go straight through (WAL lets them run beside the writer). A writer in another
//! process (a CLI command beside the server) is not behind that lock, so SQLite write transactions
//! begin with `BEGIN IMMEDIATE` and every connection sets `busy_timeout` first: the second writer
//! then waits for the first instead of failing with "database is locked".

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{CatalogError, CatalogResult};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// A connection to either backend. Queries written against it compile once for both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL: `postgres://…` / `postgresql://…`, or `sqlite://PATH`, `sqlite:PATH`
/// or a bare file path for SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> CatalogResult<Self> {
        let raw = raw.trim();
        let invalid = |reason: &str| CatalogError::InvalidDatabaseUrl {
            url: redact_url(raw),
            reason: reason.to_owned(),
        };
        if raw.is_empty() {
            return Err(invalid("it is empty"));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
            return Ok(Self::Postgres(raw.to_owned()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if path.contains("://") {
            return Err(invalid(
                "use postgres://… for PostgreSQL or sqlite://PATH for SQLite",
            ));
        }
        if path.is_empty() {
            return Err(invalid("the SQLite path is empty"));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    pub fn sqlite_file(path: &Path) -> Self {
        Self::Sqlite(path.to_path_buf())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password replaced, fit for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact_url(url),
        }
    }

    fn connect(&self) -> CatalogResult<DbConnection> {
        match self {
            Self::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgresql)
                .map_err(|e| CatalogError::Connection(format!("{}: {e}", self.redacted()))),
            Self::Sqlite(path) => {
                let path_str = path
                    .to_str()
                    .ok_or_else(|| CatalogError::InvalidDatabaseUrl {
                        url: path.display().to_string(),
                        reason: "the path is not valid UTF-8".to_owned(),
                    })?;
                let mut conn = SqliteConnection::establish(path_str)
                    .map_err(|e| CatalogError::Connection(format!("{}: {e}", self.redacted())))?;
                // Set on every connection: these pragmas are per connection, not per file.
                // busy_timeout comes first: switching to WAL needs a lock another process may
                // hold, and without the timeout that wait fails at once.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// Builds connections from the URL explicitly, never by trying each backend in turn.
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = CatalogError;

    fn connect(&self) -> Result<DbConnection, CatalogError> {
        self.url.connect()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), CatalogError> {
        conn.ping().map_err(CatalogError::Database)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// A pooled connection, for synchronous callers.
pub type PooledDb = r2d2::PooledConnection<ConnectionManager>;

/// Pool sizing. SQLite gets a few readers; PostgreSQL as many as the server is willing to give.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
}

impl PoolOptions {
    pub fn for_backend(backend: Backend) -> Self {
        Self {
            max_size: match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            },
            connection_timeout: Duration::from_secs(10),
        }
    }
}

/// The catalog database: a pool plus the knowledge of which engine is behind it.
#[derive(Clone)]
pub struct Catalog {
    pool: r2d2::Pool<ConnectionManager>,
    url: Arc<DatabaseUrl>,
    /// Serialises writers on SQLite (see the module doc); `None` on PostgreSQL.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    /// One permit per pooled connection. A read or write takes one before it moves to a
    /// blocking thread, so callers beyond the pool's size wait here, as futures, instead of as
    /// blocking threads parked in the pool's checkout: under 200 concurrent users the server
    /// had grown to 60 such threads, each with its own allocator arena.
    slots: Arc<tokio::sync::Semaphore>,
    /// How long a caller waits for a slot before the request fails (the pool's own timeout).
    slot_timeout: Duration,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("url", &self.url.redacted())
            .finish()
    }
}

impl Catalog {
    /// Opens the pool and applies pending migrations.
    pub fn open(url: &DatabaseUrl) -> CatalogResult<Self> {
        Self::open_with(url, PoolOptions::for_backend(url.backend()))
    }

    pub fn open_with(url: &DatabaseUrl, options: PoolOptions) -> CatalogResult<Self> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                CatalogError::Connection(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        // Connect once outside the pool so that a bad URL fails with its own message rather than
        // r2d2's generic time-out.
        let mut first = url.connect()?;
        run_migrations(&mut first)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .connection_timeout(options.connection_timeout)
            .build(ConnectionManager { url: url.clone() })?;
        let write_lock = match url.backend() {
            Backend::Sqlite => Some(Arc::new(tokio::sync::Mutex::new(()))),
            Backend::Postgres => None,
        };
        Ok(Self {
            pool,
            url: Arc::new(url.clone()),
            write_lock,
            slots: Arc::new(tokio::sync::Semaphore::new(options.max_size as usize)),
            slot_timeout: options.connection_timeout,
        })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> CatalogResult<()> {
        self.read(|conn| conn.ping().map_err(CatalogError::Database))
            .await
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Runs a read on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> CatalogResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> CatalogResult<T> + Send + 'static,
    {
        let slot = self.slot().await?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            // The connection goes back to the pool before the slot is given up.
            let result = f(&mut *pool.get()?);
            drop(slot);
            result
        })
        .await
        .map_err(|_| CatalogError::TaskCancelled)?
    }

    /// A permit to use one pooled connection (see `slots`).
    async fn slot(&self) -> CatalogResult<tokio::sync::OwnedSemaphorePermit> {
        match tokio::time::timeout(self.slot_timeout, Arc::clone(&self.slots).acquire_owned()).await
        {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(CatalogError::TaskCancelled),
            Err(_) => Err(CatalogError::Connection(format!(
                "all {} database connections stayed busy for {} s",
                self.pool.max_size(),
                self.slot_timeout.as_secs()
            ))),
        }
    }

    /// Runs a write inside one transaction on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> CatalogResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> CatalogResult<T> + Send + 'static,
    {
        let _guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let slot = self.slot().await?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let result = write_transaction(&mut *pool.get()?, f);
            drop(slot);
            result
        })
        .await
        .map_err(|_| CatalogError::TaskCancelled)?
    }

    /// A connection for synchronous callers (CLI batch jobs, tests). Prefer `read`/`write`.
    pub fn connection(&self) -> CatalogResult<PooledDb> {
        Ok(self.pool.get()?)
    }
}

/// Runs `f` in one transaction. On SQLite the transaction takes the write lock when it begins
/// (`BEGIN IMMEDIATE`): a deferred one that reads first takes it only at its first write, and if
/// another connection wrote in between, SQLite cannot let it wait (its snapshot is stale) and
/// answers `SQLITE_BUSY` at once, whatever `busy_timeout` says. Nested `transaction` calls inside
/// `f` still become savepoints: the transaction state lives in the inner connection.
fn write_transaction<T, F>(conn: &mut DbConnection, f: F) -> CatalogResult<T>
where
    F: FnOnce(&mut DbConnection) -> CatalogResult<T>,
{
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return conn.transaction(f);
    }
    on_sqlite(conn, |c| {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
    })?;
    let outcome = f(conn);
    match &outcome {
        Ok(_) => on_sqlite(conn, AnsiTransactionManager::commit_transaction)?,
        Err(_) => on_sqlite(conn, AnsiTransactionManager::rollback_transaction)?,
    }
    outcome
}

fn on_sqlite(
    conn: &mut DbConnection,
    step: impl FnOnce(&mut SqliteConnection) -> diesel::QueryResult<()>,
) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => step(c),
        DbConnection::Postgresql(_) => Ok(()),
    }
}

/// Applies every pending migration of the connection's backend.
pub fn run_migrations(conn: &mut DbConnection) -> CatalogResult<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| CatalogError::Migration(e.to_string()))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration (used by the up → down → up test and `agora migrate --reset`).
pub fn revert_all_migrations(conn: &mut DbConnection) -> CatalogResult<Vec<String>> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| CatalogError::Migration(e.to_string()))?;
    Ok(reverted.iter().map(|v| v.to_string()).collect())
}

/// Opens a single connection without a pool (the migrate command, tests).
pub fn connect(url: &DatabaseUrl) -> CatalogResult<DbConnection> {
    url.connect()
}

#[cfg(test)]
mod tests {
    use diesel::{QueryDsl, RunQueryDsl};

    use super::*;

    #[test]
    fn database_urls_pick_their_backend_explicitly() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").ok(),
            Some(DatabaseUrl::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/a.db").ok(),
            Some(DatabaseUrl::Sqlite("/tmp/a.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:data/a.db").ok(),
            Some(DatabaseUrl::Sqlite("data/a.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("agora.db").ok(),
            Some(DatabaseUrl::Sqlite("agora.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("mysql://x/y"),
            Err(CatalogError::InvalidDatabaseUrl { .. })
        ));
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    /// Two pools on one file are two processes as far as SQLite knows (the server and a CLI
    /// command): the in-process write lock does not order them. Each write reads, pauses and
    /// then inserts, the shape that made a deferred transaction fail with "database is locked".
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_writers_of_separate_pools_wait_for_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::sqlite_file(&dir.path().join("agora.db"));
        let pools = [Catalog::open(&url).unwrap(), Catalog::open(&url).unwrap()];
        let mut writes = Vec::new();
        for i in 0..16 {
            let catalog = pools[i % 2].clone();
            writes.push(tokio::spawn(async move {
                catalog
                    .write(move |conn| {
                        let before = crate::schema::departments::table
                            .count()
                            .get_result::<i64>(conn)?;
                        std::thread::sleep(Duration::from_millis(20));
                        crate::departments::ensure(conn, &format!("dept-{i}"), "Department")?;
                        Ok(before)
                    })
                    .await
            }));
        }
        for write in writes {
            write.await.unwrap().unwrap();
        }
        let count = pools[0]
            .read(|conn| {
                Ok(crate::schema::departments::table
                    .count()
                    .get_result::<i64>(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(count, 16);
    }

    #[test]
    fn redacted_urls_hide_passwords() {
        let url = DatabaseUrl::parse("postgres://agora:s3cret@db:5432/agora").unwrap();
        assert!(!url.redacted().contains("s3cret"));
        assert!(url.redacted().contains("***"));
    }
}
