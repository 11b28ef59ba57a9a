//! The plain git directory source against real repositories made with the `git` command line in
//! a temporary folder: a bare clone with its own description, a working copy nested two folders
//! down on another branch, a polyglot working copy with a README and innersource.json, a
//! repository without commits, a hidden one and a broken `*.git` folder. Dates are fixed through
//! `GIT_AUTHOR_DATE`/`GIT_COMMITTER_DATE` and git's configuration is isolated, so the answers are
//! the same on every machine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use agora_forge::{
    FetchedRepository, FileFetch, Forge, ForgeError, GitDirectorySource, GrantOutcome, README_PATH,
    RemoteRepository, RemoteVisibility,
};
use chrono::{DateTime, TimeDelta, Utc};
use tempfile::TempDir;

const BILLING_FIRST: &str = "2024-01-10T09:00:00Z";
const BILLING_LAST: &str = "2024-03-05T10:30:00Z";
const SERVICE_X: &str = "2023-06-01T08:00:00Z";
const POLYGLOT: &str = "2025-02-01T12:00:00Z";

const LIB_RS: &str = "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\npub fn sub(a: i32, b: i32) -> i32 {\n    a - b\n}\n";
const GEN_PY: &str = "print('generated')\n";
const README: &str = "# Polyglot\n\nRust with a little Python.\n";
const INNERSOURCE: &str = r#"{"title": "Polyglot", "skills": ["Rust"]}"#;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Runs git in `dir` with a fixed identity and date, ignoring the machine's configuration.
fn git_at(dir: &Path, date: &str, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args([
            "-c",
            "user.name=Agora Test",
            "-c",
            "user.email=test@agora.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    git_at(dir, POLYGLOT, args)
}

fn write(dir: &Path, path: &str, content: &str) {
    let file = dir.join(path);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(file, content).unwrap();
}

/// A working copy at `dir` with one commit per (date, files) step.
fn working_repo(dir: &Path, branch: &str, steps: &[(&str, &[(&str, &str)])]) {
    fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "--quiet", "-b", branch]);
    for (date, files) in steps {
        for (path, content) in *files {
            write(dir, path, content);
        }
        git_at(dir, date, &["add", "--all", "--force"]);
        git_at(
            dir,
            date,
            &["commit", "--quiet", "-m", &format!("at {date}")],
        );
    }
}

struct Fixture {
    _dir: TempDir,
    /// `…/repos`, the folder the source reads.
    root: PathBuf,
}

impl Fixture {
    fn source(&self) -> GitDirectorySource {
        GitDirectorySource::new(&self.root, "disk").with_concurrency(2)
    }
}

/// repos/
///   billing.git          bare clone, custom description, two commits
///   team-a/service-x     working copy on `develop`, one old commit
///   polyglot             working copy: Rust, Python, README.md, innersource.json, node_modules
///   empty                working copy without commits, on `trunk`
///   broken.git           garbage
///   .hidden/ghost        a repository in a hidden folder (not listed)
///   docs/notes           a plain folder (not listed)
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("scratch");
    let root = dir.path().join("repos");
    fs::create_dir_all(&root).unwrap();

    working_repo(
        &scratch.join("billing"),
        "main",
        &[
            (BILLING_FIRST, &[("main.go", "package main\n")]),
            (
                BILLING_LAST,
                &[("invoice.go", "package main\n\nfunc Invoice() {}\n")],
            ),
        ],
    );
    git(
        dir.path(),
        &[
            "clone",
            "--quiet",
            "--bare",
            "scratch/billing",
            "repos/billing.git",
        ],
    );
    fs::write(
        root.join("billing.git/description"),
        "Billing engine for invoices\n",
    )
    .unwrap();

    working_repo(
        &root.join("team-a/service-x"),
        "develop",
        &[(SERVICE_X, &[("src/Service.java", "class Service {}\n")])],
    );

    working_repo(
        &root.join("polyglot"),
        "main",
        &[(
            POLYGLOT,
            &[
                ("src/lib.rs", LIB_RS),
                ("tools/gen.py", GEN_PY),
                ("README.md", README),
                ("innersource.json", INNERSOURCE),
                ("node_modules/left-pad/index.js", "module.exports = 1;\n"),
                (".github/ci.sh", "echo hidden\n"),
            ],
        )],
    );

    fs::create_dir_all(root.join("empty")).unwrap();
    git(&root.join("empty"), &["init", "--quiet", "-b", "trunk"]);

    write(&root, "broken.git/HEAD", "this is not a reference\n");
    write(&root, "broken.git/objects", "nor is this a folder\n");

    working_repo(
        &root.join(".hidden/ghost"),
        "main",
        &[(POLYGLOT, &[("ghost.rs", "fn main() {}\n")])],
    );
    fs::create_dir_all(root.join("docs/notes")).unwrap();
    write(&root, "docs/notes/todo.txt", "nothing here\n");

    Fixture { _dir: dir, root }
}

