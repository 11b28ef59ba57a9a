//! The typed words' query (built by `ranking`) as one tantivy `Query`, evaluated a term at a time
//! into per-segment arrays rather than as a tree of boolean scorers.
//!
//! Each word of a search expands into a dozen ways to match it (the exact term in each of seven
//! fields, the name prefix, two typo sets), and most of them are posting lists of a few hundred
//! documents beside one README list of tens of thousands. tantivy's boolean scorers walk such a
//! tree a document at a time: every candidate goes through a union heap per word and an
//! intersection across words, with a virtual call per child, which profiled at over half of a
//! search on the 100k bench. Here each posting list is read once, straight through, its BM25
//! scores added into a dense score array and its documents into a bitset; "any" and "all" are
//! word-wise OR and AND of bitsets. At 100k documents a bitset is 12.5 KB and the score array
//! 400 KB, both cheaper to clear than the heap work they replace.
//!
//! Scores are exactly those of the boolean tree: a clause adds its score to a document only where
//! every `All` above it matches that document (see `evaluate`), and an `Any` adds the scores of
//! the children that match, like tantivy's `SumCombiner`.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

use crate::doc_bits::DocBits;
use crate::ranking::{ExceptTyped, Typos};
use crate::scratch::Scratch;

/// A node of a text query.
#[derive(Debug, Clone)]
pub(crate) enum Clause {
    /// The term, scored by BM25 in its field, times `weight`.
    Scored { term: Term, weight: Score },
    /// `score` for every document holding the term.
    Constant { term: Term, score: Score },
    /// `score` for every document holding a typo of the word.
    Typos { typos: Typos, score: Score },
    /// Matches where any child matches, scoring the sum of the children that match.
    Any(Vec<Clause>),
    /// Matches where every child matches, scoring the sum of all of them.
    All(Vec<Clause>),
}

