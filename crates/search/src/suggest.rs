//! Suggestions for search-as-you-type: the few projects whose name or title begins with what has
//! been typed so far. Every word typed must be found in the name or the title; the last one (still
//! being typed) may be a prefix, read from the edge n-gram fields `name_prefix` and
//! `title_prefix`. Descriptions and READMEs are not consulted, which keeps this cheap enough for
//! every keystroke. The caller's visibility filter applies as for `search`.

use std::sync::Arc;

use serde::Serialize;
use tantivy::{Score, Term};

use crate::analyzer::{self, PREFIX_MAX_CHARS, QueryWord};
use crate::error::SearchError;
use crate::filter::Filters;
use crate::index::SearchIndex;
use crate::matching::{self, Matched, Plan};
use crate::query::{SortOrder, StoredFields};
use crate::schema::Fields;
use crate::text_query::{Clause, TextQuery};
use crate::visibility::Audience;

/// A dropdown longer than this is not read.
pub const MAX_SUGGESTIONS: usize = 8;
/// A suggestion is for the first few words; more narrow nothing further.
const MAX_WORDS: usize = 8;

/// A whole word of the name weighs most, then the name's prefix, then the title's words.
const NAME: Score = 10.0;
const NAME_PREFIX: Score = 5.0;
const TITLE: Score = 3.0;
const TITLE_PREFIX: Score = 1.5;
/// What was typed is the whole name (see `ranking`).
const WHOLE_NAME: Score = 100.0;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub id: u64,
    pub name: String,
    pub title: Option<String>,
    pub full_name: String,
}

impl SearchIndex {
    /// At most `MAX_SUGGESTIONS` projects for `text`, best first; none for empty text.
    pub fn suggest(&self, text: &str, audience: Audience) -> Result<Vec<Suggestion>, SearchError> {
        let f = &self.fields;
        let Some(matched) = suggest_query(f, text) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = (text.to_owned(), audience);
        let cache = self.caches.as_ref().map(|c| &c.suggest);
        if let Some(answer) = cache.and_then(|c| c.get(&key, generation)) {
            return Ok(Vec::clone(&answer));
        }
        let data = self.segment_data.prepare(&searcher)?;
        // Matched like a search (see `matching`), without facets: the words' postings into
        // bitsets and scores, ANDed with what the caller may see, the best few by score.
        let Matched { page, .. } = matching::run(
            &searcher,
            f,
            &data,
            audience,
            &Plan {
                text: Some(&matched),
                filters: &Filters::default(),
                sort: SortOrder::Relevance,
                limit: MAX_SUGGESTIONS,
                offset: 0,
                facets: false,
            },
        )?;
        let suggestions: Vec<Suggestion> = page
            .into_iter()
            .map(|(_, address)| {
                let mut doc: StoredFields = searcher.doc(address)?;
                Ok(Suggestion {
                    id: doc.number(f.id).unwrap_or(0),
                    name: doc.take_text(f.name).unwrap_or_default(),
                    title: doc.take_text(f.title),
                    full_name: doc.take_text(f.full_name).unwrap_or_default(),
                })
            })
            .collect::<Result<_, SearchError>>()?;
        if let Some(cache) = cache {
            cache.insert(key, generation, Arc::new(suggestions.clone()));
        }
        Ok(suggestions)
    }
}

/// Every part of every word in the name or the title, the very last part also as a prefix; `None`
/// when `text` holds no word. Unlike `search`, the last word is a prefix even after a space: a
/// suggestion list that empties when the space bar is pressed looks broken.
fn suggest_query(f: &Fields, text: &str) -> Option<TextQuery> {
    let mut words = analyzer::query_words(text);
    words.truncate(MAX_WORDS);
    let parts: Vec<&String> = words.iter().flat_map(|w| w.parts.iter()).collect();
    let last = parts.len().checked_sub(1)?;
    let scored = |field, text: &str, weight| Clause::Scored {
        term: Term::from_field_text(field, text),
        weight,
    };
    let all_parts: Vec<Clause> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let mut ways = vec![scored(f.name, part, NAME), scored(f.title, part, TITLE)];
            if i == last {
                // Longer prefixes were not indexed; the whole word then still matches above.
                let prefix: String = part.chars().take(PREFIX_MAX_CHARS).collect();
                ways.push(scored(f.name_prefix, &prefix, NAME_PREFIX));
                ways.push(scored(f.title_prefix, &prefix, TITLE_PREFIX));
            }
            Clause::Any(ways)
        })
        .collect();
    let key: String = words.iter().map(QueryWord::joined).collect();
    Some(TextQuery::new(Clause::Any(vec![
        Clause::All(all_parts),
        Clause::Constant {
            term: Term::from_field_text(f.name_exact, &key),
            score: WHOLE_NAME,
        },
    ])))
}