fn by_full_name(repositories: &[RemoteRepository]) -> BTreeMap<&str, &RemoteRepository> {
    repositories
        .iter()
        .map(|r| (r.full_name.as_str(), r))
        .collect()
}

#[tokio::test]
async fn listing_finds_bare_nested_working_and_empty_repositories_and_skips_the_broken_one() {
    let fixture = fixture();
    let source = fixture.source();
    let listing = source.list_repositories(None).await.unwrap();

    let repos = by_full_name(&listing.repositories);
    assert_eq!(
        repos.keys().copied().collect::<Vec<_>>(),
        [
            "repos/billing",
            "repos/empty",
            "repos/polyglot",
            "team-a/service-x"
        ]
    );
    assert!(listing.complete);
    assert_eq!(listing.skipped, 1, "broken.git is skipped and counted");
    assert!(listing.error.is_none());
    assert!(!listing.authoritative_for_deletions());
    assert_eq!(source.kind(), "git-directory");
    assert_eq!(source.stats().skipped_items, 1);
    assert_eq!(
        source.stats().requests,
        5,
        "four repositories and broken.git opened"
    );

    let billing = repos["repos/billing"];
    assert_eq!(billing.external_id, "billing.git");
    assert_eq!(billing.owner, "repos");
    assert_eq!(billing.name, "billing");
    assert_eq!(billing.default_branch.as_deref(), Some("main"));
    assert_eq!(billing.visibility, Some(RemoteVisibility::Internal));
    assert_eq!(billing.pushed_at, Some(at(BILLING_LAST)));
    assert_eq!(billing.updated_at, Some(at(BILLING_LAST)));
    assert_eq!(billing.created_at, Some(at(BILLING_FIRST)));
    let canonical = fs::canonicalize(fixture.root.join("billing.git")).unwrap();
    assert_eq!(billing.html_url, format!("file://{}", canonical.display()));
    assert_eq!(billing.participation.len(), 52);

    let service = repos["team-a/service-x"];
    assert_eq!(service.external_id, "team-a/service-x");
    assert_eq!(service.owner, "team-a");
    assert_eq!(service.name, "service-x");
    assert_eq!(service.default_branch.as_deref(), Some("develop"));
    assert_eq!(service.pushed_at, Some(at(SERVICE_X)));
    assert_eq!(service.created_at, Some(at(SERVICE_X)));
    assert_eq!(service.primary_language.as_deref(), Some("Java"));

    let empty = repos["repos/empty"];
    assert_eq!(empty.default_branch.as_deref(), Some("trunk"));
    assert_eq!(empty.pushed_at, None);
    assert_eq!(empty.created_at, None);
    assert!(empty.languages.is_empty());
    assert_eq!(empty.primary_language, None);
}

#[tokio::test]
async fn bare_description_is_read_and_the_git_placeholder_is_no_description() {
    let fixture = fixture();
    let listing = fixture.source().list_repositories(None).await.unwrap();
    let repos = by_full_name(&listing.repositories);

    assert_eq!(
        repos["repos/billing"].description.as_deref(),
        Some("Billing engine for invoices")
    );
    // `git init` wrote its "Unnamed repository; edit this file…" placeholder here.
    assert!(
        fs::read_to_string(fixture.root.join("polyglot/.git/description"))
            .unwrap()
            .starts_with("Unnamed repository;")
    );
    assert_eq!(repos["repos/polyglot"].description, None);
}

