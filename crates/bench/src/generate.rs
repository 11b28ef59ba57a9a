//! A deterministic generator of realistic synthetic catalogs: the same (size, seed) always gives
//! the same projects, so every bench, the wrk query mix and the PostgreSQL comparison see the
//! same data. Names, descriptions and READMEs are built from `vocabulary`; stars follow a Pareto
//! (Zipf-like) law, languages and departments weighted lists, dates six years back from a fixed
//! day (never the clock, which would break determinism).

use std::collections::HashSet;

use agora_forge::repos_json::{AgoraMetadata, SapLicense, SapOwner, SapRepository};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::distr::{Distribution, weighted::WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::vocabulary::{
    AUDIENCES, CONTRIBUTIONS, DEPARTMENTS, DOMAIN, KINDS, LANGUAGES, LICENSES, SKILLS, TECH, VERBS,
    topics,
};

/// One synthetic project, before it becomes a repos.json entry or a search document.
#[derive(Debug, Clone)]
pub struct Project {
    pub id: u64,
    pub name: String,
    pub department: String,
    pub title: Option<String>,
    pub description: String,
    pub readme: String,
    pub topics: Vec<String>,
    pub language: String,
    pub license: Option<usize>,
    pub stars: i64,
    pub forks: i64,
    pub created_at: DateTime<Utc>,
    pub pushed_at: DateTime<Utc>,
    pub visibility: &'static str,
    /// innersource.json content (title, motivation, contributions…) for about half.
    pub innersource: Option<InnerSource>,
}

#[derive(Debug, Clone)]
pub struct InnerSource {
    pub motivation: String,
    pub contributions: Vec<String>,
    pub skills: Vec<String>,
    pub guidelines: bool,
}

impl Project {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.department, self.name)
    }
}

