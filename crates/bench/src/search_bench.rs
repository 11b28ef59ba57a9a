//! `agora-bench search`: a catalog of N synthetic projects imported through the real pipeline
//! (`Indexer::import_repos_json` into SQLite and an on-disk index), then, in process: a full
//! reindex, the search and suggest query mixes, the time from a catalog change to a searchable
//! result, and what it all costs on disk and in memory.

use std::path::Path;
use std::time::{Duration, Instant};

use agora_catalog::schema::repositories;
use agora_catalog::{Catalog, DatabaseUrl};
use agora_indexer::{Indexer, NoProgress};
use agora_search::{Audience, SearchIndex, SearchRequest, SortOrder};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};

use crate::generate::{self, Project};
use crate::queries::{self, BenchQuery};
use crate::stats::{self, Summary};

/// Change-to-searchable rounds (half description edits, half star changes).
const FRESHNESS_ROUNDS: usize = 20;
/// A change not visible after this long is reported as such rather than waited for.
const FRESHNESS_GIVE_UP: Duration = Duration::from_secs(30);

pub struct SearchFigures {
    pub search: Summary,
    pub by_kind: Vec<(String, Summary)>,
    pub suggest: Summary,
    pub zero_hit_queries: usize,
}

/// The audience of the i-th query: mostly members of some department, a few admins.
fn audience(i: usize) -> Audience {
    if i % 5 == 4 {
        Audience::Everything
    } else {
        Audience::Member {
            department_id: Some(1 + (i as u64 * 7) % 40),
        }
    }
}

/// Runs the search mix (once to warm up, once measured) and the suggest mix on `index`.
pub fn run_mixes(
    index: &SearchIndex,
    mix: &[BenchQuery],
    suggestions: &[String],
    audience_of: impl Fn(usize) -> Audience,
) -> anyhow::Result<SearchFigures> {
    for (i, query) in mix.iter().enumerate() {
        index.search(&query.request(), audience_of(i))?;
    }
    let mut samples = Vec::with_capacity(mix.len());
    let mut kinds: Vec<(&'static str, Vec<Duration>)> = Vec::new();
    let mut zero_hit_queries = 0;
    for (i, query) in mix.iter().enumerate() {
        let request = query.request();
        let started = Instant::now();
        let results = index.search(&request, audience_of(i))?;
        let took = started.elapsed();
        samples.push(took);
        if results.total == 0 {
            zero_hit_queries += 1;
        }
        match kinds.iter_mut().find(|(k, _)| *k == query.kind) {
            Some((_, v)) => v.push(took),
            None => kinds.push((query.kind, vec![took])),
        }
    }
    for (i, text) in suggestions.iter().enumerate() {
        index.suggest(text, audience_of(i))?;
    }
    let mut suggest = Vec::with_capacity(suggestions.len());
    for (i, text) in suggestions.iter().enumerate() {
        let started = Instant::now();
        index.suggest(text, audience_of(i))?;
        suggest.push(started.elapsed());
    }
    Ok(SearchFigures {
        search: Summary::of(&samples),
        by_kind: kinds
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Summary::of(&v)))
            .collect(),
        suggest: Summary::of(&suggest),
        zero_hit_queries,
    })
}

