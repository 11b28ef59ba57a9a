//! `agora-bench`: Agora's benchmarks. They print figures (markdown tables) and never pass or fail
//! on a time: see BENCHMARKS.md for how to run them and what they measured.

mod generate;
mod load_bench;
mod pg_fts;
mod queries;
mod search_bench;
mod stats;
mod sync_bench;
mod vocabulary;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "agora-bench", about = "Agora's benchmarks; they print figures")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a synthetic SAP repos.json (what `agora import` reads).
    Generate {
        #[arg(long, default_value_t = 10_000)]
        projects: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the query mix as request paths, one a line (for wrk).
    Queries {
        #[arg(long, default_value_t = 10_000)]
        projects: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 1_000)]
        count: usize,
        #[arg(long, value_enum, default_value_t = Endpoint::Search)]
        endpoint: Endpoint,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import, reindex and query a synthetic catalog in process (default: 10k, then 100k).
    Search {
        /// Catalog sizes to run, one after another.
        #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000])]
        projects: Vec<usize>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
        /// Keep the catalog and index here instead of a temporary directory.
        #[arg(long)]
        keep_dir: Option<PathBuf>,
    },
    /// The query mixes on an index kept by `search --keep-dir DIR` (DIR/index), answer cache off.
    QueryIndex {
        #[arg(long)]
        index: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        projects: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
        #[arg(long, default_value_t = 1)]
        rounds: usize,
        /// Merge the index into one segment first (as `agora reindex` and `import` leave it).
        #[arg(long)]
        merge: bool,
    },
    /// The same query mix on PostgreSQL full-text search (weighted tsvector + GIN), beside Agora.
    PgFts {
        #[arg(long, default_value_t = 100_000)]
        projects: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
        /// A server to create (and drop) a scratch database on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
    /// A full and an incremental GitHub sync against a local fake organisation.
    Sync {
        #[arg(long, default_value_t = 10_000)]
        repos: usize,
        /// Added to every response.
        #[arg(long, default_value_t = 50)]
        latency_ms: u64,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Which files the fake repositories hold.
        #[arg(long, value_enum, default_value_t = sync_bench::Files::Mixed)]
        files: sync_bench::Files,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Serve no GraphQL endpoint (404, as a server without it): files are read over REST.
        #[arg(long)]
        no_graphql: bool,
    },
    /// Simulated users (search, star/unstar, access requests) against a real `agora serve`.
    Load(load_bench::LoadArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Endpoint {
    Search,
    Suggest,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Generate {
            projects,
            seed,
            out,
        } => {
            let catalog = generate::catalog(projects, seed)?;
            std::fs::write(&out, generate::repos_json(&catalog)?)?;
            println!("wrote {projects} projects to {}", out.display());
        }
        Command::Queries {
            projects,
            seed,
            count,
            endpoint,
            out,
        } => {
            let catalog = generate::catalog(projects, seed)?;
            let lines: Vec<String> = match endpoint {
                Endpoint::Search => queries::search_mix(&catalog, count, seed)
                    .iter()
                    .map(queries::BenchQuery::http_path)
                    .collect(),
                Endpoint::Suggest => queries::suggest_mix(&catalog, count, seed)
                    .iter()
                    .map(|q| queries::suggest_path(q))
                    .collect(),
            };
            let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
            for line in lines {
                writeln!(file, "{line}")?;
            }
            file.flush()?;
        }
        Command::Search {
            projects,
            seed,
            queries,
            keep_dir,
        } => {
            for count in projects {
                search_bench::run(count, seed, queries, keep_dir.as_deref())?;
            }
        }
        Command::QueryIndex {
            index,
            projects,
            seed,
            queries,
            rounds,
            merge,
        } => search_bench::query_index(&index, projects, seed, queries, rounds, merge)?,
        Command::PgFts {
            projects,
            seed,
            queries,
            database_url,
        } => pg_fts::run(projects, seed, queries, &database_url)?,
        Command::Sync {
            repos,
            latency_ms,
            concurrency,
            files,
            seed,
            no_graphql,
        } => sync_bench::run(repos, latency_ms, concurrency, files, seed, !no_graphql)?,
        Command::Load(args) => load_bench::run(&args)?,
    }
    Ok(())
}
