//! `agora-bench load`: many simulated users against a real `agora serve`, on SQLite or on
//! PostgreSQL. The catalog is a synthetic one imported with the real `agora import`, the users
//! and their tokens come from the real `agora token issue`, and the server is the release binary
//! run as a child process on a free loopback port, so every request crosses the same layers as
//! in production (HTTP, JSON, auth, the catalog pool, the SQLite write lock, the index). Each
//! user is a tokio task with its own token that loops over a weighted mix — search (the bench
//! query mix), star/unstar, access requests filed and withdrawn, its star list — for a fixed
//! time. Latency is measured by the client from sending a request to reading the whole body, and
//! every answer is checked against what the mix expects: anything else is an error, reported by
//! operation and status, with the first message seen.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agora_catalog::schema::{departments, repositories};
use agora_catalog::{Catalog, DatabaseUrl};
use anyhow::Context;
use diesel::{Connection, PgConnection, QueryDsl, RunQueryDsl};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::generate;
use crate::queries;
use crate::stats::{self, Summary};

/// How many search paths the users cycle through (drawn at random from the bench mix).
const SEARCH_PATHS: usize = 1_000;
/// A user unstars rather than stars once they hold this many stars, so star lists stay small.
const MAX_STARS_PER_USER: usize = 20;
/// A request that takes longer is a transport error ("timeout").
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// actix closes idle keep-alive connections after 5 s; the client drops its own before that, or
/// a request sent on a connection the server is closing would fail as a transport error that
/// says nothing about the server's capacity.
const CLIENT_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest message kept as the example of an error.
const EXAMPLE_CHARS: usize = 240;

#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Projects in the synthetic catalog.
    #[arg(long, default_value_t = 10_000)]
    pub projects: usize,
    /// Simulated users, each with its own token, all running at once.
    #[arg(long, default_value_t = 200)]
    pub users: usize,
    /// How long the users run: `60s`, `2m`, `500ms` or plain seconds.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Mean think time after each request, in ms (exponentially distributed); 0: back to back.
    #[arg(long, default_value_t = 0)]
    pub think_ms: u64,
    /// Weight of searches in the mix.
    #[arg(long, default_value_t = 70)]
    pub search: u32,
    /// Weight of star/unstar.
    #[arg(long, default_value_t = 20)]
    pub star: u32,
    /// Weight of access-request rounds (file, sometimes file again expecting 409, withdraw).
    #[arg(long, default_value_t = 10)]
    pub access: u32,
    /// Weight of reading `/api/v1/me/stars`.
    #[arg(long, default_value_t = 0)]
    pub my_stars: u32,
    /// Share of access-request rounds that file the same request twice, expecting 409.
    #[arg(long, default_value_t = 0.1)]
    pub duplicate_share: f64,
    /// Run on PostgreSQL: a scratch database `agora_load_<random>` is created on this server and
    /// dropped at the end. Default: SQLite in the temporary data directory.
    #[arg(long)]
    pub database_url: Option<String>,
    /// The `agora` binary to run (default: the one next to `agora-bench`).
    #[arg(long)]
    pub agora_bin: Option<PathBuf>,
    /// Worker threads of the simulated users (they share the machine's cores with the server).
    #[arg(long, default_value_t = 1)]
    pub client_threads: usize,
    /// One user in this many is a department lead.
    #[arg(long, default_value_t = 20)]
    pub lead_every: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// `60s`, `2m`, `500ms`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 60s, 2m or 500ms"))?;
    let seconds = match unit {
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("`{unit}` is not a unit: use ms, s or m")),
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err("the duration must be positive".to_owned());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// What the simulated users do; one row each in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Search,
    Star,
    Unstar,
    AccessCreate,
    AccessDuplicate,
    AccessWithdraw,
    MyStars,
}

impl Op {
    const ALL: [Op; 7] = [
        Op::Search,
        Op::Star,
        Op::Unstar,
        Op::AccessCreate,
        Op::AccessDuplicate,
        Op::AccessWithdraw,
        Op::MyStars,
    ];

    fn label(self) -> &'static str {
        match self {
            Op::Search => "search `GET /api/v1/search`",
            Op::Star => "star `PUT …/star`",
            Op::Unstar => "unstar `DELETE …/star`",
            Op::AccessCreate => "access request `POST …/access-requests` (201)",
            Op::AccessDuplicate => "same request again (409 expected)",
            Op::AccessWithdraw => "withdraw `POST …/withdraw`",
            Op::MyStars => "`GET /api/v1/me/stars`",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Expected,
    /// A status the mix did not expect.
    Status(u16),
    /// No complete answer: time-out, refused or reset connection, broken body.
    Transport(&'static str),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Expected => f.write_str("expected"),
            Outcome::Status(status) => write!(f, "HTTP {status}"),
            Outcome::Transport(kind) => write!(f, "transport: {kind}"),
        }
    }
}

