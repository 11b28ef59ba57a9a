//! One search request over a searcher's segments, with sets of documents rather than a scorer
//! tree and collectors: per segment, the typed words' matches (see `text_query`), what the
//! caller may see and what each filter keeps are bitsets, ANDed word by word. The total is a
//! popcount, facets are counted over the set bits, and the page is the best documents of the
//! set by the requested order.
//!
//! tantivy's collectors took every match through a chain of virtual calls (the scorer's advance
//! and score, the callback, the visibility check, the count, the top-k and five facet counters)
//! and a facet with a chosen value cost a second pass of the whole query; here a facet's own
//! count is one more AND of bitsets already built.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::query::EnableScoring;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use crate::doc_bits::DocBits;
use crate::facet::{Counts, FacetCounts, FacetField};
use crate::filter::Filters;
use crate::query::SortOrder;
use crate::schema::Fields;
use crate::scratch::Scratch;
use crate::segment_data::{PACKED_IDS, SearcherData, SegmentData, VisibleDocs};
use crate::text_query::TextQuery;
use crate::visibility::Audience;

/// What a request matched: the total, the page (score, or 0 when ordered by a field), and the
/// facet counts.
pub(crate) struct Matched {
    pub total: usize,
    pub page: Vec<(Score, DocAddress)>,
    pub counts: FacetCounts,
}

/// What to match and how to order it.
pub(crate) struct Plan<'a> {
    pub text: Option<&'a TextQuery>,
    pub filters: &'a Filters,
    pub sort: SortOrder,
    pub limit: usize,
    pub offset: usize,
}

pub(crate) fn run(
    searcher: &Searcher,
    f: &Fields,
    data: &SearcherData,
    audience: Audience,
    plan: &Plan<'_>,
) -> tantivy::Result<Matched> {
    let by_relevance = plan.sort == SortOrder::Relevance && plan.text.is_some();
    let text = plan
        .text
        .map(|q| {
            q.text_weight(if by_relevance {
                EnableScoring::enabled_from_searcher(searcher)
            } else {
                EnableScoring::disabled_from_searcher(searcher)
            })
        })
        .transpose()?;
    let filter = plan.filters.term_groups(f, None);
    // A facet with a chosen value is counted without its own filter (see `facet`).
    let (own_pass, separate): (Vec<FacetField>, Vec<FacetField>) = FacetField::ALL
        .into_iter()
        .partition(|&facet| plan.filters.values(facet).is_empty());
    let separate: Vec<(FacetField, Vec<Vec<Term>>)> = separate
        .into_iter()
        .map(|facet| (facet, plan.filters.term_groups(f, Some(facet))))
        .collect();
    let visible = data.visible(searcher, audience)?;

    let mut counts: FacetCounts = FacetField::ALL
        .into_iter()
        .map(|facet| (facet, vec![0; data.values(facet).len()]))
        .collect();
    let wanted = plan.limit + plan.offset;
    let mut total = 0;
    let mut best: Vec<(Key, DocAddress)> = Vec::new();
    for ((ord, reader), visible) in searcher.segment_readers().iter().enumerate().zip(&*visible) {
        let segment = data.segment(reader)?;
        let ord = u32::try_from(ord).unwrap_or(u32::MAX);
        // The words' matches the caller may see; the base of every count.
        let (mut seen, scores) = match &text {
            Some(weight) => match weight.matches_with(reader, data.scratch())? {
                Some(matches) => matches.into_parts(),
                None => continue,
            },
            None => (visible.docs.clone(), Vec::new()),
        };
        seen.intersect(&visible.docs);
        let mut kept = seen.clone();
        keep_filtered(&mut kept, &filter, reader)?;
        total += kept.len();
        count_facets(
            data.scratch(),
            segment,
            visible,
            &kept,
            &own_pass,
            &mut counts,
        );
        for (facet, groups) in &separate {
            let mut docs = seen.clone();
            keep_filtered(&mut docs, groups, reader)?;
            count_facets(
                data.scratch(),
                segment,
                visible,
                &docs,
                &[*facet],
                &mut counts,
            );
        }
        let top = match plan.sort {
            _ if by_relevance => top_by(&kept, wanted, |doc| {
                let at = doc as usize;
                let score = scores.get(at).copied().unwrap_or(0.0);
                Key::Score(score * segment.prior.get(at).copied().unwrap_or(1.0))
            }),
            SortOrder::Relevance | SortOrder::Stars => top_by_stars(segment, &kept, wanted),
            SortOrder::Recent => top_by(&kept, wanted, |doc| {
                let at = doc as usize;
                Key::Pair(field(&segment.pushed, at), field(&segment.stars, at))
            }),
            SortOrder::Activity => top_by(&kept, wanted, |doc| {
                let at = doc as usize;
                Key::Pair(field(&segment.activity, at), field(&segment.stars, at))
            }),
        };
        best.extend(
            top.into_iter()
                .map(|(key, doc)| (key, DocAddress::new(ord, doc))),
        );
        data.scratch().give_back_scores(scores);
    }
    // Best first; equal keys in index order, as tantivy's collectors break ties.
    best.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let page = best
        .into_iter()
        .skip(plan.offset)
        .take(plan.limit)
        .map(|(key, address)| (key.score(), address))
        .collect();
    Ok(Matched {
        total,
        page,
        counts,
    })
}

