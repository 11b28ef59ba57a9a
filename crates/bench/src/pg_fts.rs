//! `agora-bench pg-fts`: the query mix on PostgreSQL full-text search, set up as Backstage's
//! Postgres search engine does it (one STORED weighted tsvector, a GIN index, `ts_rank_cd`), beside
//! Agora's index over the same projects. Each word becomes `word:*` (exact or prefix), ANDed;
//! PostgreSQL has no typo tolerance and no facets, so it does less work per query than Agora.
//! Both sides see everything (no visibility filter), and both count the total.

use std::time::{Duration, Instant};

use agora_search::{Audience, ProjectDocument, SearchIndex};
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use rand::Rng;

use crate::generate::{self, Project};
use crate::queries::{self, BenchQuery};
use crate::search_bench;
use crate::stats::{self, Summary};

const INSERT_BATCH: usize = 2_000;

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code, reason = "selected to make PostgreSQL fetch the page")]
    id: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// A database of our own on the server, dropped when done (also after a failure).
struct ScratchDatabase {
    admin_url: String,
    name: String,
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

const SCHEMA: &str = "CREATE TABLE projects (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    title text,
    description text,
    topics text,
    readme text,
    language text,
    department text,
    topic_list text[] NOT NULL,
    stars bigint NOT NULL,
    doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A')
        || setweight(to_tsvector('english', coalesce(title, '')), 'B')
        || setweight(to_tsvector('english', coalesce(topics, '')), 'B')
        || setweight(to_tsvector('english', coalesce(description, '')), 'C')
        || setweight(to_tsvector('english', coalesce(readme, '')), 'D')
    ) STORED
)";

/// Rows go in as one JSON array per batch: a single bound parameter, however many rows.
const INSERT: &str = "INSERT INTO projects
    (id, name, title, description, topics, readme, language, department, topic_list, stars)
    SELECT id, name, title, description, topics, readme, language, department,
           ARRAY(SELECT json_array_elements_text(topic_list)), stars
    FROM json_to_recordset($1::json) AS x(
        id bigint, name text, title text, description text, topics text, readme text,
        language text, department text, topic_list json, stars bigint)";

fn row(project: &Project) -> serde_json::Value {
    serde_json::json!({
        "id": project.id,
        "name": project.name,
        "title": project.title,
        "description": project.description,
        "topics": project.topics.join(" "),
        "readme": project.readme,
        "language": project.language,
        "department": project.department,
        "topic_list": project.topics,
        "stars": project.stars,
    })
}

fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Every word as exact-or-prefix, ANDed; `None` for no word.
fn tsquery(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

fn sql(query: &BenchQuery) -> String {
    let mut conditions = Vec::new();
    let tsq = tsquery(&query.text);
    if let Some(tsq) = &tsq {
        conditions.push(format!("doc @@ to_tsquery('english', {})", literal(tsq)));
    }
    if let Some(language) = &query.language {
        conditions.push(format!("language = {}", literal(language)));
    }
    if let Some(department) = &query.department {
        conditions.push(format!("department = {}", literal(department)));
    }
    if let Some(topic) = &query.topic {
        conditions.push(format!("topic_list @> ARRAY[{}]", literal(topic)));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let order = match &tsq {
        Some(tsq) if !query.sort_by_stars => format!(
            "ts_rank_cd(doc, to_tsquery('english', {})) DESC",
            literal(tsq)
        ),
        _ => "stars DESC".to_owned(),
    };
    format!("SELECT id, count(*) OVER () AS total FROM projects {filter} ORDER BY {order} LIMIT 20")
}

fn document(project: &Project) -> ProjectDocument {
    ProjectDocument {
        id: project.id,
        name: project.name.clone(),
        full_name: project.full_name(),
        title: project.title.clone(),
        description: Some(project.description.clone()),
        topics: project.topics.clone(),
        readme: Some(project.readme.clone()),
        language: Some(project.language.clone()),
        department: Some(project.department.clone()),
        department_name: Some(project.department.clone()),
        html_url: format!("https://git.example.org/{}", project.full_name()),
        stars: u64::try_from(project.stars).unwrap_or_default(),
        visibility: project.visibility.to_owned(),
        published: true,
        ..ProjectDocument::default()
    }
}

pub fn run(count: usize, seed: u64, query_count: usize, admin_url: &str) -> anyhow::Result<()> {
    println!("\n## PostgreSQL FTS vs Agora: {count} projects (seed {seed})\n");
    let projects = generate::catalog(count, seed)?;
    let mix = queries::search_mix(&projects, query_count, seed);

    let name = format!("agora_bench_{:016x}", rand::rng().random::<u64>());
    let mut admin = PgConnection::establish(admin_url)?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
    let scratch = ScratchDatabase {
        admin_url: admin_url.to_owned(),
        name: name.clone(),
    };
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&name);
    let mut conn = PgConnection::establish(url.as_str())?;
    diesel::sql_query(SCHEMA).execute(&mut conn)?;

    let started = Instant::now();
    for chunk in projects.chunks(INSERT_BATCH) {
        let rows: Vec<serde_json::Value> = chunk.iter().map(row).collect();
        diesel::sql_query(INSERT)
            .bind::<Text, _>(serde_json::to_string(&rows)?)
            .execute(&mut conn)?;
    }
    let loaded = started.elapsed();
    let started = Instant::now();
    diesel::sql_query("CREATE INDEX projects_doc ON projects USING GIN (doc)")
        .execute(&mut conn)?;
    diesel::sql_query("ANALYZE projects").execute(&mut conn)?;
    let indexed = started.elapsed();
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        bytes: i64,
    }
    let size: Vec<Size> =
        diesel::sql_query("SELECT (pg_total_relation_size('projects'))::bigint AS bytes")
            .load(&mut conn)?;
    let gin: Vec<Size> =
        diesel::sql_query("SELECT (pg_relation_size('projects_doc'))::bigint AS bytes")
            .load(&mut conn)?;

    let statements: Vec<String> = mix.iter().map(sql).collect();
    for statement in &statements {
        diesel::sql_query(statement).load::<Hit>(&mut conn)?;
    }
    let mut pg_samples: Vec<Duration> = Vec::with_capacity(statements.len());
    let mut pg_zero = 0;
    for statement in &statements {
        let started = Instant::now();
        let hits = diesel::sql_query(statement).load::<Hit>(&mut conn)?;
        pg_samples.push(started.elapsed());
        if hits.first().is_none_or(|h| h.total == 0) {
            pg_zero += 1;
        }
    }
    let pg = Summary::of(&pg_samples);
    drop(conn);
    drop(scratch);

    // Agora over the same projects, fed straight from documents (the catalog is not under test).
    let temp = tempfile::tempdir()?;
    let (index, _) = SearchIndex::open_in_dir(&temp.path().join("index"))?;
    let started = Instant::now();
    for chunk in projects.chunks(INSERT_BATCH) {
        index.upsert(chunk.iter().map(document).collect())?;
    }
    index.flush_blocking()?;
    let agora_indexed = started.elapsed();
    let suggestions = queries::suggest_mix(&projects, 10, seed);
    let agora = search_bench::run_mixes(&index.uncached(), &mix, &suggestions, |_| {
        Audience::Everything
    })?;

    println!("| step | figure |\n|---|---:|");
    println!(
        "| PostgreSQL: load {count} rows (multi-row INSERT, tsvector computed) | {} |",
        stats::secs(loaded)
    );
    println!(
        "| PostgreSQL: GIN index + ANALYZE | {} |",
        stats::secs(indexed)
    );
    println!(
        "| PostgreSQL: table + indexes size | {:.0} MB (GIN {:.0} MB) |",
        stats::mb(size.first().map_or(0, |s| s.bytes.max(0) as u64)),
        stats::mb(gin.first().map_or(0, |s| s.bytes.max(0) as u64))
    );
    println!(
        "| Agora: index {count} documents directly | {} |",
        stats::secs(agora_indexed)
    );
    println!(
        "| Agora: index size | {:.0} MB |",
        stats::mb(index.size_on_disk())
    );
    println!(
        "| queries with no hit: PostgreSQL / Agora | {pg_zero} / {} of {} |",
        agora.zero_hit_queries,
        mix.len()
    );
    println!();
    println!("{}", Summary::HEADER);
    println!("{}", pg.row("PostgreSQL FTS (ts_rank_cd, top 20 + total)"));
    println!(
        "{}",
        agora
            .search
            .row("Agora in process (top 20 + total + facets + snippets)")
    );
    println!();
    println!(
        "PostgreSQL / Agora: p50 {:.1}×, p99 {:.1}×",
        pg.p50 / agora.search.p50.max(1e-9),
        pg.p99 / agora.search.p99.max(1e-9)
    );
    Ok(())
}