#[derive(Debug)]
struct Sample {
    op: Op,
    latency: Duration,
    outcome: Outcome,
    /// The answer's body or the transport error, for unexpected outcomes only.
    detail: Option<String>,
}

/// The `agora` binary on one data directory and database.
struct Agora {
    bin: PathBuf,
    data_dir: PathBuf,
    database_url: Option<String>,
}

impl Agora {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        // Only what we pass counts: an AGORA_* variable of the caller's shell (a database URL,
        // an OIDC mode, a webhook) would change what is measured.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AGORA_") {
                command.env_remove(key);
            }
        }
        command.arg("--data-dir").arg(&self.data_dir);
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command.stdin(Stdio::null());
        command
    }

    fn import(&self, file: &Path, log: &Path) -> anyhow::Result<()> {
        let status = self
            .command()
            .arg("import")
            .arg(file)
            .stdout(File::create(log)?)
            .stderr(File::create(log.with_extension("err"))?)
            .status()
            .with_context(|| format!("running {}", self.bin.display()))?;
        anyhow::ensure!(
            status.success(),
            "agora import failed ({status}): {}",
            tail(&log.with_extension("err"))
        );
        Ok(())
    }

    fn issue_token(&self, user: &UserSpec) -> anyhow::Result<String> {
        let output = self
            .command()
            .args(["token", "issue", "--user", &user.subject])
            .args(["--department", &user.department_slug])
            .args(["--role", user.role])
            .args(["--ttl-days", "1"])
            .output()
            .with_context(|| format!("running {}", self.bin.display()))?;
        anyhow::ensure!(
            output.status.success(),
            "agora token issue for {} failed: {}",
            user.subject,
            String::from_utf8_lossy(&output.stderr)
        );
        let token = String::from_utf8(output.stdout)?.trim().to_owned();
        anyhow::ensure!(
            !token.is_empty(),
            "agora token issue printed no token for {}",
            user.subject
        );
        Ok(token)
    }
}

/// The last lines of a log, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A database of our own on the server, dropped when done (also after a failure). Declared
/// before the server so that the server, holding connections to it, is stopped first.
struct ScratchDatabase {
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates `agora_load_<random>` and returns it with its URL.
    fn create(admin_url: &str) -> anyhow::Result<(Self, String)> {
        let name = format!("agora_load_{:016x}", rand::rng().random::<u64>());
        let mut admin = PgConnection::establish(admin_url)
            .with_context(|| format!("connecting to {admin_url}"))?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
        let scratch = Self {
            admin_url: admin_url.to_owned(),
            name: name.clone(),
        };
        let mut url = url::Url::parse(admin_url)?;
        url.set_path(&name);
        Ok((scratch, url.to_string()))
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        match PgConnection::establish(&self.admin_url) {
            Ok(mut admin) => {
                let dropped = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut admin);
                if let Err(e) = dropped {
                    eprintln!("could not drop the scratch database {}: {e}", self.name);
                }
            }
            Err(e) => eprintln!("could not drop the scratch database {}: {e}", self.name),
        }
    }
}

/// The `agora serve` child; killed when dropped, whatever happened.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// User and system CPU seconds of a process, from `/proc/<pid>/stat` (ticks of 1/100 s).
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name may hold spaces; fields are counted after its closing parenthesis.
    let Some(rest) = stat.rfind(')').map(|at| &stat[at + 1..]) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => 0.0,
    }
}

struct UserSpec {
    subject: String,
    department_slug: String,
    department_id: i64,
    role: &'static str,
}

/// What the users need to know of the imported catalog.
struct CatalogShape {
    project_ids: Vec<i64>,
    /// Private projects: (id, owning department). Only these need an access request.
    private: Vec<(i64, Option<i64>)>,
    departments: Vec<(i64, String)>,
}