#[tokio::test]
async fn languages_are_bytes_per_extension_outside_dependency_and_hidden_folders() {
    let fixture = fixture();
    let listing = fixture.source().list_repositories(None).await.unwrap();
    let polyglot = by_full_name(&listing.repositories)["repos/polyglot"];

    let expected = BTreeMap::from([
        ("Python".to_owned(), GEN_PY.len() as f64),
        ("Rust".to_owned(), LIB_RS.len() as f64),
    ]);
    assert_eq!(polyglot.languages, expected);
    assert_eq!(polyglot.primary_language.as_deref(), Some("Rust"));
}

#[tokio::test]
async fn since_leaves_out_repositories_whose_head_commit_is_older() {
    let fixture = fixture();
    let listing = fixture
        .source()
        .list_repositories(Some(at("2024-03-01T00:00:00Z")))
        .await
        .unwrap();
    let names: Vec<&str> = by_full_name(&listing.repositories).into_keys().collect();
    // service-x (2023) is older; the empty repository has no date to compare, so it stays.
    assert_eq!(names, ["repos/billing", "repos/empty", "repos/polyglot"]);
    assert_eq!(listing.skipped, 1);

    let exact = fixture
        .source()
        .list_repositories(Some(at(POLYGLOT)))
        .await
        .unwrap();
    let names: Vec<&str> = by_full_name(&exact.repositories).into_keys().collect();
    assert_eq!(
        names,
        ["repos/empty", "repos/polyglot"],
        "at the watermark counts"
    );
}

#[tokio::test]
async fn a_folder_without_broken_repositories_lists_authoritatively() {
    let dir = tempfile::tempdir().unwrap();
    working_repo(
        &dir.path().join("only"),
        "main",
        &[(POLYGLOT, &[("a.py", "x = 1\n")])],
    );
    let listing = GitDirectorySource::new(dir.path(), "disk")
        .list_repositories(None)
        .await
        .unwrap();
    assert_eq!(listing.repositories.len(), 1);
    assert_eq!(listing.skipped, 0);
    assert!(listing.authoritative_for_deletions());
}

