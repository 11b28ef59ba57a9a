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
//! every `All` above it matches that document (the masks below), and an `Any` adds the scores of
//! the children that match, like tantivy's `SumCombiner`.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::query::{
    AutomatonWeight, Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

use crate::doc_bits::DocBits;
use crate::ranking::{ExceptTyped, Typos};

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
        per_field: Vec<AutomatonWeight<ExceptTyped>>,
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
        Clause::Typos { typos, score } => {
            let automaton = Arc::new(typos.automaton()?);
            Compiled::Typos {
                per_field: typos
                    .fields
                    .iter()
                    .map(|&field| AutomatonWeight::new(field, Arc::clone(&automaton)))
                    .collect(),
                score: *score,
            }
        }
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
        let max_doc = reader.max_doc();
        let evaluated = evaluate(&self.root, reader)?;
        let docs = evaluated.docs(max_doc);
        if docs.is_empty() {
            return Ok(None);
        }
        let scores = if self.scoring_enabled() {
            let mut scores = vec![0.0; max_doc as usize];
            evaluated.add_scores(&docs, &mut scores);
            scores
        } else {
            Vec::new()
        };
        Ok(Some(Matches::new(docs, scores)))
    }

    fn scoring_enabled(&self) -> bool {
        fn any_scored(node: &Compiled) -> bool {
            match node {
                Compiled::Scored { bm25, .. } => bm25.is_some(),
                Compiled::Constant { .. } | Compiled::Typos { .. } => false,
                Compiled::Any(children) | Compiled::All(children) => {
                    children.iter().any(any_scored)
                }
            }
        }
        any_scored(&self.root)
    }
}

/// A clause evaluated on one segment.
enum Evaluated {
    /// Documents holding the term, ascending, with their scores (0 when scoring is off).
    Scored(Vec<(DocId, Score)>),
    Constant(DocBits, Score),
    /// The documents that match, and the children.
    Any(DocBits, Vec<Evaluated>),
    All(DocBits, Vec<Evaluated>),
    /// Matches nothing in this segment.
    Nothing,
}

fn evaluate(node: &Compiled, reader: &SegmentReader) -> tantivy::Result<Evaluated> {
    let max_doc = reader.max_doc();
    Ok(match node {
        Compiled::Scored { term, bm25 } => {
            let record = if bm25.is_some() {
                IndexRecordOption::WithFreqs
            } else {
                IndexRecordOption::Basic
            };
            let Some(mut postings) = reader
                .inverted_index(term.field())?
                .read_postings(term, record)?
            else {
                return Ok(Evaluated::Nothing);
            };
            let mut hits = Vec::with_capacity(postings.size_hint() as usize);
            match bm25 {
                Some(bm25) => {
                    let norms = reader
                        .fieldnorms_readers()
                        .get_field(term.field())?
                        .unwrap_or_else(|| FieldNormReader::constant(max_doc, 1));
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        let score = bm25.score(norms.fieldnorm_id(doc), postings.term_freq());
                        hits.push((doc, score));
                        doc = postings.advance();
                    }
                }
                None => {
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        hits.push((doc, 0.0));
                        doc = postings.advance();
                    }
                }
            }
            if hits.is_empty() {
                Evaluated::Nothing
            } else {
                Evaluated::Scored(hits)
            }
        }
        Compiled::Constant { term, score } => {
            let Some(mut postings) = reader
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::Basic)?
            else {
                return Ok(Evaluated::Nothing);
            };
            let mut docs = DocBits::new(max_doc);
            let mut doc = postings.doc();
            while doc != TERMINATED {
                docs.insert(doc);
                doc = postings.advance();
            }
            nothing_if_empty(Evaluated::Constant(docs, *score))
        }
        Compiled::Typos { per_field, score } => {
            let mut docs = DocBits::new(max_doc);
            for weight in per_field {
                let mut field_docs = weight.scorer(reader, 1.0)?;
                let mut doc = field_docs.doc();
                while doc != TERMINATED {
                    docs.insert(doc);
                    doc = field_docs.advance();
                }
            }
            nothing_if_empty(Evaluated::Constant(docs, *score))
        }
        Compiled::Any(children) => {
            let mut docs = DocBits::new(max_doc);
            let mut kept = Vec::with_capacity(children.len());
            for child in children {
                let child = evaluate(child, reader)?;
                if !matches!(child, Evaluated::Nothing) {
                    child.union_into(&mut docs);
                    kept.push(child);
                }
            }
            nothing_if_empty(Evaluated::Any(docs, kept))
        }
        Compiled::All(children) => {
            let mut docs: Option<DocBits> = None;
            let mut kept = Vec::with_capacity(children.len());
            for child in children {
                let child = evaluate(child, reader)?;
                let child_docs = child.docs(max_doc);
                match &mut docs {
                    None => docs = Some(child_docs),
                    Some(docs) => docs.intersect(&child_docs),
                }
                if docs.as_ref().is_none_or(DocBits::is_empty) {
                    // One child matches nothing here: neither does the whole.
                    return Ok(Evaluated::Nothing);
                }
                kept.push(child);
            }
            match docs {
                Some(docs) => Evaluated::All(docs, kept),
                None => Evaluated::Nothing,
            }
        }
    })
}