fn read_shape(url: &str) -> anyhow::Result<CatalogShape> {
    let catalog = Catalog::open(&DatabaseUrl::parse(url)?)?;
    let mut conn = catalog.connection()?;
    let rows: Vec<(i64, Option<i64>, String)> = repositories::table
        .select((
            repositories::id,
            repositories::department_id,
            repositories::visibility,
        ))
        .order(repositories::id)
        .load(&mut *conn)?;
    let departments: Vec<(i64, String)> = departments::table
        .select((departments::id, departments::slug))
        .order(departments::id)
        .load(&mut *conn)?;
    Ok(CatalogShape {
        project_ids: rows.iter().map(|(id, _, _)| *id).collect(),
        private: rows
            .iter()
            .filter(|(_, _, visibility)| visibility == "private")
            .map(|(id, department, _)| (*id, *department))
            .collect(),
        departments,
    })
}

/// What every simulated user shares.
struct World {
    client: reqwest::Client,
    base: String,
    search_paths: Vec<String>,
    shape: CatalogShape,
    weights: [(MixEntry, u32); 4],
    think_ms: u64,
    duplicate_share: f64,
}

#[derive(Debug, Clone, Copy)]
enum MixEntry {
    Search,
    Star,
    Access,
    MyStars,
}

struct SimUser {
    index: usize,
    token: String,
    department_id: i64,
    rng: StdRng,
    starred: Vec<i64>,
    /// Requests left open by a withdraw that failed: (project, request id), withdrawn first
    /// next time, so that the user never files a second open request for a project by mistake.
    open: Vec<(i64, i64)>,
    samples: Vec<Sample>,
}

impl SimUser {
    async fn think(&mut self, world: &World) {
        if world.think_ms == 0 {
            return;
        }
        let mean = world.think_ms as f64;
        // Exponential think times (a Poisson arrival per user), capped at ten means.
        let u: f64 = self.rng.random();
        let ms = (-(1.0 - u).ln() * mean).min(10.0 * mean);
        tokio::time::sleep(Duration::from_secs_f64(ms / 1e3)).await;
    }