/// Polls `visible` until it holds; the time it took, or `None` after `FRESHNESS_GIVE_UP`.
fn wait_until(
    started: Instant,
    visible: impl Fn() -> anyhow::Result<bool>,
) -> anyhow::Result<Option<Duration>> {
    loop {
        if visible()? {
            return Ok(Some(started.elapsed()));
        }
        if started.elapsed() > FRESHNESS_GIVE_UP {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Catalog write → `refresh_project` → visible in search, for descriptions and star counts.
fn freshness(
    runtime: &tokio::runtime::Runtime,
    indexer: &Indexer,
    projects: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let mut samples = Vec::new();
    let mut missed = 0;
    // Above every star count in the catalog, earlier runs' on a kept directory included, so
    // that the edited project becomes the most starred one.
    let most_stars = runtime
        .block_on(indexer.catalog.read(|conn| {
            Ok(repositories::table
                .select(diesel::dsl::max(repositories::stars))
                .first::<Option<i64>>(conn)?)
        }))?
        .unwrap_or(0);
    for round in 0..FRESHNESS_ROUNDS {
        // Catalog ids follow the import order: 1..=N.
        let id = 1 + ((round * 7_919) % projects) as i64;
        let started = Instant::now();
        let seen = if round % 2 == 0 {
            let token = format!("zqfresh{round}x");
            let description = format!("Edited for the freshness bench: {token}.");
            runtime.block_on(indexer.catalog.write(move |conn| {
                diesel::update(repositories::table.find(id))
                    .set(repositories::description.eq(description))
                    .execute(conn)?;
                Ok(())
            }))?;
            runtime.block_on(indexer.refresh_project(id))?;
            let request = SearchRequest {
                text: token,
                ..SearchRequest::default()
            };
            wait_until(started, || {
                Ok(indexer.index.search(&request, Audience::Everything)?.total > 0)
            })?
        } else {
            let stars = most_stars + 1 + round as i64;
            runtime.block_on(indexer.catalog.write(move |conn| {
                diesel::update(repositories::table.find(id))
                    .set(repositories::stars.eq(stars))
                    .execute(conn)?;
                Ok(())
            }))?;
            runtime.block_on(indexer.refresh_project(id))?;
            let request = SearchRequest {
                sort: SortOrder::Stars,
                limit: 1,
                ..SearchRequest::default()
            };
            wait_until(started, || {
                let top = indexer.index.search(&request, Audience::Everything)?;
                Ok(top.hits.first().is_some_and(|h| h.stars == stars as u64))
            })?
        };
        match seen {
            Some(took) => samples.push(took),
            None => missed += 1,
        }
    }
    Ok((samples, missed))
}

pub fn run(
    projects_count: usize,
    seed: u64,
    queries: usize,
    keep_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!("\n## Search bench: {projects_count} projects (seed {seed})\n");

    let started = Instant::now();
    let projects: Vec<Project> = generate::catalog(projects_count, seed)?;
    let text = generate::repos_json(&projects)?;
    let generated = started.elapsed();
    let json_mb = stats::mb(text.len() as u64);

    let temp = tempfile::tempdir()?;
    let dir = keep_dir.unwrap_or(temp.path());
    std::fs::create_dir_all(dir)?;
    let catalog = Catalog::open(&DatabaseUrl::sqlite_file(&dir.join("agora.db")))?;
    let (index, _) = SearchIndex::open_in_dir(&dir.join("index"))?;
    let indexer = Indexer::new(catalog, index);

    // A kept directory that already holds this catalog is reused: the import is the slow part,
    // and reruns of the query figures do not need it.
    let stored = runtime.block_on(indexer.catalog.read(agora_catalog::repositories::count))?;
    let started = Instant::now();
    let reused = keep_dir.is_some() && usize::try_from(stored).ok() == Some(projects_count);
    if !reused {
        let report = runtime.block_on(indexer.import_repos_json("bench", &text, &NoProgress))?;
        anyhow::ensure!(
            report.rejected.is_empty(),
            "{} entries were rejected, the first: {:?}",
            report.rejected.len(),
            report.rejected.first()
        );
    }
    let imported = started.elapsed();
    drop(text);
    let (rss_after_import, _) = stats::rss_mb();

    let started = Instant::now();
    let reindexed = runtime.block_on(indexer.reindex(&NoProgress))?;
    let reindex = started.elapsed();
    let segments = indexer.index.segment_count();
    let started = Instant::now();
    runtime.block_on(indexer.index.merge_segments())?;
    let merge = started.elapsed();

    let mix = queries::search_mix(&projects, queries, seed);
    let suggestions = queries::suggest_mix(&projects, queries, seed);
    // The engine itself: every query searched, none answered from the answer cache.
    let figures = run_mixes(&indexer.index.uncached(), &mix, &suggestions, audience)?;
    // The server's path: the same mix again through the cache (filled by run_mixes' warm-up).
    let cached = run_mixes(&indexer.index, &mix, &suggestions, audience)?;
    let (fresh, missed) = freshness(&runtime, &indexer, projects_count)?;
    let fresh = Summary::of(&fresh);

    let index_bytes = indexer.index.size_on_disk();
    let db_bytes = ["agora.db", "agora.db-wal", "agora.db-shm"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum::<u64>();
    let (rss, peak) = stats::rss_mb();

    println!("| step | figure |\n|---|---:|");
    println!(
        "| generate {projects_count} projects + serialise | {} |",
        stats::secs(generated)
    );
    println!("| repos.json size | {json_mb:.0} MB |");
    if reused {
        println!("| import | reused the catalog in the kept directory |");
    } else {
        println!(
            "| import (`Indexer::import_repos_json`, SQLite + index) | {} ({:.0} projects/s) |",
            stats::secs(imported),
            projects_count as f64 / imported.as_secs_f64()
        );
    }
    println!(
        "| full reindex (`Indexer::reindex`, {reindexed} docs) | {} |",
        stats::secs(reindex)
    );
    println!(
        "| merge the reindexed {segments} segments into one (searches go on meanwhile) | {} |",
        stats::secs(merge)
    );
    println!("| index size on disk | {:.0} MB |", stats::mb(index_bytes));
    println!("| SQLite catalog size | {:.0} MB |", stats::mb(db_bytes));
    println!(
        "| search queries with no hit | {} of {} |",
        figures.zero_hit_queries,
        mix.len()
    );
    println!(
        "| change → searchable rounds not visible within {} s | {missed} |",
        FRESHNESS_GIVE_UP.as_secs()
    );
    println!("| RSS after import | {rss_after_import:.0} MB |");
    println!("| RSS at the end (VmRSS) | {rss:.0} MB |");
    println!(
        "| peak RSS (VmHWM, includes the generated catalog and repos.json text) | {peak:.0} MB |"
    );
    println!();
    println!("{}", Summary::HEADER);
    println!("{}", figures.search.row("search, whole mix (facets on)"));
    for (kind, summary) in &figures.by_kind {
        println!("{}", summary.row(&format!("search: {kind}")));
    }
    println!("{}", figures.suggest.row("suggest"));
    println!(
        "{}",
        cached
            .search
            .row("search, whole mix, answered by the answer cache")
    );
    println!(
        "{}",
        cached.suggest.row("suggest, answered by the answer cache")
    );
    println!(
        "{}",
        fresh.row("change → searchable (catalog write + refresh_project + commit)")
    );
    Ok(())
}

/// `agora-bench query-index`: the query mixes on an index already built (by `search --keep-dir`),
/// `rounds` times, with the answer cache off — for profiling the engine without a reindex.
pub fn query_index(
    index_dir: &Path,
    projects_count: usize,
    seed: u64,
    queries: usize,
    rounds: usize,
    merge: bool,
) -> anyhow::Result<()> {
    let (index, outcome) = SearchIndex::open_in_dir(index_dir)?;
    anyhow::ensure!(
        !outcome.needs_fill(),
        "{} holds no usable index ({outcome:?}); build one with `search --keep-dir`",
        index_dir.display()
    );
    let segments = index.segment_count();
    if merge {
        let started = Instant::now();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(index.merge_segments())?;
        eprintln!(
            "merged {segments} segments into {} in {}",
            index.segment_count(),
            stats::secs(started.elapsed())
        );
    } else {
        eprintln!("{segments} segments");
    }
    let projects: Vec<Project> = generate::catalog(projects_count, seed)?;
    let mix = queries::search_mix(&projects, queries, seed);
    let suggestions = queries::suggest_mix(&projects, queries, seed);
    let engine = index.uncached();
    println!("{}", Summary::HEADER);
    for round in 1..=rounds {
        let figures = run_mixes(&engine, &mix, &suggestions, audience)?;
        println!("{}", figures.search.row(&format!("round {round}: search")));
        for (kind, summary) in &figures.by_kind {
            println!("{}", summary.row(&format!("round {round}: search: {kind}")));
        }
        println!(
            "{}",
            figures.suggest.row(&format!("round {round}: suggest"))
        );
    }
    Ok(())
}
