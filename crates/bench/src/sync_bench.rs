//! `agora-bench sync`: what a GitHub sync costs. A fake organisation of N repositories is served
//! locally (wiremock, one responder for every route, every answer delayed by the latency), then
//! `Indexer::sync_forge` runs a full sync and, after 1 % of the repositories were pushed to, an
//! incremental one. The fake answers the REST listing and file routes and the GraphQL file query
//! (reading the aliases and variables of the request as GitHub would); with `--no-graphql` its
//! `/graphql` answers 404, as on a server without it, and the client reads files over REST.
//! Requests are counted both by the client (`SyncReport.counts.requests`) and by the server, by
//! kind (listing pages, GraphQL queries, READMEs, other files).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use agora_catalog::model::ForgeKind;
use agora_catalog::{Catalog, DatabaseUrl, forges};
use agora_forge::{GithubClient, GithubConfig, HttpLimits};
use agora_indexer::sync::{SyncOptions, SyncReport};
use agora_indexer::{Indexer, NoProgress};
use agora_search::SearchIndex;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::generate::{self, Project};
use crate::stats;

const PER_PAGE: usize = 100;
const ORG: &str = "acme";

/// Which files the fake repositories hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Files {
    /// Realistic: README for most, CONTRIBUTING, CODEOWNERS, innersource.json… for some.
    Mixed,
    /// No file at all: every lookup is a 404 (the most requests per repository).
    None,
    /// Only a README.
    Readme,
    /// Every file, at its first standard path (the fewest requests per repository).
    All,
}

/// The files one repository holds, at their first standard path.
#[derive(Debug, Clone, Copy, Default)]
struct Held {
    readme: bool,
    contributing: bool,
    code_of_conduct: bool,
    codeowners: bool,
    catalog_info: bool,
    innersource: bool,
    /// Bumped when the repository is pushed to: new ETags.
    version: u32,
}

struct Repo {
    project: Project,
    pushed_at: DateTime<Utc>,
    held: Held,
}

#[derive(Default)]
struct Counters {
    listing: AtomicU64,
    graphql: AtomicU64,
    readme: AtomicU64,
    file_found: AtomicU64,
    file_missing: AtomicU64,
    not_modified: AtomicU64,
    other: AtomicU64,
}

/// The organisation: its repositories, by name, and in listing order (most recently pushed first).
struct Org {
    repos: Vec<Repo>,
    by_name: HashMap<String, usize>,
    order: Vec<usize>,
}

struct FakeGithub {
    repos: RwLock<Org>,
    counters: Counters,
    delay: Duration,
    graphql: bool,
}

/// Served counts, in the order of `FakeGithub::snapshot`.
const LISTING: usize = 0;
const GRAPHQL: usize = 1;
const READMES: usize = 2;
const FOUND: usize = 3;
const MISSING: usize = 4;
type Served = [u64; 7];

impl FakeGithub {
    fn item(repo: &Repo) -> serde_json::Value {
        let p = &repo.project;
        json!({
            "id": 100_000 + p.id, "name": p.name, "full_name": format!("{ORG}/{}", p.name),
            "private": p.visibility == "private", "owner": {"login": ORG, "id": 1, "type": "Organization"},
            "html_url": format!("https://github.example.org/{ORG}/{}", p.name),
            "description": p.description, "fork": false,
            "created_at": p.created_at, "updated_at": repo.pushed_at, "pushed_at": repo.pushed_at,
            "stargazers_count": p.stars, "watchers_count": p.stars, "language": p.language,
            "forks_count": p.forks, "mirror_url": null, "archived": false, "open_issues_count": 1,
            "topics": p.topics, "visibility": p.visibility, "default_branch": "main"
        })
    }

    fn listing(&self, request: &Request) -> ResponseTemplate {
        self.counters.listing.fetch_add(1, Ordering::Relaxed);
        let page: usize = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        let guard = self.repos.read().unwrap_or_else(|e| e.into_inner());
        let Org { repos, order, .. } = &*guard;
        let start = (page - 1) * PER_PAGE;
        let items: Vec<serde_json::Value> = order
            .iter()
            .skip(start)
            .take(PER_PAGE)
            .map(|&i| Self::item(&repos[i]))
            .collect();
        let mut response = ResponseTemplate::new(200).set_body_json(items);
        if start + PER_PAGE < order.len() {
            // Relative: wiremock's request URL has lost the port; the client resolves it against
            // the page it asked for, as it would GitHub's absolute links.
            let next = format!(
                "/orgs/{ORG}/repos?per_page=100&type=all&sort=pushed&direction=desc&page={}",
                page + 1
            );
            response = response.insert_header("link", format!("<{next}>; rel=\"next\""));
        }
        response
    }

