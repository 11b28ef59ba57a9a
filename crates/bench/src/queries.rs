//! The fixed query mix every search bench runs (in process, over HTTP with wrk, and against
//! PostgreSQL): single words, two words, name prefixes, typos, exact names and the empty query
//! sorted by stars, about a quarter with a filter. Derived from the catalog and a seed only, so
//! it is the same list each time.

use agora_search::{Filters, SearchRequest, SortOrder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::generate::Project;
use crate::vocabulary::{DOMAIN, LANGUAGES, TECH};

#[derive(Debug, Clone)]
pub struct BenchQuery {
    pub kind: &'static str,
    pub text: String,
    pub sort_by_stars: bool,
    pub language: Option<String>,
    pub topic: Option<String>,
    pub department: Option<String>,
}

impl BenchQuery {
    pub fn request(&self) -> SearchRequest {
        SearchRequest {
            text: self.text.clone(),
            sort: if self.sort_by_stars {
                SortOrder::Stars
            } else {
                SortOrder::Relevance
            },
            filters: Filters {
                language: self.language.iter().cloned().collect(),
                topic: self.topic.iter().cloned().collect(),
                department: self.department.iter().cloned().collect(),
                ..Filters::default()
            },
            ..SearchRequest::default()
        }
    }

    /// The path and query string of `GET /api/v1/search`.
    pub fn http_path(&self) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("q", &self.text);
        if self.sort_by_stars {
            form.append_pair("sort", "stars");
        }
        for (key, value) in [
            ("language", &self.language),
            ("topic", &self.topic),
            ("department", &self.department),
        ] {
            if let Some(value) = value {
                form.append_pair(key, value);
            }
        }
        format!("/api/v1/search?{}", form.finish())
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// One edit (drop, swap or replace a letter) in a word of five letters or more.
fn typo(rng: &mut StdRng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 {
        return word.to_owned();
    }
    let at = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..3) {
        0 => {
            chars.remove(at);
        }
        1 => chars.swap(at, at + 1),
        _ => chars[at] = if chars[at] == 'e' { 'a' } else { 'e' },
    }
    chars.into_iter().collect()
}

fn long_word(rng: &mut StdRng) -> &'static str {
    loop {
        let word = *pick(rng, DOMAIN);
        if word.len() >= 5 {
            return word;
        }
    }
}

/// `count` search queries over `projects`.
pub fn search_mix(projects: &[Project], count: usize, seed: u64) -> Vec<BenchQuery> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5EA4C4);
    (0..count)
        .map(|_| {
            let project = pick(&mut rng, projects);
            let (kind, text, sort_by_stars) = match rng.random_range(0..100) {
                0..=19 => ("word", (*pick(&mut rng, DOMAIN)).to_owned(), false),
                20..=34 => (
                    "two words",
                    format!("{} {}", pick(&mut rng, DOMAIN), pick(&mut rng, TECH)),
                    false,
                ),
                35..=49 => {
                    let len = rng.random_range(3..=6).min(project.name.len());
                    let prefix: String = project.name.chars().take(len).collect();
                    ("name prefix", prefix, false)
                }
                50..=64 => {
                    let word = long_word(&mut rng);
                    ("typo", typo(&mut rng, word), false)
                }
                65..=79 => ("exact name", project.name.clone(), false),
                80..=89 => ("empty, by stars", String::new(), true),
                _ => (
                    "word + tech",
                    format!("{} {}", pick(&mut rng, TECH), pick(&mut rng, DOMAIN)),
                    false,
                ),
            };
            let mut query = BenchQuery {
                kind,
                text,
                sort_by_stars,
                language: None,
                topic: None,
                department: None,
            };
            match rng.random_range(0..100) {
                0..=9 => query.language = Some(pick(&mut rng, LANGUAGES).0.to_owned()),
                10..=17 => query.department = Some(project.department.clone()),
                18..=24 => query.topic = project.topics.first().cloned(),
                _ => {}
            }
            query
        })
        .collect()
}

/// `count` search-as-you-type inputs: name prefixes, word prefixes, a word and a partial second.
pub fn suggest_mix(projects: &[Project], count: usize, seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5066E57);
    (0..count)
        .map(|_| {
            let project = pick(&mut rng, projects);
            match rng.random_range(0..3) {
                0 => {
                    let len = rng.random_range(1..=8).min(project.name.len());
                    project.name.chars().take(len).collect()
                }
                1 => {
                    let word = *pick(&mut rng, DOMAIN);
                    let len = rng.random_range(1..=word.len());
                    word.chars().take(len).collect()
                }
                _ => {
                    let second = *pick(&mut rng, KINDS_OR_TECH);
                    let len = rng.random_range(1..=second.len());
                    format!(
                        "{} {}",
                        pick(&mut rng, DOMAIN),
                        second.chars().take(len).collect::<String>()
                    )
                }
            }
        })
        .collect()
}

const KINDS_OR_TECH: &[&str] = crate::vocabulary::KINDS;

/// The path and query string of `GET /api/v1/suggest`.
pub fn suggest_path(text: &str) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("q", text);
    format!("/api/v1/suggest?{}", form.finish())
}