impl Clause {
    fn visit_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        match self {
            Clause::Scored { term, .. } | Clause::Constant { term, .. } => visitor(term, false),
            Clause::Typos { .. } => {}
            Clause::Any(children) | Clause::All(children) => {
                for child in children {
                    child.visit_terms(visitor);
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TextQuery {
    root: Clause,
}

impl TextQuery {
    pub(crate) fn new(root: Clause) -> Self {
        Self { root }
    }
}

impl TextQuery {
    /// The query tied to a searcher (`scoring` disabled: matches only, every score 0).
    pub(crate) fn text_weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<TextWeight> {
        Ok(TextWeight {
            root: compile(&self.root, &scoring)?,
            scoring: scoring.is_scoring_enabled(),
        })
    }
}

impl Query for TextQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.text_weight(scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.root.visit_terms(visitor);
    }
}

/// A clause tied to a searcher: BM25 statistics looked up, typo automata built.
enum Compiled {
    /// `bm25` is `None` when scoring is off.
    Scored {
        term: Term,
        bm25: Option<Bm25Weight>,
    },
    Constant {
        term: Term,
        score: Score,
    },
    Typos {
        fields: Vec<Field>,
        automaton: ExceptTyped,
        score: Score,
    },
    Any(Vec<Compiled>),
    All(Vec<Compiled>),
}

fn compile(clause: &Clause, scoring: &EnableScoring<'_>) -> tantivy::Result<Compiled> {
    Ok(match clause {
        Clause::Scored { term, weight } => {
            let bm25 = match scoring {
                EnableScoring::Enabled {
                    statistics_provider,
                    ..
                } => Some(
                    Bm25Weight::for_terms(*statistics_provider, std::slice::from_ref(term))?
                        .boost_by(*weight),
                ),
                EnableScoring::Disabled { .. } => None,
            };
            Compiled::Scored {
                term: term.clone(),
                bm25,
            }
        }
        Clause::Constant { term, score } => Compiled::Constant {
            term: term.clone(),
            score: *score,
        },
        Clause::Typos { typos, score } => Compiled::Typos {
            fields: typos.fields.clone(),
            automaton: typos.automaton()?,
            score: *score,
        },
        Clause::Any(children) => Compiled::Any(
            children
                .iter()
                .map(|c| compile(c, scoring))
                .collect::<tantivy::Result<_>>()?,
        ),
        Clause::All(children) => Compiled::All(
            children
                .iter()
                .map(|c| compile(c, scoring))
                .collect::<tantivy::Result<_>>()?,
        ),
    })
}

pub(crate) struct TextWeight {
    root: Compiled,
    /// Whether scores are computed (off for a sort by a field).
    scoring: bool,
}

impl Weight for TextWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.matches(reader)? {
            Some(matches) => Box::new(matches),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let Some(mut matches) = self.matches(reader)? else {
            return Err(no_match(doc));
        };
        if matches.seek(doc) != doc {
            return Err(no_match(doc));
        }
        Ok(Explanation::new(
            "the typed words, summed over the fields and ways they matched",
            matches.score(),
        ))
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        let Some(matches) = self.matches(reader)? else {
            return Ok(0);
        };
        let count = match reader.alive_bitset() {
            Some(alive) => matches.docs.iter().filter(|&d| alive.is_alive(d)).count(),
            None => matches.docs.len(),
        };
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    fn for_each(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        if let Some(matches) = self.matches(reader)? {
            for doc in matches.docs.iter() {
                callback(doc, matches.score_of(doc));
            }
        }
        Ok(())
    }
}

fn no_match(doc: DocId) -> tantivy::TantivyError {
    tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match the words"))
}

impl TextWeight {
    /// The matching documents of one segment with their scores, or `None` when none match.
    pub(crate) fn matches(&self, reader: &SegmentReader) -> tantivy::Result<Option<Matches>> {
        self.matches_with(reader, &Scratch::default())
    }

    /// `matches`, with score arrays borrowed from `scratch` (the caller gives back the one in
    /// the answer).
    pub(crate) fn matches_with(
        &self,
        reader: &SegmentReader,
        scratch: &Scratch,
    ) -> tantivy::Result<Option<Matches>> {
        let max_doc = reader.max_doc();
        let mut docs = DocBits::new(max_doc);
        let mut scores = if self.scoring {
            scratch.zero_scores(max_doc as usize)
        } else {
            Vec::new()
        };
        let sink = self.scoring.then_some(&mut scores[..]);
        evaluate(&self.root, reader, &mut docs, sink, false, scratch)?;
        if docs.is_empty() {
            scratch.give_back_scores(scores);
            return Ok(None);
        }
        Ok(Some(Matches::new(docs, scores)))
    }
}

/// Adds the documents `node` matches in this segment to `into`, and their scores to `scores`
/// (`None` when scoring is off).
///
/// Scores go straight into the array of the nearest enclosing scope where a failed match cannot
/// leave a stray score behind. Under `All` alone (the words of a query), a document one child
/// matches and another does not fails the whole query, so its partial sum is never read. An
/// `All` below an `Any` (`under_any`) may fail where a sibling matches: its children add into an
/// array of its own, copied up only for the documents the `All` matches. That keeps the scores
/// exactly those of tantivy's boolean tree while reading each posting list once, without a
/// per-clause list of hits or a second pass to add them.
fn evaluate(
    node: &Compiled,
    reader: &SegmentReader,
    into: &mut DocBits,
    mut scores: Option<&mut [Score]>,
    under_any: bool,
    scratch: &Scratch,
) -> tantivy::Result<()> {
    let max_doc = reader.max_doc();
    match node {
        Compiled::Scored { term, bm25 } => {
            let with_freqs = bm25.is_some() && scores.is_some();
            let record = if with_freqs {
                IndexRecordOption::WithFreqs
            } else {
                IndexRecordOption::Basic
            };
            let Some(mut postings) = reader
                .inverted_index(term.field())?
                .read_block_postings(term, record)?
            else {
                return Ok(());
            };
            match (bm25, scores) {
                (Some(bm25), Some(scores)) => {
                    let norms = reader
                        .fieldnorms_readers()
                        .get_field(term.field())?
                        .unwrap_or_else(|| FieldNormReader::constant(max_doc, 1));
                    while !postings.docs().is_empty() {
                        for (&doc, &freq) in postings.docs().iter().zip(postings.freqs()) {
                            into.insert(doc);
                            if let Some(total) = scores.get_mut(doc as usize) {
                                *total += bm25.score(norms.fieldnorm_id(doc), freq);
                            }
                        }
                        postings.advance();
                    }
                }
                _ => {
                    while !postings.docs().is_empty() {
                        for &doc in postings.docs() {
                            into.insert(doc);
                        }
                        postings.advance();
                    }
                }
            }
        }
        Compiled::Constant { term, score } => {
            let Some(mut postings) = reader
                .inverted_index(term.field())?
                .read_block_postings(term, IndexRecordOption::Basic)?
            else {
                return Ok(());
            };
            while !postings.docs().is_empty() {
                for &doc in postings.docs() {
                    into.insert(doc);
                    if let Some(total) = scores.as_deref_mut().and_then(|s| s.get_mut(doc as usize))
                    {
                        *total += score;
                    }
                }
                postings.advance();
            }
        }
        Compiled::Typos {
            fields,
            automaton,
            score,
        } => {
            // A typo scores once however many fields hold it: the fields' union first, each
            // typo word's postings read straight into it.
            let mut docs = DocBits::new(max_doc);
            for &field in fields {
                let inverted_index = reader.inverted_index(field)?;
                let mut words = inverted_index.terms().search(automaton).into_stream()?;
                while words.advance() {
                    let mut postings = inverted_index.read_block_postings_from_terminfo(
                        words.value(),
                        IndexRecordOption::Basic,
                    )?;
                    while !postings.docs().is_empty() {
                        for &doc in postings.docs() {
                            docs.insert(doc);
                        }
                        postings.advance();
                    }
                }
            }
            if let Some(scores) = scores {
                for doc in docs.iter() {
                    if let Some(total) = scores.get_mut(doc as usize) {
                        *total += score;
                    }
                }
            }
            into.union(&docs);
        }
        Compiled::Any(children) => {
            for child in children {
                evaluate(child, reader, into, scores.as_deref_mut(), true, scratch)?;
            }
        }
        Compiled::All(children) => {
            if let [only] = &children[..] {
                // Matches exactly where its child does: no scope of its own.
                return evaluate(only, reader, into, scores, under_any, scratch);
            }
            // Below an `Any`, a scope of its own (see above).
            let own = under_any && scores.is_some();
            let mut own_scores = if own {
                scratch.zero_scores(max_doc as usize)
            } else {
                Vec::new()
            };
            let mut matched: Option<DocBits> = None;
            for child in children {
                let mut child_docs = DocBits::new(max_doc);
                let sink = if own {
                    Some(&mut own_scores[..])
                } else {
                    scores.as_deref_mut()
                };
                evaluate(child, reader, &mut child_docs, sink, false, scratch)?;
                match &mut matched {
                    None => matched = Some(child_docs),
                    Some(docs) => docs.intersect(&child_docs),
                }
                if matched.as_ref().is_none_or(DocBits::is_empty) {
                    // One child matches nothing here: neither does the whole.
                    matched = None;
                    break;
                }
            }
            if let Some(matched) = matched {
                if own && let Some(scores) = scores {
                    for doc in matched.iter() {
                        let at = doc as usize;
                        if let (Some(total), Some(own)) = (scores.get_mut(at), own_scores.get(at)) {
                            *total += own;
                        }
                    }
                }
                into.union(&matched);
            }
            scratch.give_back_scores(own_scores);
        }
    }
    Ok(())
}

/// The matching documents of a segment and their scores, as a tantivy scorer.
pub(crate) struct Matches {
    docs: DocBits,
    /// Per document of the segment; empty when scoring is off.
    scores: Vec<Score>,
    doc: DocId,
    len: u32,
}

impl Matches {
    fn new(docs: DocBits, scores: Vec<Score>) -> Self {
        let doc = docs.next_from(0).unwrap_or(TERMINATED);
        let len = u32::try_from(docs.len()).unwrap_or(u32::MAX);
        Self {
            docs,
            scores,
            doc,
            len,
        }
    }

    /// The documents, and a score per document of the segment (empty when scoring is off).
    pub(crate) fn into_parts(self) -> (DocBits, Vec<Score>) {
        (self.docs, self.scores)
    }

    #[inline]
    fn score_of(&self, doc: DocId) -> Score {
        self.scores.get(doc as usize).copied().unwrap_or(0.0)
    }
}

impl DocSet for Matches {
    fn advance(&mut self) -> DocId {
        self.doc = match self.doc.checked_add(1) {
            Some(next) if self.doc != TERMINATED => self.docs.next_from(next).unwrap_or(TERMINATED),
            _ => TERMINATED,
        };
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target > self.doc {
            self.doc = self.docs.next_from(target).unwrap_or(TERMINATED);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.len
    }
}

impl Scorer for Matches {
    fn score(&mut self) -> Score {
        self.score_of(self.doc)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, TermQuery};
    use tantivy::schema::{Field, STRING, Schema, TEXT};
    use tantivy::{Index, doc};

    use super::*;

    fn term(field: Field, text: &str) -> Term {
        Term::from_field_text(field, text)
    }

    /// The same clause as tantivy's boolean queries, which `TextQuery` must score identically.
    fn boolean(clause: &Clause) -> Box<dyn Query> {
        match clause {
            Clause::Scored { term, weight } => Box::new(BoostQuery::new(
                Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                *weight,
            )),
            Clause::Constant { term, score } => Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)),
                *score,
            )),
            Clause::Typos { .. } => unreachable!("not in this test"),
            Clause::Any(children) => Box::new(BooleanQuery::new(
                children
                    .iter()
                    .map(|c| (Occur::Should, boolean(c)))
                    .collect(),
            )),
            Clause::All(children) => Box::new(BooleanQuery::new(
                children.iter().map(|c| (Occur::Must, boolean(c))).collect(),
            )),
        }
    }