fn field(values: &[u64], at: usize) -> u64 {
    values.get(at).copied().unwrap_or(0)
}

/// Keeps in `docs` those holding a term of every group (see `Filters::term_groups`).
fn keep_filtered(
    docs: &mut DocBits,
    groups: &[Vec<Term>],
    reader: &SegmentReader,
) -> tantivy::Result<()> {
    for group in groups {
        let mut any = DocBits::new(reader.max_doc());
        for term in group {
            let postings = reader
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::Basic)?;
            if let Some(mut postings) = postings {
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    any.insert(doc);
                    doc = postings.advance();
                }
            }
        }
        docs.intersect(&any);
    }
    Ok(())
}

/// Adds the facet counts of `docs` (some of what `visible` holds) to `into`. When `docs` is most
/// of `visible` (the empty query, a common word), the documents left out are fewer: their
/// counts are subtracted from the visible documents' counts instead.
fn count_facets(
    scratch: &Scratch,
    segment: &SegmentData,
    visible: &VisibleDocs,
    docs: &DocBits,
    facets: &[FacetField],
    into: &mut FacetCounts,
) {
    let most = docs.len() * 2 > visible.docs.len();
    // Listed once, counted once per facet from the list.
    let mut listed = scratch.doc_list(if most {
        visible.docs.len().saturating_sub(docs.len())
    } else {
        docs.len()
    });
    if most {
        visible.docs.and_not(docs).append_to(&mut listed);
    } else {
        docs.append_to(&mut listed);
    }
    let packed = segment
        .packed
        .as_ref()
        .filter(|packed| packed.facets.iter().any(|f| facets.contains(f)));
    let packed_counts = packed.map(|packed| packed.count(&listed));
    for &facet in facets {
        let Some(counts): Option<&mut Counts> = into.get_mut(&facet) else {
            continue;
        };
        let mut listed_counts = vec![0u64; counts.len()];
        let byte = packed.and_then(|p| p.facets.iter().position(|&f| f == facet));
        match (byte, &packed_counts) {
            (Some(byte), Some(packed_counts)) => {
                // The last slot counts documents without a value, not an id.
                let by_id = packed_counts[byte].iter().take(PACKED_IDS);
                for (count, &packed) in listed_counts.iter_mut().zip(by_id) {
                    *count = u64::from(packed);
                }
            }
            _ => segment.facets[facet.index()].count(&listed, &mut listed_counts),
        }
        if most {
            let all = visible
                .counts
                .get(facet.index())
                .map_or(&[][..], Vec::as_slice);
            for ((count, all), left_out) in counts.iter_mut().zip(all).zip(listed_counts) {
                *count += all.saturating_sub(left_out);
            }
        } else {
            for (count, listed) in counts.iter_mut().zip(listed_counts) {
                *count += listed;
            }
        }
    }
    scratch.give_back_docs(listed);
}

/// What a page is ordered by, greatest first.
#[derive(Debug, Clone, Copy)]
enum Key {
    /// Text score times the popularity prior.
    Score(Score),
    /// A field, then another breaking its ties.
    Pair(u64, u64),
    Single(u64),
}

impl Key {
    /// The score shown with a hit: ordering by a field carries none.
    fn score(self) -> Score {
        match self {
            Key::Score(score) => score,
            Key::Pair(..) | Key::Single(_) => 0.0,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Score(a), Key::Score(b)) => a.total_cmp(b),
            (Key::Pair(a, b), Key::Pair(c, d)) => (a, b).cmp(&(c, d)),
            (Key::Single(a), Key::Single(b)) => a.cmp(b),
            // One request orders by one kind of key.
            _ => Ordering::Equal,
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

/// The `wanted` best documents of `docs` by `key`, ties to the lower document.
fn top_by(docs: &DocBits, wanted: usize, key: impl Fn(DocId) -> Key) -> Vec<(Key, DocId)> {
    if wanted == 0 {
        return Vec::new();
    }
    // The worst kept on top: the least key, and of equal keys the greatest document.
    let mut heap: BinaryHeap<Reverse<(Key, Reverse<DocId>)>> = BinaryHeap::with_capacity(wanted);
    for doc in docs.iter() {
        let candidate = (key(doc), Reverse(doc));
        if heap.len() < wanted {
            heap.push(Reverse(candidate));
        } else if let Some(mut worst) = heap.peek_mut()
            && candidate > worst.0
        {
            *worst = Reverse(candidate);
        }
    }
    heap.into_iter()
        .map(|Reverse((key, Reverse(doc)))| (key, doc))
        .collect()
}

/// `top_by` stars, reading the segment's documents in star order when the set holds enough of
/// them that the page is near the front.
fn top_by_stars(segment: &SegmentData, docs: &DocBits, wanted: usize) -> Vec<(Key, DocId)> {
    let key = |doc: DocId| Key::Single(field(&segment.stars, doc as usize));
    let dense = docs.len() * 16 >= segment.by_stars.len();
    if !dense {
        return top_by(docs, wanted, key);
    }
    segment
        .by_stars
        .iter()
        .copied()
        .filter(|&doc| docs.contains(doc))
        .take(wanted)
        .map(|doc| (key(doc), doc))
        .collect()
}
