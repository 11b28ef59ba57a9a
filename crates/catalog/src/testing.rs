//! Real databases for tests: every storage test runs on SQLite and on PostgreSQL.
//!
//! SQLite tests get a fresh file in a temporary directory. PostgreSQL tests get a fresh database
//! on the server named by `AGORA_TEST_POSTGRES_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/test`), created for the test and dropped after it. When that
//! variable is unset the PostgreSQL half is skipped, and says so on the terminal; with
//! `AGORA_TEST_REQUIRE_POSTGRES=1` (as CI sets it) a missing server fails the test instead.

use std::io::Write;
use std::sync::Once;

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::db::{Catalog, DatabaseUrl};

pub const POSTGRES_URL_VAR: &str = "AGORA_TEST_POSTGRES_URL";
pub const REQUIRE_POSTGRES_VAR: &str = "AGORA_TEST_REQUIRE_POSTGRES";

/// A migrated catalog that cleans up after itself.
pub struct TestDatabase {
    pub catalog: Catalog,
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory for the test database");
        let url = DatabaseUrl::sqlite_file(&dir.path().join("agora.db"));
        let catalog = Catalog::open(&url).expect("open the SQLite test catalog");
        Self {
            catalog,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` when no server was configured (reported loudly).
    pub fn postgres() -> Option<Self> {
        let admin_url = postgres_admin_url()?;
        let database = format!("agora_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("connect to {POSTGRES_URL_VAR}: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {database}"))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("create test database {database}: {e}"));
        let mut url = url::Url::parse(&admin_url).expect("AGORA_TEST_POSTGRES_URL is a URL");
        url.set_path(&database);
        let url = DatabaseUrl::Postgres(url.to_string());
        let catalog = Catalog::open(&url).expect("open the PostgreSQL test catalog");
        Some(Self {
            catalog,
            url,
            cleanup: Cleanup::Postgres {
                admin_url,
                database,
            },
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres {
            admin_url,
            database,
        } = &self.cleanup
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            // FORCE: the pool (and any clone of it a test kept) may still hold connections.
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

static SKIP_NOTICE: Once = Once::new();

/// The server URL from the environment, or `None` after a notice that bypasses output capture.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|v| v == "1") {
                panic!(
                    "{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set: the PostgreSQL half must run"
                );
            }
            SKIP_NOTICE.call_once(|| {
                // Written to the terminal directly: the test harness captures `eprintln!`.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** PostgreSQL storage tests SKIPPED: set {POSTGRES_URL_VAR}=postgres://postgres@127.0.0.1:5432/test to run them ***\n"
                );
            });
            None
        }
    }
}

/// Declares a storage test that runs the same async body on SQLite and on PostgreSQL:
/// `storage_test!(name);` for an `async fn name(db: TestDatabase)` in scope gives the tests
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! storage_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::testing::TestDatabase::sqlite()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::testing::TestDatabase::postgres() {
                    super::$name(db).await;
                }
            }
        }
    };
}
