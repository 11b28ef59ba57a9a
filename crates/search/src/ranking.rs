//! Relevance: what people type becomes a tantivy query built by hand, term by term (never through
//! the query parser, so no input is a syntax error), and the popularity prior applied on top.
//!
//! Every identifier typed is required (AND across words), but it may be satisfied in several
//! ways, scored from strongest to weakest: the exact term in a field (BM25, weighted per field:
//! name ≫ name prefix ≫ title/topics ≫ description ≫ README), the prefix of the last word in the
//! name (search-as-you-type), or a one- or two-letter typo (a constant score below any exact
//! match). When the whole query is the whole name (`tech radar` for `tech-radar`) a large constant
//! bonus puts that project first. Scores are then multiplied by a small, log-scaled popularity
//! prior (stars, and a little of the sync's activity score) that orders near-ties without
//! overturning a clearly better text match.

use std::sync::Arc;

use tantivy::collector::{Collector, TopDocs};
use tantivy::query::{BoostQuery, DfaWrapper, FuzzyTermQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, Score, SegmentReader, Term};
use tantivy_fst::Automaton;

use crate::analyzer::{self, PREFIX_MAX_CHARS, QueryWord};
use crate::schema::Fields;
use crate::segment_data::SearcherData;
use crate::text_query::{Clause, TextQuery};

/// Per-field weights of an exact word. A word in the name says far more about a project than one
/// in its README; unstemmed prose weighs above its stemmed copy, so the stem only adds recall.
/// (READMEs have no stemmed copy: see `schema::Fields::readme`.)
const NAME: Score = 10.0;
/// Below the name: `owner/name` repeats the name, and the owner alone is a weak topic signal.
const FULL_NAME: Score = 2.0;
const TITLE: Score = 2.5;
const TOPICS: Score = 2.5;
const DESCRIPTION: Score = 1.0;
const DESCRIPTION_STEMMED: Score = 0.4;
const README: Score = 0.3;
/// The last word as a prefix of a name word: below an exact name word, above title and topics.
const NAME_PREFIX: Score = 5.0;
/// A typo match scores a constant (tantivy's fuzzy query cannot rank by distance), kept below
/// what any exact match of a word in its field earns. A document holding the word as typed
/// gets no typo score for it (see `Typos`).
const FUZZY_NAME: Score = 0.5;
const FUZZY_TEXT: Score = 0.2;
/// The whole query is the whole name: added on top of the word scores that project also earns
/// (its name holds every word), so that exact name comes first whatever the prior or the prose
/// of other projects say.
const WHOLE_NAME: Score = 100.0;
/// Weight of `log10(1 + stars + agora_stars)` in the prior: ×1.15 at 900 stars, ×1.3 at a
/// million, so it orders near-ties but cannot bridge the gaps between the tiers above.
const POPULARITY: Score = 0.05;
/// Weight of `log10(1 + activity_score)`, capped at `ACTIVITY_CAP`: at most ×1.08, so a busy
/// project wins a tie with an equally starred quiet one, and nothing more.
const ACTIVITY: Score = 0.02;
const ACTIVITY_CAP: Score = 4.0;

/// Longer queries are cut: no one types twenty words, and each word costs several term lookups.
const MAX_WORDS: usize = 16;