/// The fixed "today" of every generated catalog.
pub fn reference_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub struct Generator {
    rng: StdRng,
    topics: Vec<String>,
    languages: WeightedIndex<u32>,
    departments: WeightedIndex<u32>,
    names: HashSet<String>,
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

impl Generator {
    pub fn new(seed: u64) -> anyhow::Result<Self> {
        Ok(Self {
            rng: StdRng::seed_from_u64(seed),
            topics: topics(),
            languages: WeightedIndex::new(LANGUAGES.iter().map(|(_, w)| *w))?,
            departments: WeightedIndex::new(DEPARTMENTS.iter().map(|(_, w)| *w))?,
            names: HashSet::new(),
        })
    }

    /// Pareto with α ≈ 1.1: ~90 % of projects have 0–10 stars, a handful have thousands.
    fn stars(&mut self) -> i64 {
        let u: f64 = self.rng.random_range(0.0001..1.0);
        let value = u.powf(-1.0 / 1.1) - 1.0;
        (value.floor() as i64).min(25_000)
    }

    fn name(&mut self) -> String {
        let words = match self.rng.random_range(0..10) {
            0..=2 => 1,
            3..=7 => 2,
            _ => 3,
        };
        let mut parts: Vec<String> = (0..words)
            .map(|_| (*pick(&mut self.rng, DOMAIN)).to_owned())
            .collect();
        if self.rng.random_bool(0.7) {
            parts.push((*pick(&mut self.rng, KINDS)).to_owned());
        }
        parts.dedup();
        let base = match self.rng.random_range(0..100) {
            // CamelCase, as Java and .NET shops name things.
            0..=14 => parts.iter().map(|p| capitalise(p)).collect::<String>(),
            15..=19 => parts.join("_"),
            _ => parts.join("-"),
        };
        let mut name = base.clone();
        let mut n = 2;
        while !self.names.insert(name.to_lowercase()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }

    fn sentence(&mut self, language: &str) -> String {
        let a = *pick(&mut self.rng, DOMAIN);
        let b = *pick(&mut self.rng, DOMAIN);
        let tech = *pick(&mut self.rng, TECH);
        let verb = *pick(&mut self.rng, VERBS);
        let audience = *pick(&mut self.rng, AUDIENCES);
        match self.rng.random_range(0..5) {
            0 => format!("{language} service that {verb} {a} and {b} data for {audience}."),
            1 => format!("Shared {a} library that {verb} {b} records, built on {tech}."),
            2 => format!("A {tech} based tool which {verb} {a} {b} documents."),
            3 => format!("{} {b} integration used by {audience}.", capitalise(a)),
            _ => format!("Keeps {a} in sync with {b}; {verb} changes through {tech}."),
        }
    }

    /// A README of 1–8 KB (most 1–3 KB): title, what, getting started, contributing.
    fn readme(&mut self, name: &str, description: &str, language: &str) -> String {
        let target = match self.rng.random_range(0..10) {
            0..=5 => self.rng.random_range(1_000..3_000),
            6..=8 => self.rng.random_range(3_000..5_500),
            _ => self.rng.random_range(5_500..8_000),
        };
        let mut text = format!("# {name}\n\n{description}\n\n## What it does\n\n");
        while text.len() < target / 2 {
            let sentence = self.sentence(language);
            text.push_str(&sentence);
            text.push(' ');
        }
        text.push_str("\n\n## Features\n\n");
        for _ in 0..self.rng.random_range(3..7) {
            let verb = *pick(&mut self.rng, VERBS);
            let word = *pick(&mut self.rng, DOMAIN);
            let tech = *pick(&mut self.rng, TECH);
            text.push_str(&format!("- {} {word} with {tech}\n", capitalise(verb)));
        }
        text.push_str(&format!(
            "\n## Getting started\n\n```sh\ngit clone https://git.example.org/{name}.git\ncd {name}\nmake run\n```\n\n"
        ));
        while text.len() < target.saturating_sub(300) {
            let sentence = self.sentence(language);
            text.push_str(&sentence);
            text.push(' ');
        }
        text.push_str(
            "\n\n## Contributing\n\nIssues and merge requests are welcome. Read CONTRIBUTING.md \
             first, run the tests before you push, and ask in the project channel when in doubt.\n",
        );
        text
    }

    pub fn project(&mut self, id: u64) -> Project {
        let name = self.name();
        let department = DEPARTMENTS[self.departments.sample(&mut self.rng)]
            .0
            .to_owned();
        let language = LANGUAGES[self.languages.sample(&mut self.rng)].0.to_owned();
        let description = if self.rng.random_bool(0.5) {
            self.sentence(&language)
        } else {
            format!("{} {}", self.sentence(&language), self.sentence(&language))
        };
        let readme = self.readme(&name, &description, &language);
        let count = self.rng.random_range(2..=6);
        let mut topics: Vec<String> = (0..count)
            .map(|_| pick(&mut self.rng, &self.topics).clone())
            .collect();
        topics.sort();
        topics.dedup();
        let day = reference_day();
        let created_at = day - Duration::seconds(self.rng.random_range(0..6 * 365 * 86_400));
        let age = (day - created_at).num_seconds().max(1);
        // Skewed to recent: the square of a uniform draw.
        let back: f64 = self.rng.random::<f64>().powi(2);
        let pushed_at = day - Duration::seconds((back * age as f64) as i64);
        let visibility = match self.rng.random_range(0..100) {
            0..=9 => "private",
            10..=24 => "public",
            _ => "internal",
        };
        let stars = self.stars();
        let innersource = self.rng.random_bool(0.5).then(|| InnerSource {
            motivation: self.sentence(&language),
            contributions: (0..self.rng.random_range(1..4))
                .map(|_| (*pick(&mut self.rng, CONTRIBUTIONS)).to_owned())
                .collect(),
            skills: (0..self.rng.random_range(1..4))
                .map(|_| (*pick(&mut self.rng, SKILLS)).to_owned())
                .collect(),
            guidelines: self.rng.random_bool(0.7),
        });
        let title = innersource.as_ref().map(|_| {
            name.split(['-', '_'])
                .map(capitalise)
                .collect::<Vec<_>>()
                .join(" ")
        });
        Project {
            id,
            name,
            department,
            title,
            description,
            readme,
            topics,
            language,
            license: self
                .rng
                .random_bool(0.6)
                .then(|| self.rng.random_range(0..LICENSES.len())),
            stars,
            forks: stars / 5,
            created_at,
            pushed_at,
            visibility,
            innersource,
        }
    }
}

/// `count` projects for `seed`, ids from 1.
pub fn catalog(count: usize, seed: u64) -> anyhow::Result<Vec<Project>> {
    let mut generator = Generator::new(seed)?;
    Ok((1..=count as u64).map(|id| generator.project(id)).collect())
}

/// The repos.json entry `agora import` reads.
pub fn to_sap(project: &Project) -> SapRepository {
    let full_name = project.full_name();
    let mut meta = serde_json::Map::new();
    meta.insert("topics".to_owned(), json!(project.topics));
    // A year of weekly commit counts, derived from the stars so that it costs no randomness.
    let weekly = (project.stars % 13) + i64::from(project.visibility == "public");
    meta.insert("participation".to_owned(), json!(vec![weekly; 52]));
    if let Some(inner) = &project.innersource {
        if let Some(title) = &project.title {
            meta.insert("title".to_owned(), json!(title));
        }
        meta.insert("motivation".to_owned(), json!(inner.motivation));
        meta.insert("contributions".to_owned(), json!(inner.contributions));
        meta.insert("skills".to_owned(), json!(inner.skills));
        if inner.guidelines {
            meta.insert("guidelines".to_owned(), json!("CONTRIBUTING.md"));
        }
        meta.insert("score".to_owned(), json!(project.stars * 3));
    }
    SapRepository {
        id: Value::from(100_000 + project.id),
        name: project.name.clone(),
        html_url: format!("https://git.example.org/{full_name}"),
        full_name,
        description: Some(project.description.clone()),
        created_at: Some(project.created_at),
        updated_at: Some(project.pushed_at),
        pushed_at: Some(project.pushed_at),
        stargazers_count: project.stars,
        watchers_count: project.stars,
        language: Some(project.language.clone()),
        forks_count: project.forks,
        open_issues_count: project.stars % 17,
        license: project.license.map(|i| SapLicense {
            key: Some(LICENSES[i].0.to_owned()),
            name: Some(LICENSES[i].1.to_owned()),
            spdx_id: Some(LICENSES[i].2.to_owned()),
        }),
        default_branch: Some("main".to_owned()),
        owner: SapOwner {
            login: project.department.clone(),
            avatar_url: None,
        },
        innersource_metadata: meta,
        agora_metadata: Some(AgoraMetadata {
            department: Some(project.department.clone()),
            visibility: Some(project.visibility.to_owned()),
            readme: Some(project.readme.clone()),
            archived: false,
        }),
    }
}

/// The whole catalog as a repos.json document.
pub fn repos_json(projects: &[Project]) -> anyhow::Result<String> {
    let entries: Vec<SapRepository> = projects.iter().map(to_sap).collect();
    Ok(serde_json::to_string(&entries)?)
}
