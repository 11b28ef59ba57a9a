//! The two migration trees stay in lockstep, and every migration can be undone and redone.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::RunQueryDsl;

use crate::db::{self, DbConnection};
use crate::storage_test;
use crate::testing::TestDatabase;

fn migration_names(backend: &str) -> BTreeSet<(String, bool, bool)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path.join("up.sql").is_file(),
                path.join("down.sql").is_file(),
            )
        })
        .collect()
}

#[test]
fn sqlite_and_postgres_trees_hold_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must have the same directories"
    );
    assert!(
        sqlite.iter().all(|(_, up, down)| *up && *down),
        "every migration needs up.sql and down.sql"
    );
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn table_names(conn: &mut DbConnection) -> Vec<String> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '__diesel_schema_migrations' ORDER BY name"
        }
        DbConnection::Postgresql(_) => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations' ORDER BY table_name"
        }
    };
    diesel::sql_query(query)
        .load::<TableName>(conn)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect()
}

async fn migrations_go_up_down_and_up_again(db: TestDatabase) {
    let mut conn = db.catalog.connection().unwrap();
    let migrated = table_names(&mut conn);
    assert!(
        migrated.contains(&"repositories".to_owned()),
        "{migrated:?}"
    );
    let reverted = db::revert_all_migrations(&mut conn).unwrap();
    assert!(!reverted.is_empty());
    assert!(
        table_names(&mut conn).is_empty(),
        "down must remove every table"
    );
    db::run_migrations(&mut conn).unwrap();
    assert_eq!(
        table_names(&mut conn),
        migrated,
        "up after down must give the same tables"
    );
}
storage_test!(migrations_go_up_down_and_up_again);