/// Typos allowed: none below 5 characters (a four-letter word has too many one-letter
/// neighbours: `tech` would find `tach` and `teck`), one from 5, two from 9.
fn typo_distance(part: &str) -> u8 {
    match part.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The query for `text`, or `None` when it holds no word (empty, punctuation, quotes).
pub(crate) fn text_query(f: &Fields, text: &str) -> Option<TextQuery> {
    let mut words = analyzer::query_words(text);
    words.truncate(MAX_WORDS);
    // A word still being typed (no space after it yet) may be a prefix.
    let last_is_prefix = !text.ends_with(char::is_whitespace);
    let last = words.len().checked_sub(1)?;
    let all_words = Clause::All(
        words
            .iter()
            .enumerate()
            .map(|(i, word)| word_clause(f, word, last_is_prefix && i == last))
            .collect(),
    );
    let key: String = words.iter().map(QueryWord::joined).collect();
    let mut alternatives = vec![
        all_words,
        Clause::Constant {
            term: Term::from_field_text(f.name_exact, &key),
            score: WHOLE_NAME,
        },
    ];
    if words.len() > 1 {
        // `pdf invoice` also finds `pdfinvoice-kit`, whose name holds the joined identifier.
        alternatives.push(scored(f.name, &key, NAME));
    }
    Some(TextQuery::new(Clause::Any(alternatives)))
}

/// One identifier: each of its parts anywhere, or (when it has several) the whole identifier in
/// a field that indexes identifiers whole.
fn word_clause(f: &Fields, word: &QueryWord, prefix: bool) -> Clause {
    let count = word.parts.len();
    let mut parts: Vec<Clause> = word
        .parts
        .iter()
        .enumerate()
        .map(|(i, part)| part_clause(f, part, prefix && i + 1 == count))
        .collect();
    if count == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    let joined = word.joined();
    let mut whole: Vec<Clause> = [
        (f.name, NAME),
        (f.full_name, FULL_NAME),
        (f.title, TITLE),
        (f.topics, TOPICS),
        (f.description, DESCRIPTION),
        (f.readme, README),
    ]
    .into_iter()
    .map(|(field, weight)| scored(field, &joined, weight))
    .collect();
    if prefix {
        whole.push(prefix_clause(f, &joined));
    }
    whole.push(Clause::All(parts));
    Clause::Any(whole)
}

/// One part of a word: exact in each field, then its prefix (last word only), then its typos.
fn part_clause(f: &Fields, part: &str, prefix: bool) -> Clause {
    let stemmed = analyzer::stem(part);
    let mut ways: Vec<Clause> = [
        (f.name, part, NAME),
        (f.full_name, part, FULL_NAME),
        (f.title, part, TITLE),
        (f.topics, part, TOPICS),
        (f.description, part, DESCRIPTION),
        (f.description_stemmed, &stemmed, DESCRIPTION_STEMMED),
        (f.readme, part, README),
    ]
    .into_iter()
    .map(|(field, text, weight)| scored(field, text, weight))
    .collect();
    if prefix {
        ways.push(prefix_clause(f, part));
    }
    let distance = typo_distance(part);
    if distance > 0 {
        // Only unstemmed fields: a typo of a stem reaches words nobody typed. Not the README:
        // its vocabulary is large, and a typo matching it says little.
        for (fields, score) in [
            (vec![f.name], FUZZY_NAME),
            (vec![f.title, f.topics, f.description], FUZZY_TEXT),
        ] {
            let typos = Typos {
                fields,
                text: part.to_owned(),
                distance,
            };
            ways.push(Clause::Typos { typos, score });
        }
    }
    Clause::Any(ways)
}

/// The documents holding, in any of `fields`, a word within `distance` edits of `text` (a
/// transposition counting as one), other than `text` itself. The word as typed is already
/// matched, and scored by BM25, by its exact clauses; a typo only earns a constant, whichever
/// field and however many fields it is in, so the fields share one clause.
#[derive(Debug, Clone)]
pub(crate) struct Typos {
    pub(crate) fields: Vec<Field>,
    text: String,
    distance: u8,
}

impl Typos {
    /// The automaton of the typo words (the field is not part of it).
    pub(crate) fn automaton(&self) -> tantivy::Result<ExceptTyped> {
        // The automaton depends on the text alone; the term's field is only a carrier.
        let term = Term::from_field_text(Field::from_field_id(0), &self.text);
        Ok(ExceptTyped {
            neighbours: FuzzyTermQuery::new(term, self.distance, true).automaton()?,
            typed: self.text.as_bytes().to_vec(),
        })
    }
}

/// An automaton matching what `neighbours` matches except the bytes `typed`.
pub(crate) struct ExceptTyped {
    neighbours: DfaWrapper,
    typed: Vec<u8>,
}

/// Not a prefix of the typed word any more.
const DIVERGED: usize = usize::MAX;

impl Automaton for ExceptTyped {
    /// The neighbour automaton's state, and how many bytes of the typed word the input has
    /// matched so far (or `DIVERGED`).
    type State = (u32, usize);

    fn start(&self) -> Self::State {
        (self.neighbours.start(), 0)
    }

    fn is_match(&self, state: &Self::State) -> bool {
        self.neighbours.is_match(&state.0) && state.1 != self.typed.len()
    }

    fn can_match(&self, state: &Self::State) -> bool {
        self.neighbours.can_match(&state.0)
    }

    fn accept(&self, state: &Self::State, byte: u8) -> Self::State {
        let matched = match state.1 {
            DIVERGED => DIVERGED,
            n if self.typed.get(n) == Some(&byte) => n + 1,
            _ => DIVERGED,
        };
        (self.neighbours.accept(&state.0, byte), matched)
    }
}

fn scored(field: Field, text: &str, weight: Score) -> Clause {
    Clause::Scored {
        term: Term::from_field_text(field, text),
        weight,
    }
}

fn prefix_clause(f: &Fields, text: &str) -> Clause {
    // Longer prefixes were not indexed; the whole word then still matches exactly.
    let text: String = text.chars().take(PREFIX_MAX_CHARS).collect();
    scored(f.name_prefix, &text, NAME_PREFIX)
}

pub(crate) fn term(field: Field, text: &str, record: IndexRecordOption) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), record))
}

