//! Suggestions for search-as-you-type: the few projects whose name or title begins with what has
//! been typed so far. Every word typed must be found in the name or the title; the last one (still
//! being typed) may be a prefix, read from the edge n-gram fields `name_prefix` and
//! `title_prefix`. Descriptions and READMEs are not consulted, which keeps this cheap enough for
//! every keystroke. The caller's visibility filter applies as for `search`.

use std::sync::Arc;

use serde::Serialize;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Score, TantivyDocument};

use crate::analyzer::{self, PREFIX_MAX_CHARS, QueryWord};
use crate::error::SearchError;
use crate::index::SearchIndex;
use crate::ranking::{self, boosted, term, term_freqs};
use crate::schema::Fields;
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
        let top = searcher.search(
            &*matched,
            &audience.restrict(&data, ranking::top_by_relevance(MAX_SUGGESTIONS, 0, &data)),
        )?;
        let suggestions: Vec<Suggestion> = top
            .into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let text = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                };
                Ok(Suggestion {
                    id: doc.get_first(f.id).and_then(|v| v.as_u64()).unwrap_or(0),
                    name: text(f.name).unwrap_or_default(),
                    title: text(f.title),
                    full_name: text(f.full_name).unwrap_or_default(),
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
fn suggest_query(f: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let mut words = analyzer::query_words(text);
    words.truncate(MAX_WORDS);
    let parts: Vec<&String> = words.iter().flat_map(|w| w.parts.iter()).collect();
    let last = parts.len().checked_sub(1)?;
    let all_parts: Vec<(Occur, Box<dyn Query>)> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let mut ways: Vec<(Occur, Box<dyn Query>)> = vec![
                (Occur::Should, boosted(term_freqs(f.name, part), NAME)),
                (Occur::Should, boosted(term_freqs(f.title, part), TITLE)),
            ];
            if i == last {
                // Longer prefixes were not indexed; the whole word then still matches above.
                let prefix: String = part.chars().take(PREFIX_MAX_CHARS).collect();
                ways.push((
                    Occur::Should,
                    boosted(term_freqs(f.name_prefix, &prefix), NAME_PREFIX),
                ));
                ways.push((
                    Occur::Should,
                    boosted(term_freqs(f.title_prefix, &prefix), TITLE_PREFIX),
                ));
            }
            (
                Occur::Must,
                Box::new(BooleanQuery::new(ways)) as Box<dyn Query>,
            )
        })
        .collect();
    let key: String = words.iter().map(QueryWord::joined).collect();
    Some(Box::new(BooleanQuery::new(vec![
        (Occur::Should, Box::new(BooleanQuery::new(all_parts))),
        (
            Occur::Should,
            Box::new(ConstScoreQuery::new(
                term(f.name_exact, &key, IndexRecordOption::Basic),
                WHOLE_NAME,
            )),
        ),
    ])))
}