    #[test]
    fn text_query_matches_and_scores_exactly_like_the_boolean_tree() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let tag = builder.add_text_field("tag", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        for (text, label) in [
            ("alpha beta", "x"),
            ("alpha gamma", "y"),
            ("alpha alpha beta gamma delta", "x"),
            ("gamma", "z"),
            ("beta delta delta", "y"),
            ("nothing here", "x"),
        ] {
            writer
                .add_document(doc!(body => text, tag => label))
                .unwrap();
        }
        writer.commit().unwrap();
        // Split across two segments, so statistics come from the whole searcher.
        writer
            .add_document(doc!(body => "alpha beta gamma", tag => "z"))
            .unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);

        let scored = |text: &str, weight: Score| Clause::Scored {
            term: term(body, text),
            weight,
        };
        // Any[All[alpha, beta], gamma ×2, tag:x const]: a document with alpha and gamma but no
        // beta must get gamma's score alone, never alpha's.
        let clause = Clause::Any(vec![
            Clause::All(vec![scored("alpha", 1.0), scored("beta", 0.5)]),
            scored("gamma", 2.0),
            Clause::Constant {
                term: term(tag, "x"),
                score: 0.25,
            },
            scored("missing", 3.0),
        ]);
        let all = TopDocs::with_limit(100).order_by_score();
        let same_as_boolean = |clause: &Clause| {
            let mut ours = searcher
                .search(&TextQuery::new(clause.clone()), &all)
                .unwrap();
            let mut theirs = searcher.search(&*boolean(clause), &all).unwrap();
            ours.sort_by_key(|&(_, address)| address);
            theirs.sort_by_key(|&(_, address)| address);
            assert_eq!(ours.len(), theirs.len(), "{ours:?} vs {theirs:?}");
            for ((our, a), (their, b)) in ours.iter().zip(&theirs) {
                assert_eq!(a, b);
                assert!((our - their).abs() < 1e-5, "{a:?}: {our} vs {their}");
            }
            ours.len()
        };
        assert_eq!(same_as_boolean(&clause), 6);
        // Nested: the words' `All` at the top (its children add straight into the scores), an
        // `All` of parts inside one word's `Any` (its own scores, kept only where it matches),
        // and an `All` of one child (transparent).
        let nested = Clause::All(vec![
            Clause::Any(vec![
                scored("alpha", 1.0),
                Clause::All(vec![scored("beta", 0.5), scored("delta", 0.7)]),
            ]),
            Clause::Any(vec![
                scored("gamma", 2.0),
                Clause::All(vec![scored("beta", 1.5)]),
            ]),
        ]);
        assert_eq!(same_as_boolean(&nested), 5);
        let under_any = Clause::Any(vec![
            nested,
            Clause::Constant {
                term: term(tag, "z"),
                score: 0.25,
            },
        ]);
        // `gamma` alone (tag z) matches through the constant only: no stray `gamma` score.
        assert_eq!(same_as_boolean(&under_any), 6);

        // An `All` with a child that matches nothing matches nothing.
        let none = Clause::All(vec![scored("alpha", 1.0), scored("missing", 1.0)]);
        assert!(
            searcher
                .search(&TextQuery::new(none), &all)
                .unwrap()
                .is_empty()
        );
        // Unscored (a sort by a field): the same documents.
        let count = searcher
            .search(&TextQuery::new(clause), &tantivy::collector::Count)
            .unwrap();
        assert_eq!(count, 6);
    }
}