    /// Sends one request, checks its status, records the sample; the body when asked for and
    /// the status was the expected one.
    async fn call(
        &mut self,
        op: Op,
        request: reqwest::RequestBuilder,
        expected: u16,
        keep_body: bool,
    ) -> Option<Option<String>> {
        let started = Instant::now();
        let sent = request.bearer_auth(&self.token).send().await;
        let (outcome, detail, body) = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(bytes) if status == expected => (
                        Outcome::Expected,
                        None,
                        keep_body.then(|| String::from_utf8_lossy(&bytes).into_owned()),
                    ),
                    Ok(bytes) => (
                        Outcome::Status(status),
                        Some(String::from_utf8_lossy(&bytes).into_owned()),
                        None,
                    ),
                    Err(e) => (Outcome::Transport("body"), Some(error_chain(&e)), None),
                }
            }
            Err(e) => (
                Outcome::Transport(transport_kind(&e)),
                Some(error_chain(&e)),
                None,
            ),
        };
        let ok = outcome == Outcome::Expected;
        self.samples.push(Sample {
            op,
            latency: started.elapsed(),
            outcome,
            detail,
        });
        ok.then_some(body)
    }

    async fn search(&mut self, world: &World) {
        let path = &world.search_paths[self.rng.random_range(0..world.search_paths.len())];
        let request = world.client.get(format!("{}{path}", world.base));
        self.call(Op::Search, request, 200, false).await;
        self.think(world).await;
    }

    async fn star_or_unstar(&mut self, world: &World) {
        let unstar = !self.starred.is_empty()
            && (self.starred.len() >= MAX_STARS_PER_USER || self.rng.random_bool(0.5));
        if unstar {
            let at = self.rng.random_range(0..self.starred.len());
            // Forgotten whatever the answer: unstarring is idempotent, so a retry is never needed.
            let id = self.starred.swap_remove(at);
            let request = world
                .client
                .delete(format!("{}/api/v1/projects/{id}/star", world.base));
            self.call(Op::Unstar, request, 200, false).await;
        } else {
            let ids = &world.shape.project_ids;
            let id = ids[self.rng.random_range(0..ids.len())];
            let request = world
                .client
                .put(format!("{}/api/v1/projects/{id}/star", world.base));
            if self.call(Op::Star, request, 200, false).await.is_some()
                && !self.starred.contains(&id)
            {
                self.starred.push(id);
            }
        }
        self.think(world).await;
    }

    /// A private project of another department: one the user can see listed but not read.
    fn closed_project(&mut self, world: &World) -> Option<i64> {
        let private = &world.shape.private;
        if private.is_empty() {
            return None;
        }
        for _ in 0..32 {
            let (id, department) = private[self.rng.random_range(0..private.len())];
            if department != Some(self.department_id) {
                return Some(id);
            }
        }
        None
    }

    async fn withdraw(&mut self, world: &World, request_id: i64) -> bool {
        let request = world.client.post(format!(
            "{}/api/v1/access-requests/{request_id}/withdraw",
            world.base
        ));
        let done = self
            .call(Op::AccessWithdraw, request, 200, false)
            .await
            .is_some();
        self.think(world).await;
        done
    }

    /// Files a request with a reason, sometimes files it again (the rule "one open request per
    /// user and project" must answer 409), then withdraws it.
    async fn access_round(&mut self, world: &World) {
        if let Some((project, request_id)) = self.open.pop() {
            if !self.withdraw(world, request_id).await {
                self.open.push((project, request_id));
            }
            return;
        }
        let Some(project) = self.closed_project(world) else {
            return self.search(world).await;
        };
        let body = json!({
            "reason": format!(
                "Load bench: user {} would like to reuse this project's client code.",
                self.index
            ),
            "forge_username": format!("load-user-{:03}", self.index),
        });
        let url = format!("{}/api/v1/projects/{project}/access-requests", world.base);
        let created = self
            .call(
                Op::AccessCreate,
                world.client.post(&url).json(&body),
                201,
                true,
            )
            .await;
        self.think(world).await;
        let Some(request_id) = created
            .flatten()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|value| value.get("id").and_then(serde_json::Value::as_i64))
        else {
            return;
        };
        self.open.push((project, request_id));
        if self.rng.random_bool(world.duplicate_share.clamp(0.0, 1.0)) {
            self.call(
                Op::AccessDuplicate,
                world.client.post(&url).json(&body),
                409,
                false,
            )
            .await;
            self.think(world).await;
        }
        if self.withdraw(world, request_id).await {
            self.open.retain(|(_, id)| *id != request_id);
        }
    }

    async fn my_stars(&mut self, world: &World) {
        let request = world.client.get(format!("{}/api/v1/me/stars", world.base));
        self.call(Op::MyStars, request, 200, false).await;
        self.think(world).await;
    }

    async fn run(mut self, world: Arc<World>, deadline: Instant) -> Vec<Sample> {
        // Spread the first requests over one think time rather than firing all users at once.
        if world.think_ms > 0 {
            let ms = self.rng.random_range(0..world.think_ms);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let total: u32 = world.weights.iter().map(|(_, w)| w).sum();
        while Instant::now() < deadline {
            let mut roll = self.rng.random_range(0..total);
            let mut entry = MixEntry::Search;
            for (candidate, weight) in world.weights {
                if roll < weight {
                    entry = candidate;
                    break;
                }
                roll -= weight;
            }
            match entry {
                MixEntry::Search => self.search(&world).await,
                MixEntry::Star => self.star_or_unstar(&world).await,
                MixEntry::Access => self.access_round(&world).await,
                MixEntry::MyStars => self.my_stars(&world).await,
            }
        }
        self.samples
    }
}

fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() {
        "body"
    } else if e.is_request() {
        "request"
    } else {
        "other"
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

async fn wait_until_healthy(
    server: &mut Server,
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait()? {
            anyhow::bail!("agora serve exited ({status}):\n{}", tail(&server.log));
        }
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < SERVER_START_TIMEOUT,
            "agora serve did not answer /healthz within {} s:\n{}",
            SERVER_START_TIMEOUT.as_secs(),
            tail(&server.log)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn users(args: &LoadArgs, shape: &CatalogShape) -> anyhow::Result<Vec<UserSpec>> {
    anyhow::ensure!(
        !shape.departments.is_empty(),
        "the imported catalog has no department"
    );
    Ok((0..args.users)
        .map(|i| {
            let (department_id, slug) = &shape.departments[i % shape.departments.len()];
            UserSpec {
                subject: format!("load-user-{i:03}"),
                department_slug: slug.clone(),
                department_id: *department_id,
                role: if args.lead_every > 0 && i % args.lead_every == 0 {
                    "lead"
                } else {
                    "employee"
                },
            }
        })
        .collect())
}

/// One `agora token issue` at a time: they take a few milliseconds each, and separate processes
/// writing one SQLite file at once would only measure SQLite's locking.
fn issue_tokens(agora: &Agora, users: &[UserSpec]) -> anyhow::Result<Vec<String>> {
    users.iter().map(|user| agora.issue_token(user)).collect()
}

struct Setup {
    generated: Duration,
    imported: Duration,
    tokens: Duration,
    started: Duration,
    rss_before_mb: f64,
}

struct Run {
    samples: Vec<Sample>,
    wall: Duration,
    server_cpu: f64,
    client_cpu: f64,
    rss_mb: f64,
    hwm_mb: f64,
}

pub fn run(args: &LoadArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    anyhow::ensure!(args.projects > 0, "--projects must be at least 1");
    anyhow::ensure!(
        args.search + args.star + args.access + args.my_stars > 0,
        "the mix is empty: give one of --search, --star, --access, --my-stars a weight"
    );
    let bin = match &args.agora_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("agora-bench has no directory")?
            .join("agora"),
    };
    anyhow::ensure!(
        bin.is_file(),
        "{} not found: build it (cargo build --release -p agora) or pass --agora-bin",
        bin.display()
    );
    let temp = tempfile::Builder::new().prefix("agora-load.").tempdir()?;
    let work = temp.path();

    // Dropped last (declared first): the server must be gone before its database is dropped.
    let (scratch, database_url) = match &args.database_url {
        Some(admin) => {
            let (scratch, url) = ScratchDatabase::create(admin)?;
            (Some(scratch), Some(url))
        }
        None => (None, None),
    };
    let backend = match &scratch {
        Some(s) => format!("PostgreSQL (scratch database {})", s.name),
        None => "SQLite".to_owned(),
    };
    let agora = Agora {
        bin,
        data_dir: work.join("data"),
        database_url: database_url.clone(),
    };

    let started = Instant::now();
    let projects = generate::catalog(args.projects, args.seed)?;
    let repos_json = work.join("repos.json");
    std::fs::write(&repos_json, generate::repos_json(&projects)?)?;
    let search_paths: Vec<String> = queries::search_mix(&projects, SEARCH_PATHS, args.seed)
        .iter()
        .map(queries::BenchQuery::http_path)
        .collect();
    drop(projects);
    let generated = started.elapsed();

    let started = Instant::now();
    agora.import(&repos_json, &work.join("import.log"))?;
    let imported = started.elapsed();

    let catalog_url = database_url.clone().unwrap_or_else(|| {
        agora
            .data_dir
            .join("agora.db")
            .to_string_lossy()
            .into_owned()
    });
    let shape = read_shape(&catalog_url)?;
    let specs = users(args, &shape)?;
    let started = Instant::now();
    let tokens = issue_tokens(&agora, &specs)?;
    let tokens_took = started.elapsed();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let log = work.join("server.log");
    let started = Instant::now();
    let child = agora
        .command()
        .arg("serve")
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(File::create(&log)?)
        .stderr(File::create(work.join("server.err"))?)
        .spawn()
        .with_context(|| format!("starting {} serve", agora.bin.display()))?;
    let mut server = Server {
        child,
        log: work.join("server.err"),
    };
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_idle_timeout(CLIENT_IDLE_TIMEOUT)
        .pool_max_idle_per_host(args.users)
        .tcp_nodelay(true)
        .build()?;
    runtime.block_on(wait_until_healthy(&mut server, &client, &base))?;
    let setup = Setup {
        generated,
        imported,
        tokens: tokens_took,
        started: started.elapsed(),
        rss_before_mb: stats::status_kb(&server.pid(), "VmRSS") as f64 / 1024.0,
    };

    let world = Arc::new(World {
        client,
        base,
        search_paths,
        shape,
        weights: [
            (MixEntry::Search, args.search),
            (MixEntry::Star, args.star),
            (MixEntry::Access, args.access),
            (MixEntry::MyStars, args.my_stars),
        ],
        think_ms: args.think_ms,
        duplicate_share: args.duplicate_share,
    });
    println!(
        "\n## Load: {} users for {:.0} s on {backend}, {} projects\n",
        args.users,
        args.duration.as_secs_f64(),
        args.projects
    );
    let pid = server.pid();
    let server_cpu_before = cpu_seconds(&pid);
    let client_cpu_before = cpu_seconds("self");
    let started = Instant::now();
    let deadline = started + args.duration;
    let samples = runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, (spec, token)) in specs.iter().zip(tokens).enumerate() {
            let user = SimUser {
                index,
                token,
                department_id: spec.department_id,
                rng: StdRng::seed_from_u64(args.seed ^ (index as u64).wrapping_mul(0x9E37_79B9)),
                starred: Vec::new(),
                open: Vec::new(),
                samples: Vec::new(),
            };
            tasks.spawn(user.run(world.clone(), deadline));
        }
        let mut samples = Vec::new();
        while let Some(done) = tasks.join_next().await {
            samples.extend(done.context("a simulated user panicked")?);
        }
        anyhow::Ok(samples)
    })?;
    let run = Run {
        samples,
        wall: started.elapsed(),
        server_cpu: cpu_seconds(&pid) - server_cpu_before,
        client_cpu: cpu_seconds("self") - client_cpu_before,
        rss_mb: stats::status_kb(&pid, "VmRSS") as f64 / 1024.0,
        hwm_mb: stats::status_kb(&pid, "VmHWM") as f64 / 1024.0,
    };
    drop(server);
    drop(scratch);
    report(args, &setup, &run);
    Ok(())
}