    /// The text of the file at `path` (relative to the repository's root), if the repository
    /// holds it. Every file lives at its first standard path; the README is `README.md`.
    fn content(repo: &Repo, path: &str) -> Option<String> {
        let held = repo.held;
        match path {
            "README.md" => held.readme.then(|| repo.project.readme.clone()),
            "CONTRIBUTING.md" => held.contributing.then(|| "# Contributing\n".to_owned()),
            "CODE_OF_CONDUCT.md" => held.code_of_conduct.then(|| "# Code of conduct\n".to_owned()),
            ".github/CODEOWNERS" => held
                .codeowners
                .then(|| format!("* @{ORG}/{}\n", repo.project.department)),
            "catalog-info.yaml" => held.catalog_info.then(|| {
                format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {}\n  tags: [{}]\nspec:\n  type: service\n  lifecycle: production\n  owner: {}\n",
                    repo.project.name,
                    repo.project.topics.join(", "),
                    repo.project.department
                )
            }),
            "innersource.json" => held.innersource.then(|| {
                json!({"title": repo.project.title, "motivation": repo.project.description})
                    .to_string()
            }),
            _ => None,
        }
    }

    /// A blob id that changes with the repository's version, as a git oid would with the content.
    fn oid(name: &str, path: &str, version: u32) -> String {
        let mut hasher = DefaultHasher::new();
        (name, path, version).hash(&mut hasher);
        format!("{:040x}", u128::from(hasher.finish()))
    }

    /// `POST /graphql`: the file query `GithubClient::fetch_files` sends, answered as GitHub
    /// does: each aliased `object(expression: "HEAD:path")` is the blob or `null`; an unknown
    /// repository is `null` with a NOT_FOUND error.
    fn graphql(&self, request: &Request) -> ResponseTemplate {
        self.counters.graphql.fetch_add(1, Ordering::Relaxed);
        if !self.graphql {
            return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
        }
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&request.body) else {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"message": "Problems parsing JSON"}));
        };
        let query = body["query"].as_str().unwrap_or_default();
        let variables = &body["variables"];
        let name = variables["name"].as_str().unwrap_or_default();
        let guard = self.repos.read().unwrap_or_else(|e| e.into_inner());
        let Org { repos, by_name, .. } = &*guard;
        let repo = (variables["owner"] == ORG)
            .then(|| by_name.get(name).map(|&i| &repos[i]))
            .flatten();
        let Some(repo) = repo else {
            return ResponseTemplate::new(200).set_body_json(json!({
                "data": {"repository": null},
                "errors": [{"type": "NOT_FOUND", "path": ["repository"],
                    "locations": [{"line": 2, "column": 3}],
                    "message": format!("Could not resolve to a Repository with the name '{ORG}/{name}'.")}]
            }));
        };
        let mut answer = serde_json::Map::new();
        for (alias, variable) in aliased_objects(query) {
            let expression = variables[variable.as_str()].as_str().unwrap_or_default();
            let path = expression.strip_prefix("HEAD:").unwrap_or_default();
            let blob = Self::content(repo, path).map(|text| {
                json!({
                    "oid": Self::oid(name, path, repo.held.version), "byteSize": text.len(),
                    "isBinary": false, "isTruncated": false, "text": text
                })
            });
            answer.insert(alias, blob.unwrap_or(serde_json::Value::Null));
        }
        ResponseTemplate::new(200).set_body_json(json!({"data": {"repository": answer}}))
    }

    fn file(&self, request: &Request, name: &str, route: &str) -> ResponseTemplate {
        let guard = self.repos.read().unwrap_or_else(|e| e.into_inner());
        let Org { repos, by_name, .. } = &*guard;
        let Some(repo) = by_name.get(name).map(|&i| &repos[i]) else {
            self.counters.other.fetch_add(1, Ordering::Relaxed);
            return ResponseTemplate::new(404);
        };
        let readme = route == "readme";
        let path = if readme {
            Some("README.md")
        } else {
            route.strip_prefix("contents/")
        };
        let body = path.and_then(|path| Self::content(repo, path));
        if readme {
            self.counters.readme.fetch_add(1, Ordering::Relaxed);
        }
        let Some(body) = body else {
            if !readme {
                self.counters.file_missing.fetch_add(1, Ordering::Relaxed);
            }
            return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
        };
        if !readme {
            self.counters.file_found.fetch_add(1, Ordering::Relaxed);
        }
        let etag = format!("\"{name}-{}-{}\"", route.len(), repo.held.version);
        let matches = request
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok())
            == Some(etag.as_str());
        if matches {
            self.counters.not_modified.fetch_add(1, Ordering::Relaxed);
            return ResponseTemplate::new(304).insert_header("etag", etag);
        }
        ResponseTemplate::new(200)
            .set_body_string(body)
            .insert_header("etag", etag)
    }

    /// Marks `count` repositories as just pushed to (new push time, new file ETags).
    fn push_to(&self, count: usize, now: DateTime<Utc>) {
        let mut guard = self.repos.write().unwrap_or_else(|e| e.into_inner());
        let Org { repos, order, .. } = &mut *guard;
        let step = (repos.len() / count.max(1)).max(1);
        for i in (0..repos.len()).step_by(step).take(count) {
            repos[i].pushed_at = now;
            repos[i].held.version += 1;
        }
        *order = sorted_by_push(repos);
    }

    fn snapshot(&self) -> Served {
        let c = &self.counters;
        [
            &c.listing,
            &c.graphql,
            &c.readme,
            &c.file_found,
            &c.file_missing,
            &c.not_modified,
            &c.other,
        ]
        .map(|a| a.load(Ordering::Relaxed))
    }
}

