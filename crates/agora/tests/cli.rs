//! The `agora` binary itself, run as an operator would: bootstrapping the first admin, managing
//! users and departments with the same rules as the admin API, and issuing tokens that say what
//! the catalog holds. Each test runs on SQLite and, when `AGORA_TEST_POSTGRES_URL` is set, on
//! PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure should stop the test loudly"
)]

use std::process::Command;

use agora_api::TokenKeys;
use agora_catalog::model::Role;
use agora_catalog::testing::TestDatabase;
use agora_catalog::{DatabaseUrl, audit, users};

const SECRET: &str = "a-command-line-test-secret-of-sufficient-length";

/// One `agora` invocation against the test's database.
struct Agora<'a> {
    db: &'a TestDatabase,
    data_dir: tempfile::TempDir,
}

struct Outcome {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Agora<'_> {
    fn run(&self, args: &[&str]) -> Outcome {
        let url = match &self.db.url {
            DatabaseUrl::Postgres(url) => url.clone(),
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        };
        let output = Command::new(env!("CARGO_BIN_EXE_agora"))
            .args(args)
            .env("AGORA_DATA_DIR", self.data_dir.path())
            .env("AGORA_DATABASE_URL", url)
            .env("AGORA_SECRET", SECRET)
            .env("AGORA_LOG", "warn")
            .output()
            .unwrap();
        Outcome {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let outcome = self.run(args);
        assert!(outcome.ok, "agora {args:?} failed: {}", outcome.stderr);
        outcome.stdout
    }

    /// Runs a command that must fail, and returns its error message.
    fn refused(&self, args: &[&str]) -> String {
        let outcome = self.run(args);
        assert!(!outcome.ok, "agora {args:?} succeeded: {}", outcome.stdout);
        outcome.stderr
    }
}

fn check(db: TestDatabase) {
    let agora = Agora {
        db: &db,
        data_dir: tempfile::tempdir().unwrap(),
    };
    // Bootstrap: a department and the first admin, then their token.
    agora.ok(&["department", "add", "finance", "--name", "Finance"]);
    agora.ok(&["user", "add", "root", "--role", "admin", "--name", "Root"]);
    let token = agora.ok(&["token", "issue", "--user", "root"]);
    let keys = TokenKeys::from_secret(SECRET.as_bytes()).unwrap();
    let claims = keys.verify(token.trim()).unwrap();
    assert_eq!((claims.sub.as_str(), claims.role), ("root", Role::Admin));

    // The API's rules hold here too.
    let message = agora.refused(&["user", "add", "ana", "--role", "lead"]);
    assert!(message.contains("a lead needs a department"), "{message}");
    let message = agora.refused(&["user", "add", "ana", "--department", "legal"]);
    assert!(message.contains("agora department add legal"), "{message}");
    agora.ok(&[
        "user",
        "add",
        "ana",
        "--role",
        "lead",
        "--department",
        "finance",
    ]);
    let message = agora.refused(&["user", "add", "ana"]);
    assert!(message.contains("already exists"), "{message}");
    let message = agora.refused(&["user", "set-role", "root", "employee"]);
    assert!(message.contains("last active admin"), "{message}");
    let message = agora.refused(&["user", "deactivate", "root"]);
    assert!(message.contains("last active admin"), "{message}");
    let message = agora.refused(&["department", "remove", "finance"]);
    assert!(message.contains("1 user(s)"), "{message}");

    // A known user's token carries the catalog's role; asking for another one is refused.
    let claims = keys
        .verify(agora.ok(&["token", "issue", "--user", "ana"]).trim())
        .unwrap();
    assert_eq!(
        (claims.role, claims.dept.as_deref()),
        (Role::Lead, Some("finance"))
    );
    let message = agora.refused(&["token", "issue", "--user", "ana", "--role", "admin"]);
    assert!(
        message.contains("agora user set-role ana admin"),
        "{message}"
    );
    agora.ok(&["user", "set-role", "ana", "admin"]);
    let claims = keys
        .verify(agora.ok(&["token", "issue", "--user", "ana"]).trim())
        .unwrap();
    assert_eq!(claims.role, Role::Admin);

    // Deactivated: no token, listed as such; reactivated: a token again.
    agora.ok(&["user", "deactivate", "ana"]);
    let message = agora.refused(&["token", "issue", "--user", "ana"]);
    assert!(message.contains("deactivated"), "{message}");
    let listed = agora.ok(&["user", "list", "--status", "deactivated"]);
    assert!(listed.lines().any(|l| l.starts_with("ana ")), "{listed}");
    assert!(!listed.lines().any(|l| l.starts_with("root ")), "{listed}");
    agora.ok(&["user", "reactivate", "ana"]);
    agora.ok(&["token", "issue", "--user", "ana"]);

    // Departments: renamed, counted, removed once nothing refers to them.
    agora.ok(&["department", "add", "legal"]);
    agora.ok(&["department", "rename", "legal", "Legal & Compliance"]);
    let listed = agora.ok(&["department", "list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("legal ") && l.contains("Legal & Compliance")),
        "{listed}"
    );
    agora.ok(&["department", "remove", "legal"]);
    let message = agora.refused(&["department", "remove", "legal"]);
    assert!(message.contains("not found"), "{message}");

    // Every step is in the audit trail.
    let mut conn = db.catalog.connection().unwrap();
    let actions: Vec<String> = audit::recent(&mut conn, 100)
        .unwrap()
        .into_iter()
        .rev()
        .map(|(action, _, _)| action)
        .collect();
    assert_eq!(
        actions,
        [
            "department.created",
            "user.created",
            "user.created",
            "user.updated",
            "user.deactivated",
            "user.reactivated",
            "department.created",
            "department.renamed",
            "department.deleted",
        ]
    );
    assert!(
        users::by_subject(&mut conn, "ana")
            .unwrap()
            .unwrap()
            .is_active()
    );
}

#[test]
fn user_and_department_commands_follow_the_admin_rules_on_sqlite() {
    check(TestDatabase::sqlite());
}

#[test]
fn user_and_department_commands_follow_the_admin_rules_on_postgres() {
    if let Some(db) = TestDatabase::postgres() {
        check(db);
    }
}