fn report(args: &LoadArgs, setup: &Setup, run: &Run) {
    let wall = run.wall.as_secs_f64();
    println!("| step | figure |\n|---|---:|");
    println!(
        "| generate {} projects + repos.json | {} |",
        args.projects,
        stats::secs(setup.generated)
    );
    println!(
        "| `agora import` (child process) | {} |",
        stats::secs(setup.imported)
    );
    println!(
        "| {} users' tokens (`agora token issue`, one after another) | {} |",
        args.users,
        stats::secs(setup.tokens)
    );
    println!(
        "| `agora serve` → `/healthz` 200 | {} |",
        stats::secs(setup.started)
    );
    println!(
        "| mix (weights) | search {}, star/unstar {}, access request {}, my stars {}; {:.0} % of access rounds file twice |",
        args.search,
        args.star,
        args.access,
        args.my_stars,
        args.duplicate_share * 100.0
    );
    println!(
        "| think time after each request | {} |",
        if args.think_ms == 0 {
            "none (back to back)".to_owned()
        } else {
            format!("{} ms mean, exponential", args.think_ms)
        }
    );
    println!("| wall time of the run (until the last user finished) | {wall:.2} s |");
    println!(
        "| CPU during the run: server / client (2 cores = {:.0} s) | {:.1} s / {:.1} s |",
        2.0 * wall,
        run.server_cpu,
        run.client_cpu
    );
    println!(
        "| server RSS before the load / after (VmRSS) / peak (VmHWM) | {:.0} / {:.0} / {:.0} MB |",
        setup.rss_before_mb, run.rss_mb, run.hwm_mb
    );
    println!();

    println!(
        "| operation | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    let row = |label: &str, samples: &[&Sample]| {
        let latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
        let summary = Summary::of(&latencies);
        let errors = samples
            .iter()
            .filter(|s| s.outcome != Outcome::Expected)
            .count();
        println!(
            "| {label} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {errors} |",
            summary.count,
            summary.count as f64 / wall,
            summary.p50,
            summary.p90,
            summary.p99,
            summary.max
        );
    };
    for op in Op::ALL {
        let of_op: Vec<&Sample> = run.samples.iter().filter(|s| s.op == op).collect();
        if !of_op.is_empty() {
            row(op.label(), &of_op);
        }
    }
    let all: Vec<&Sample> = run.samples.iter().collect();
    row("**all**", &all);
    println!();

    let mut errors: BTreeMap<(Op, Outcome), (usize, &str)> = BTreeMap::new();
    for sample in &run.samples {
        if sample.outcome != Outcome::Expected {
            let entry = errors
                .entry((sample.op, sample.outcome.clone()))
                .or_insert((0, sample.detail.as_deref().unwrap_or("")));
            entry.0 += 1;
        }
    }
    if errors.is_empty() {
        println!("Errors: none (every answer was the one the mix expected).");
    } else {
        println!("| operation | error | count | first message |\n|---|---|---:|---|");
        for ((op, outcome), (count, detail)) in errors {
            let detail: String = detail
                .chars()
                .take(EXAMPLE_CHARS)
                .map(|c| if c == '|' || c == '\n' { ' ' } else { c })
                .collect();
            println!("| {} | {outcome} | {count} | {detail} |", op.label());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_or_without_a_unit() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("10h").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn cpu_seconds_of_this_process_are_read_from_proc() {
        let mut spin = 0u64;
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(50) {
            spin = spin.wrapping_add(1);
        }
        assert!(spin > 0);
        assert!(cpu_seconds("self") > 0.0);
    }
}