#[tokio::test]
async fn missing_root_folder_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let error = GitDirectorySource::new(&missing, "disk")
        .list_repositories(None)
        .await
        .unwrap_err();
    assert!(matches!(error, ForgeError::Unreadable { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("disk"), "{message}");
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
}

#[tokio::test]
async fn readme_comes_with_its_blob_id_as_etag_and_revalidates_as_not_modified() {
    let fixture = fixture();
    let source = fixture.source();
    let blob = git(
        &fixture.root.join("polyglot"),
        &["rev-parse", "HEAD:README.md"],
    );

    let fetched = source
        .fetch_file("repos/polyglot", README_PATH, None)
        .await
        .unwrap();
    assert_eq!(
        fetched,
        FileFetch::Changed {
            content: README.to_owned(),
            etag: Some(blob.clone()),
        }
    );
    assert_eq!(
        source
            .fetch_file("repos/polyglot", README_PATH, Some(&blob))
            .await
            .unwrap(),
        FileFetch::NotModified
    );
    // A stale etag gets the content again.
    assert!(matches!(
        source
            .fetch_file("repos/polyglot", README_PATH, Some("0000"))
            .await
            .unwrap(),
        FileFetch::Changed { .. }
    ));
    assert_eq!(source.stats().not_modified, 1);
    assert_eq!(source.stats().requests, 3);
}

#[tokio::test]
async fn files_are_read_from_head_of_bare_and_working_repositories() {
    let fixture = fixture();
    let source = fixture.source();

    let FileFetch::Changed { content, .. } = source
        .fetch_file("repos/polyglot", "innersource.json", None)
        .await
        .unwrap()
    else {
        panic!("innersource.json is present");
    };
    assert_eq!(content, INNERSOURCE);

    let FileFetch::Changed { content, etag } = source
        .fetch_file("repos/billing", "invoice.go", None)
        .await
        .unwrap()
    else {
        panic!("invoice.go is in the bare repository's HEAD");
    };
    assert!(content.contains("func Invoice"));
    assert_eq!(etag.map(|e| e.len()), Some(40));

    let FileFetch::Changed { content, .. } = source
        .fetch_file("team-a/service-x", "src/Service.java", None)
        .await
        .unwrap()
    else {
        panic!("a file in a subfolder is found by its path");
    };
    assert_eq!(content, "class Service {}\n");
}

#[tokio::test]
async fn absent_files_folders_readmes_and_repositories_are_missing() {
    let fixture = fixture();
    let source = fixture.source();
    for (full_name, path) in [
        ("repos/polyglot", "CONTRIBUTING.md"),
        ("repos/polyglot", "src"),
        ("repos/polyglot", "src/missing/deeper.rs"),
        ("repos/billing", README_PATH),
        ("repos/empty", README_PATH),
        ("repos/nothing-here", README_PATH),
        ("team-b/service-x", "README.md"),
        (".hidden/ghost", "ghost.rs"),
    ] {
        assert_eq!(
            source.fetch_file(full_name, path, None).await.unwrap(),
            FileFetch::Missing,
            "{full_name} {path}"
        );
    }
}

#[tokio::test]
async fn names_that_would_leave_the_root_are_refused() {
    let fixture = fixture();
    let source = fixture.source();
    for name in [
        "../repos",
        "repos/..",
        "/etc",
        "single",
        "team-a//service-x",
    ] {
        let error = source.fetch_repository(name).await.unwrap_err();
        assert!(
            matches!(error, ForgeError::InvalidInput { .. }),
            "{name}: {error:?}"
        );
    }
}

#[tokio::test]
async fn fetch_repository_finds_repositories_and_answers_gone_once_the_folder_is_deleted() {
    let fixture = fixture();
    let source = fixture.source();
    let listing = source.list_repositories(None).await.unwrap();
    let listed = by_full_name(&listing.repositories);

    for full_name in ["repos/billing", "team-a/service-x", "repos/polyglot"] {
        let FetchedRepository::Found(found) = source.fetch_repository(full_name).await.unwrap()
        else {
            panic!("{full_name} is there");
        };
        assert_eq!(&&found, listed.get(full_name).unwrap(), "{full_name}");
    }

    fs::remove_dir_all(fixture.root.join("billing.git")).unwrap();
    fs::remove_dir_all(fixture.root.join("team-a/service-x")).unwrap();
    assert_eq!(
        source.fetch_repository("repos/billing").await.unwrap(),
        FetchedRepository::Gone
    );
    assert_eq!(
        source.fetch_repository("team-a/service-x").await.unwrap(),
        FetchedRepository::Gone
    );
    assert_eq!(
        source
            .fetch_file("repos/billing", README_PATH, None)
            .await
            .unwrap(),
        FileFetch::Missing
    );
}

#[tokio::test]
async fn broken_repository_fetched_directly_is_an_error_not_gone() {
    let fixture = fixture();
    let error = fixture
        .source()
        .fetch_repository("repos/broken")
        .await
        .unwrap_err();
    assert!(matches!(error, ForgeError::Unreadable { .. }), "{error:?}");
    assert!(error.to_string().contains("broken.git"), "{error}");
}

#[tokio::test]
async fn grant_read_is_not_permitted_on_a_file_system() {
    let fixture = fixture();
    let outcome = fixture
        .source()
        .grant_read("repos/polyglot", "alice")
        .await
        .unwrap();
    let GrantOutcome::NotPermitted(reason) = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        reason.contains("grant access on the file system"),
        "{reason}"
    );
}

#[tokio::test]
async fn participation_counts_recent_first_parent_commits_per_week() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let day_ago = (now - TimeDelta::days(1)).to_rfc3339();
    let ten_days_ago = (now - TimeDelta::days(10)).to_rfc3339();
    let two_years_ago = (now - TimeDelta::days(730)).to_rfc3339();
    working_repo(
        &dir.path().join("busy"),
        "main",
        &[
            (&two_years_ago, &[("a.rs", "fn a() {}\n")]),
            (&ten_days_ago, &[("b.rs", "fn b() {}\n")]),
            (&day_ago, &[("c.rs", "fn c() {}\n")]),
        ],
    );
    let listing = GitDirectorySource::new(dir.path(), "disk")
        .list_repositories(None)
        .await
        .unwrap();
    let busy = &listing.repositories[0];
    assert_eq!(busy.participation.len(), 52);
    assert_eq!(busy.participation[51], 1);
    assert_eq!(busy.participation[50], 1);
    assert_eq!(busy.participation.iter().sum::<i64>(), 2);
    assert_eq!(
        busy.created_at.map(|t| t.timestamp()),
        Some(
            DateTime::parse_from_rfc3339(&two_years_ago)
                .unwrap()
                .timestamp()
        )
    );
}