/// A term scored by BM25 (frequencies, no positions needed).
pub(crate) fn term_freqs(field: Field, text: &str) -> Box<dyn Query> {
    term(field, text, IndexRecordOption::WithFreqs)
}

pub(crate) fn boosted(query: Box<dyn Query>, weight: Score) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, weight))
}

/// The multiplier for a project with `popularity` stars (forge + Agora) and this activity score.
pub(crate) fn popularity_prior(popularity: u64, activity: u64) -> Score {
    // f64 is exact enough for star counts, and the log of any u64 fits an f32.
    let log = |n: u64| (n as f64 + 1.0).log10() as Score;
    1.0 + POPULARITY * log(popularity) + ACTIVITY * log(activity).min(ACTIVITY_CAP)
}

/// Top documents by text score times the popularity prior (read from `data`, prepared for the
/// searcher the collector runs on).
pub(crate) fn top_by_relevance(
    limit: usize,
    offset: usize,
    data: &Arc<SearcherData>,
) -> impl Collector<Fruit = Vec<(Score, DocAddress)>> + use<> {
    let data = Arc::clone(data);
    TopDocs::with_limit(limit)
        .and_offset(offset)
        .tweak_score(move |segment: &SegmentReader| {
            // Present for every segment of the searcher; a score without it is the text's alone.
            let priors = data.segment(segment).ok().map(Arc::clone);
            move |doc: DocId, score: Score| {
                score
                    * priors
                        .as_ref()
                        .and_then(|p| p.prior.get(doc as usize))
                        .copied()
                        .unwrap_or(1.0)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popularity_prior_grows_slowly_and_never_shrinks_a_score() {
        assert!((popularity_prior(0, 0) - 1.0).abs() < f32::EPSILON);
        assert!(popularity_prior(900, 0) > popularity_prior(1, 0));
        assert!(popularity_prior(900, 0) < 1.2);
        assert!(popularity_prior(u64::MAX, 0) < 2.0);
    }

    #[test]
    fn activity_adds_at_most_a_few_percent() {
        assert!(popularity_prior(10, 500) > popularity_prior(10, 0));
        assert!(popularity_prior(10, u64::MAX) - popularity_prior(10, 0) <= 0.08 + f32::EPSILON);
    }

    #[test]
    fn a_typo_clause_matches_the_neighbours_but_not_the_word_as_typed() {
        let mut builder = tantivy::schema::Schema::builder();
        let field = builder.add_text_field("name", tantivy::schema::TEXT);
        let neighbours = FuzzyTermQuery::new(Term::from_field_text(field, "invoice"), 1, true)
            .automaton()
            .unwrap();
        let automaton = ExceptTyped {
            neighbours,
            typed: b"invoice".to_vec(),
        };
        let matches = |word: &str| {
            let mut state = automaton.start();
            for &byte in word.as_bytes() {
                state = automaton.accept(&state, byte);
            }
            automaton.is_match(&state)
        };
        for neighbour in ["invoices", "invoce", "invocie", "invoic", "unvoice"] {
            assert!(matches(neighbour), "{neighbour}");
        }
        for other in ["invoice", "invoicesx", "billing", "in", ""] {
            assert!(!matches(other), "{other}");
        }
    }

    #[test]
    fn typos_are_allowed_only_on_longer_words() {
        assert_eq!(typo_distance("tech"), 0);
        assert_eq!(typo_distance("stars"), 1);
        assert_eq!(typo_distance("invoce"), 1);
        assert_eq!(typo_distance("abacusledger"), 2);
    }
}