fn sorted_by_push(repos: &[Repo]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..repos.len()).collect();
    order.sort_by(|&a, &b| repos[b].pushed_at.cmp(&repos[a].pushed_at).then(a.cmp(&b)));
    order
}

impl Respond for FakeGithub {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_owned();
        let response = if path == format!("/orgs/{ORG}/repos") {
            self.listing(request)
        } else if path == "/graphql" && request.method.as_str() == "POST" {
            self.graphql(request)
        } else if let Some(rest) = path.strip_prefix(&format!("/repos/{ORG}/")) {
            match rest.split_once('/') {
                Some((name, file)) => self.file(request, name, file),
                None => {
                    self.counters.other.fetch_add(1, Ordering::Relaxed);
                    ResponseTemplate::new(404)
                }
            }
        } else {
            self.counters.other.fetch_add(1, Ordering::Relaxed);
            ResponseTemplate::new(404)
        };
        response.set_delay(self.delay)
    }
}

/// The `alias: object(expression: $variable)` selections of a query, one per line as the client
/// writes them.
fn aliased_objects(query: &str) -> Vec<(String, String)> {
    query
        .lines()
        .filter_map(|line| {
            let (alias, rest) = line.trim().split_once(": object(expression: $")?;
            let variable = rest.split(')').next()?;
            Some((alias.to_owned(), variable.to_owned()))
        })
        .collect()
}

fn held(files: Files, project: &Project) -> Held {
    // Derived from the project's id, so that it costs no randomness and stays the same per seed.
    let roll =
        |salt: u64, percent: u64| (project.id.wrapping_mul(2_654_435_761) ^ salt) % 100 < percent;
    match files {
        Files::None => Held::default(),
        Files::Readme => Held {
            readme: true,
            ..Held::default()
        },
        Files::All => Held {
            readme: true,
            contributing: true,
            code_of_conduct: true,
            codeowners: true,
            catalog_info: true,
            innersource: true,
            version: 0,
        },
        Files::Mixed => Held {
            readme: roll(1, 85),
            contributing: roll(2, 40),
            code_of_conduct: roll(3, 20),
            codeowners: roll(4, 50),
            catalog_info: roll(5, 30),
            innersource: roll(6, 40),
            version: 0,
        },
    }
}

fn report_rows(label: &str, wall: Duration, report: &SyncReport, served: Served) {
    let [
        listing,
        graphql,
        readme,
        found,
        missing,
        not_modified,
        other,
    ] = served;
    let total = listing + graphql + readme + found + missing + other;
    println!(
        "| {label} | {} | {} | {} | {} | {total} | {listing} | {graphql} | {readme} | {found} / {missing} | {not_modified} | {} |",
        stats::secs(wall),
        report.status.as_str(),
        report.counts.listed,
        report.counts.requests,
        report.counts.fetched,
    );
}

fn minus(a: Served, b: Served) -> Served {
    std::array::from_fn(|i| a[i] - b[i])
}