fn nothing_if_empty(evaluated: Evaluated) -> Evaluated {
    match &evaluated {
        Evaluated::Constant(docs, _) | Evaluated::Any(docs, _) | Evaluated::All(docs, _)
            if docs.is_empty() =>
        {
            Evaluated::Nothing
        }
        _ => evaluated,
    }
}

impl Evaluated {
    /// Adds the documents this clause matches to `docs`.
    fn union_into(&self, docs: &mut DocBits) {
        match self {
            Evaluated::Scored(hits) => {
                for &(doc, _) in hits {
                    docs.insert(doc);
                }
            }
            Evaluated::Constant(own, _) | Evaluated::Any(own, _) | Evaluated::All(own, _) => {
                docs.union(own);
            }
            Evaluated::Nothing => {}
        }
    }

    /// The documents this clause matches.
    fn docs(&self, max_doc: DocId) -> DocBits {
        match self {
            Evaluated::Constant(own, _) | Evaluated::Any(own, _) | Evaluated::All(own, _) => {
                own.clone()
            }
            Evaluated::Scored(_) | Evaluated::Nothing => {
                let mut docs = DocBits::new(max_doc);
                self.union_into(&mut docs);
                docs
            }
        }
    }

    /// Adds this clause's score to `scores` for each document of `mask` it matches.
    fn add_scores(&self, mask: &DocBits, scores: &mut [Score]) {
        match self {
            Evaluated::Scored(hits) => {
                for &(doc, score) in hits {
                    if mask.contains(doc)
                        && let Some(total) = scores.get_mut(doc as usize)
                    {
                        *total += score;
                    }
                }
            }
            Evaluated::Constant(docs, score) => {
                for doc in docs.iter_and(mask) {
                    if let Some(total) = scores.get_mut(doc as usize) {
                        *total += score;
                    }
                }
            }
            Evaluated::Any(_, children) => {
                for child in children {
                    child.add_scores(mask, scores);
                }
            }
            Evaluated::All(docs, children) => {
                let mut mask = mask.clone();
                mask.intersect(docs);
                for child in children {
                    child.add_scores(&mask, scores);
                }
            }
            Evaluated::Nothing => {}
        }
    }
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
        let mut ours = searcher
            .search(&TextQuery::new(clause.clone()), &all)
            .unwrap();
        let mut theirs = searcher.search(&*boolean(&clause), &all).unwrap();
        ours.sort_by_key(|&(_, address)| address);
        theirs.sort_by_key(|&(_, address)| address);
        assert_eq!(ours.len(), 6, "{ours:?}");
        assert_eq!(ours.len(), theirs.len());
        for ((our, a), (their, b)) in ours.iter().zip(&theirs) {
            assert_eq!(a, b);
            assert!((our - their).abs() < 1e-5, "{a:?}: {our} vs {their}");
        }

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