pub fn run(
    count: usize,
    latency_ms: u64,
    concurrency: usize,
    files: Files,
    seed: u64,
    graphql: bool,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!(
        "\n## Sync bench: {count} repositories, {latency_ms} ms per response, concurrency {concurrency}, files {files:?}, GraphQL {}\n",
        if graphql { "served" } else { "absent (404)" }
    );
    let now = Utc::now();
    let day = generate::reference_day();
    let repos: Vec<Repo> = generate::catalog(count, seed)?
        .into_iter()
        .map(|project| {
            // As old, relative to now, as the project is relative to the generator's day; at
            // least a day, so that the incremental sync's watermark leaves them out.
            let age = (day - project.pushed_at).max(chrono::Duration::days(1));
            Repo {
                held: held(files, &project),
                pushed_at: now - age,
                project,
            }
        })
        .collect();
    let by_name = repos
        .iter()
        .enumerate()
        .map(|(i, r)| (r.project.name.clone(), i))
        .collect();
    let order = sorted_by_push(&repos);
    let fake = Arc::new(FakeGithub {
        repos: RwLock::new(Org {
            repos,
            by_name,
            order,
        }),
        counters: Counters::default(),
        delay: Duration::from_millis(latency_ms),
        graphql,
    });

    runtime.block_on(async {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(SharedResponder(fake.clone()))
            .mount(&server)
            .await;

        let temp = tempfile::tempdir()?;
        let catalog = Catalog::open(&DatabaseUrl::sqlite_file(&temp.path().join("agora.db")))?;
        let (index, _) = SearchIndex::open_in_dir(&temp.path().join("index"))?;
        let indexer = Indexer::new(catalog, index);
        let uri = server.uri();
        let forge = indexer
            .catalog
            .write(move |conn| {
                forges::create(
                    conn,
                    &forges::NewForge {
                        name: "bench".into(),
                        kind: ForgeKind::Github,
                        base_url: uri,
                        scope: json!({"org": ORG}),
                        token_encrypted: None,
                        department_map: Default::default(),
                        sync_interval_secs: 900,
                        webhook_secret_encrypted: None,
                    },
                )
            })
            .await?;
        let limits = HttpLimits {
            concurrency,
            ..HttpLimits::default()
        };
        let client = GithubClient::new(
            GithubConfig::organization(ORG, SecretString::from("ghp_bench".to_owned()))
                .with_base_url(server.uri())
                .with_limits(limits),
        )?;
        let options = SyncOptions {
            full: true,
            concurrency,
            ..SyncOptions::default()
        };
        let (rss_before, _) = stats::rss_mb();

        let before = fake.snapshot();
        let started = Instant::now();
        let full = indexer
            .sync_forge(&forge, &client, &options, &NoProgress)
            .await?;
        let full_wall = started.elapsed();
        let full_served = minus(fake.snapshot(), before);
        let (rss_full, peak_full) = stats::rss_mb();

        let pushed = (count / 100).max(1);
        fake.push_to(pushed, Utc::now());
        let forge_id = forge.id;
        let forge = indexer
            .catalog
            .read(move |conn| forges::by_id(conn, forge_id))
            .await?
            .ok_or_else(|| anyhow::anyhow!("the bench forge vanished"))?;
        let incremental_options = SyncOptions {
            full: false,
            ..options.clone()
        };
        let before = fake.snapshot();
        let started = Instant::now();
        let incremental = indexer
            .sync_forge(&forge, &client, &incremental_options, &NoProgress)
            .await?;
        let incremental_wall = started.elapsed();
        let incremental_served = minus(fake.snapshot(), before);
        let (_, peak) = stats::rss_mb();

        println!(
            "| sync | wall | status | listed | requests (client) | requests (server) | listing pages | GraphQL | REST READMEs | other REST files found / 404 | 304 | fetched |"
        );
        println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        report_rows("full", full_wall, &full, full_served);
        report_rows(
            &format!("incremental ({pushed} pushed to)"),
            incremental_wall,
            &incremental,
            incremental_served,
        );
        let file_requests: u64 = [GRAPHQL, READMES, FOUND, MISSING]
            .iter()
            .map(|&i| full_served[i])
            .sum();
        let per_repo = file_requests as f64 / count.max(1) as f64;
        let ideal = Duration::from_secs_f64(
            (full_served[LISTING] as f64 + file_requests as f64 / concurrency.max(1) as f64)
                * latency_ms as f64
                / 1e3,
        );
        println!();
        println!("| figure | value |\n|---|---:|");
        println!("| file requests per repository (full sync, GraphQL + REST) | {per_repo:.2} |");
        println!(
            "| latency-bound floor: listing pages one by one + file requests / concurrency × latency | {} |",
            stats::secs(ideal)
        );
        println!(
            "| full sync throughput | {:.0} repositories/s |",
            count as f64 / full_wall.as_secs_f64()
        );
        println!("| RSS before the sync | {rss_before:.0} MB |");
        println!("| RSS after the full sync / peak (VmHWM) | {rss_full:.0} MB / {peak_full:.0} MB |");
        println!("| peak RSS after both syncs (includes the fake server) | {peak:.0} MB |");
        if !full.errors.is_empty() || !incremental.errors.is_empty() {
            println!(
                "\nerrors: {:?}",
                full.errors.iter().chain(&incremental.errors).take(5).collect::<Vec<_>>()
            );
        }
        Ok::<(), anyhow::Error>(())
    })
}

/// wiremock wants the responder by value; the counters and repositories are shared.
struct SharedResponder(Arc<FakeGithub>);

impl Respond for SharedResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}
