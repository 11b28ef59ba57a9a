//! The per-document values every search reads for every match — who may see it, its popularity
//! prior, its facet values — copied out of the segment's columns into plain arrays, once per
//! segment.
//!
//! A segment never changes once written (an update is a delete plus a new document in a newer
//! segment), so these arrays stay valid for its whole life and are built the first time a
//! searcher holding it is used. Reading them is an array index where the columns cost a
//! bit-unpacking, an optional-index rank and, for the prior, two logarithms per match; and facet
//! values get one id per distinct value across all segments, so a search counts into plain
//! vectors and touches a value's text only for the few values it returns. (Profiled on the 100k
//! bench, resolving and merging facet values by text per segment took a sixth of a search.)
//!
//! Memory: about 60 bytes per document (100k projects: 6 MB), plus each distinct facet value once,
//! and per searcher a bit per document for each audience that searched.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader, TantivyError};

use crate::doc_bits::DocBits;
use crate::facet::FacetField;
use crate::ranking::popularity_prior;
use crate::scratch::Scratch;
use crate::visibility::{Audience, REMOVED};

/// A document without a value for a single-valued facet.
const NO_VALUE: u32 = u32::MAX;

/// The values of one facet for every document of a segment, as global value ids.
pub(crate) enum FacetIds {
    /// At most one value per document (`NO_VALUE` for none).
    Single(Vec<u32>),
    /// Any number: document `d`'s ids are `ids[starts[d]..starts[d + 1]]`.
    Multi { starts: Vec<u32>, ids: Vec<u32> },
}

impl FacetIds {
    /// Calls `count` with each value id of `doc`.
    #[inline]
    pub(crate) fn for_each(&self, doc: DocId, mut count: impl FnMut(u32)) {
        let doc = doc as usize;
        match self {
            FacetIds::Single(ids) => {
                if let Some(&id) = ids.get(doc)
                    && id != NO_VALUE
                {
                    count(id);
                }
            }
            FacetIds::Multi { starts, ids } => {
                if let (Some(&from), Some(&to)) = (starts.get(doc), starts.get(doc + 1))
                    && let Some(doc_ids) = ids.get(from as usize..to as usize)
                {
                    doc_ids.iter().copied().for_each(count);
                }
            }
        }
    }
}

impl FacetIds {
    /// Adds one to `counts[id]` for each value id of each of `docs`. The indexer writes each
    /// value once per document (topics are deduplicated), so each id counts one document.
    pub(crate) fn count(&self, docs: &[DocId], counts: &mut [u64]) {
        let mut add = |id: u32| {
            if let Some(count) = counts.get_mut(id as usize) {
                *count += 1;
            }
        };
        // One match for the whole list, not one per document: this loop runs for every
        // document a search matches.
        match self {
            FacetIds::Single(ids) => {
                for &doc in docs {
                    if let Some(&id) = ids.get(doc as usize)
                        && id != NO_VALUE
                    {
                        add(id);
                    }
                }
            }
            FacetIds::Multi { starts, ids } => {
                // A document's ids are `ids[starts[doc]..starts[doc + 1]]`; counted into a
                // compact local table (a few hundred topics fit in L1) and added once.
                let mut local = vec![0u32; counts.len()];
                for &doc in docs {
                    let doc = doc as usize;
                    let (Some(&from), Some(&to)) = (starts.get(doc), starts.get(doc + 1)) else {
                        continue;
                    };
                    for &id in ids.get(from as usize..to as usize).unwrap_or_default() {
                        if let Some(count) = local.get_mut(id as usize) {
                            *count += 1;
                        }
                    }
                }
                for (count, local) in counts.iter_mut().zip(local) {
                    *count += u64::from(local);
                }
            }
        }
    }
}

/// No value, in `PackedFacets`.
const PACKED_NONE: u8 = u8::MAX;
/// The ids a byte of `PackedFacets` holds: those below `PACKED_NONE`.
pub(crate) const PACKED_IDS: usize = PACKED_NONE as usize;

/// Up to four single-valued facets whose ids all fit in a byte (below `PACKED_NONE`), a byte
/// each in one word per document. Counting them over a search's matches is one pass with one
/// load per document into four small tables, where the separate arrays took a pass each; most
/// catalogs have far fewer than 255 languages, departments, licenses and maturities. A facet
/// with more values is counted from its `FacetIds`.
pub(crate) struct PackedFacets {
    /// The facet in each byte, lowest first.
    pub(crate) facets: Vec<FacetField>,
    words: Vec<u32>,
}

impl PackedFacets {
    fn new(facets: &[FacetIds], max_doc: DocId) -> Option<Self> {
        let mut packed: Vec<(FacetField, &Vec<u32>)> = Vec::new();
        for (&facet, ids) in FacetField::ALL.iter().zip(facets) {
            if let FacetIds::Single(ids) = ids
                && packed.len() < 4
                && ids
                    .iter()
                    .all(|&id| id == NO_VALUE || id < u32::from(PACKED_NONE))
            {
                packed.push((facet, ids));
            }
        }
        if packed.is_empty() {
            return None;
        }
        let words = (0..max_doc as usize)
            .map(|doc| {
                let mut bytes = [PACKED_NONE; 4];
                for (byte, (_, ids)) in bytes.iter_mut().zip(&packed) {
                    if let Some(&id) = ids.get(doc)
                        && let Ok(id) = u8::try_from(id)
                    {
                        *byte = id;
                    }
                }
                u32::from_le_bytes(bytes)
            })
            .collect();
        Some(Self {
            facets: packed.into_iter().map(|(facet, _)| facet).collect(),
            words,
        })
    }

    /// Documents per value id, for the facet in each byte (index `PACKED_NONE` counts those
    /// without a value).
    pub(crate) fn count(&self, docs: &[DocId]) -> [[u32; 256]; 4] {
        let mut counts = [[0u32; 256]; 4];
        for &doc in docs {
            if let Some(&word) = self.words.get(doc as usize) {
                let [a, b, c, d] = word.to_le_bytes();
                counts[0][usize::from(a)] += 1;
                counts[1][usize::from(b)] += 1;
                counts[2][usize::from(c)] += 1;
                counts[3][usize::from(d)] += 1;
            }
        }
        counts
    }
}

/// What searches read per document of one segment.
pub(crate) struct SegmentData {
    segment_id: SegmentId,
    /// The visibility key (see `visibility::audience_key`) per document.
    pub(crate) audience: Vec<u64>,
    /// The popularity prior (see `ranking::popularity_prior`) per document.
    pub(crate) prior: Vec<f32>,
    /// Forge stars per document (the `stars` sort).
    pub(crate) stars: Vec<u64>,
    /// Last push per document, as `sort_key_of_time` (0: never pushed).
    pub(crate) pushed: Vec<u64>,
    /// Activity score per document.
    pub(crate) activity: Vec<u64>,
    /// Every document, most starred first (ties by document id): a sort by stars over most of
    /// the segment (the empty query) reads its page off the front.
    pub(crate) by_stars: Vec<DocId>,
    /// Per facet, in `FacetField::ALL` order.
    pub(crate) facets: Vec<FacetIds>,
    /// The facets of `facets` that pack into a word per document, if any.
    pub(crate) packed: Option<PackedFacets>,
}

/// What one audience may see of one segment.
pub(crate) struct VisibleDocs {
    /// The live documents it may see.
    pub(crate) docs: DocBits,
    /// Their facet counts: per facet (in `FacetField::ALL` order), a count per value id. A
    /// search matching most of them counts the few it did not match and subtracts.
    pub(crate) counts: Vec<Vec<u64>>,
}

/// A push time as a number that sorts like it, above every "never pushed" (0).
pub(crate) fn sort_key_of_time(seconds: i64) -> u64 {
    // Flipping the sign bit maps i64 order onto u64 order; i64::MIN itself is no real time.
    (seconds as u64 ^ (1 << 63)).max(1)
}

/// The segment data of one searcher (one index generation), and the facet values as of then.
pub(crate) struct SearcherData {
    segments: Vec<Arc<SegmentData>>,
    /// Per facet, in `FacetField::ALL` order: the value of each id.
    values: Vec<Arc<[Arc<str>]>>,
    /// What each audience may see of each segment, shared with the store.
    visible: VisibleCache,
    /// Working arrays, shared with the store.
    scratch: Arc<Scratch>,
}

/// A segment, how many of its documents were deleted (deletions only ever grow, so the pair
/// names one state of its live documents), and an audience.
type VisibleKey = (SegmentId, u32, Audience);
/// Kept across searchers: a commit adds a small segment or deletes a few documents, and every
/// other segment's sets stay as they were (rebuilding them all took 1–2 ms per audience at 100k
/// after each commit, and stars commit every 200 ms under load).
type VisibleCache = Arc<Mutex<HashMap<VisibleKey, Arc<VisibleDocs>>>>;

impl SearcherData {
    /// The data of the segment `reader` reads (always present for a segment of the searcher
    /// this data was prepared for).
    pub(crate) fn segment(&self, reader: &SegmentReader) -> tantivy::Result<&Arc<SegmentData>> {
        let id = reader.segment_id();
        self.segments
            .iter()
            .find(|s| s.segment_id == id)
            .ok_or_else(|| {
                TantivyError::InternalError(format!("no search data prepared for segment {id}"))
            })
    }

    /// Working arrays to borrow and give back.
    pub(crate) fn scratch(&self) -> &Scratch {
        &self.scratch
    }

    /// The value of each id of `facet`.
    pub(crate) fn values(&self, facet: FacetField) -> &[Arc<str>] {
        &self.values[facet.index()]
    }

    /// Per segment of `searcher` (the one this data was prepared for, in its order), the live
    /// documents `audience` may see.
    pub(crate) fn visible(
        &self,
        searcher: &Searcher,
        audience: Audience,
    ) -> tantivy::Result<Vec<Arc<VisibleDocs>>> {
        // A panic while building leaves at worst a map missing an entry: still usable.
        let mut cache = self.visible.lock().unwrap_or_else(PoisonError::into_inner);
        searcher
            .segment_readers()
            .iter()
            .map(|reader| {
                let key = (reader.segment_id(), reader.num_deleted_docs(), audience);
                if let Some(visible) = cache.get(&key) {
                    return Ok(Arc::clone(visible));
                }
                let visible = Arc::new(self.visible_in(reader, audience)?);
                cache.insert(key, Arc::clone(&visible));
                Ok(visible)
            })
            .collect()
    }

    fn visible_in(
        &self,
        reader: &SegmentReader,
        audience: Audience,
    ) -> tantivy::Result<VisibleDocs> {
        let segment = self.segment(reader)?;
        let alive = reader.alive_bitset();
        let mut docs = DocBits::new(reader.max_doc());
        // Sized to the values known now: a segment's ids were all handed out when it was
        // prepared, so a later searcher's longer lists hold no id this one lacks.
        let mut counts: Vec<Vec<u64>> = FacetField::ALL
            .iter()
            .map(|&facet| vec![0; self.values(facet).len()])
            .collect();
        for (doc, &key) in (0..reader.max_doc()).zip(&segment.audience) {
            if audience.admits(key) && alive.is_none_or(|a| a.is_alive(doc)) {
                docs.insert(doc);
                for (ids, counts) in segment.facets.iter().zip(&mut counts) {
                    ids.for_each(doc, |id| {
                        if let Some(count) = counts.get_mut(id as usize) {
                            *count += 1;
                        }
                    });
                }
            }
        }
        Ok(VisibleDocs { docs, counts })
    }
}

/// Global ids of one facet's values: ids are handed out once and never reused, so an id read
/// from any segment's array means the same value for as long as the index is open.
#[derive(Default)]
struct Interner {
    ids: HashMap<Arc<str>, u32>,
    values: Vec<Arc<str>>,
    /// `values` as last handed to a searcher (shared until a new value arrives).
    snapshot: Option<Arc<[Arc<str>]>>,
}

impl Interner {
    fn id(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        // More distinct values than u32 ids would need four billion facet values.
        let id = u32::try_from(self.values.len()).unwrap_or(NO_VALUE - 1);
        let value: Arc<str> = Arc::from(value);
        self.ids.insert(Arc::clone(&value), id);
        self.values.push(value);
        self.snapshot = None;
        id
    }

    fn snapshot(&mut self) -> Arc<[Arc<str>]> {
        Arc::clone(
            self.snapshot
                .get_or_insert_with(|| self.values.iter().cloned().collect()),
        )
    }
}

#[derive(Default)]
struct Store {
    segments: HashMap<SegmentId, Arc<SegmentData>>,
    interners: Vec<Interner>,
    /// The last searcher generation prepared, and its data.
    last: Option<(u64, Arc<SearcherData>)>,
}

/// Segment data for every segment a searcher may hold, shared by all handles on one index.
#[derive(Default)]
pub(crate) struct SegmentDataStore {
    store: Mutex<Store>,
    visible: VisibleCache,
    scratch: Arc<Scratch>,
}

impl SegmentDataStore {
    /// The data for `searcher`'s segments, building what a new segment needs and forgetting
    /// segments the searcher no longer holds (merged away or deleted).
    pub(crate) fn prepare(&self, searcher: &Searcher) -> tantivy::Result<Arc<SearcherData>> {
        let generation = searcher.generation().generation_id();
        // A panic while building leaves at worst a map missing an entry: still usable.
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((last, data)) = &store.last
            && *last == generation
        {
            return Ok(Arc::clone(data));
        }
        if store.interners.is_empty() {
            store.interners = FacetField::ALL
                .iter()
                .map(|_| Interner::default())
                .collect();
        }
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let data = match store.segments.get(&id) {
                Some(data) => Arc::clone(data),
                None => {
                    let data = Arc::new(build(reader, &mut store.interners)?);
                    store.segments.insert(id, Arc::clone(&data));
                    data
                }
            };
            segments.push(data);
        }
        // Only generations newer than the last prepared one prune: an older searcher still in
        // use elsewhere must not make the current one rebuild its segments.
        let newer = store
            .last
            .as_ref()
            .is_none_or(|(last, _)| generation > *last);
        if newer {
            store
                .segments
                .retain(|id, _| segments.iter().any(|s| s.segment_id == *id));
            let readers = searcher.segment_readers();
            self.visible
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|(id, deleted, _), _| {
                    readers
                        .iter()
                        .any(|r| r.segment_id() == *id && r.num_deleted_docs() == *deleted)
                });
        }
        let data = Arc::new(SearcherData {
            segments,
            values: store.interners.iter_mut().map(Interner::snapshot).collect(),
            visible: Arc::clone(&self.visible),
            scratch: Arc::clone(&self.scratch),
        });
        if newer {
            store.last = Some((generation, Arc::clone(&data)));
        }
        Ok(data)
    }
}

fn build(reader: &SegmentReader, interners: &mut [Interner]) -> tantivy::Result<SegmentData> {
    let max_doc = reader.max_doc();
    let fast = reader.fast_fields();
    let u64_column =
        |name: &str| -> tantivy::Result<Option<Column<u64>>> { Ok(fast.u64(name).ok()) };
    let audience_column = u64_column("audience")?;
    let stars_column = u64_column("stars")?;
    let agora_stars = u64_column("agora_stars")?;
    let activity_column = u64_column("activity_score")?;
    let pushed_column: Option<Column<i64>> = fast.i64("pushed_at").ok();
    let read = |column: &Option<Column<u64>>, doc: DocId| {
        column.as_ref().and_then(|c| c.first(doc)).unwrap_or(0)
    };
    let capacity = max_doc as usize;
    let mut audience = Vec::with_capacity(capacity);
    let mut prior = Vec::with_capacity(capacity);
    let mut stars = Vec::with_capacity(capacity);
    let mut pushed = Vec::with_capacity(capacity);
    let mut activity = Vec::with_capacity(capacity);
    for doc in 0..max_doc {
        stars.push(read(&stars_column, doc));
        activity.push(read(&activity_column, doc));
        pushed.push(
            pushed_column
                .as_ref()
                .and_then(|c| c.first(doc))
                .map_or(0, sort_key_of_time),
        );
        // A document without a key (never written by this version) is shown to no member.
        audience.push(
            audience_column
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(REMOVED),
        );
        prior.push(popularity_prior(
            read(&stars_column, doc).saturating_add(read(&agora_stars, doc)),
            read(&activity_column, doc),
        ));
    }
    let mut by_stars: Vec<DocId> = (0..max_doc).collect();
    by_stars.sort_by_key(|&doc| std::cmp::Reverse(stars.get(doc as usize).copied()));
    let facets = FacetField::ALL
        .iter()
        .zip(interners.iter_mut())
        .map(|(facet, interner)| {
            let column = fast.str(facet.column())?;
            facet_ids(column, max_doc, interner).map_err(TantivyError::from)
        })
        .collect::<tantivy::Result<Vec<_>>>()?;
    let packed = PackedFacets::new(&facets, max_doc);
    Ok(SegmentData {
        segment_id: reader.segment_id(),
        audience,
        prior,
        stars,
        pushed,
        activity,
        by_stars,
        facets,
        packed,
    })
}

fn facet_ids(
    column: Option<StrColumn>,
    max_doc: DocId,
    interner: &mut Interner,
) -> std::io::Result<FacetIds> {
    let Some(column) = column else {
        return Ok(FacetIds::Single(vec![NO_VALUE; max_doc as usize]));
    };
    // The segment's ordinals in dictionary order, mapped to global ids.
    let mut global = Vec::with_capacity(column.num_terms());
    let mut terms = column.dictionary().stream()?;
    while terms.advance() {
        global.push(interner.id(&String::from_utf8_lossy(terms.key())));
    }
    let id_of = |ord: u64| {
        usize::try_from(ord)
            .ok()
            .and_then(|i| global.get(i))
            .copied()
    };
    Ok(match column.ords().get_cardinality() {
        Cardinality::Multivalued => {
            let mut starts = Vec::with_capacity(max_doc as usize + 1);
            let mut ids = Vec::new();
            starts.push(0);
            for doc in 0..max_doc {
                ids.extend(column.term_ords(doc).filter_map(id_of));
                starts.push(u32::try_from(ids.len()).unwrap_or(u32::MAX));
            }
            FacetIds::Multi { starts, ids }
        }
        Cardinality::Full | Cardinality::Optional => FacetIds::Single(
            (0..max_doc)
                .map(|doc| {
                    column
                        .term_ords(doc)
                        .next()
                        .and_then(id_of)
                        .unwrap_or(NO_VALUE)
                })
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts of `ids` over `docs` the unpacked way.
    fn counted(ids: &FacetIds, docs: &[DocId], values: usize) -> Vec<u64> {
        let mut counts = vec![0; values];
        ids.count(docs, &mut counts);
        counts
    }

    #[test]
    fn packed_facets_count_like_the_separate_arrays() {
        let max_doc = 600;
        // Language: ids 0..7 and some without a value; topics: several per document (never
        // packed); department: 300 ids (too many for a byte); license: ids 0..3.
        let language = FacetIds::Single(
            (0..max_doc)
                .map(|d| if d % 11 == 0 { NO_VALUE } else { d % 7 })
                .collect(),
        );
        let mut starts = vec![0];
        let mut topic_ids = Vec::new();
        for d in 0..max_doc {
            topic_ids.extend((0..d % 4).map(|k| (d + k) % 50));
            starts.push(u32::try_from(topic_ids.len()).unwrap());
        }
        let topics = FacetIds::Multi {
            starts,
            ids: topic_ids,
        };
        let department = FacetIds::Single((0..max_doc).map(|d| d % 300).collect());
        let license = FacetIds::Single((0..max_doc).map(|d| d % 3).collect());
        let maturity = FacetIds::Single(vec![NO_VALUE; max_doc as usize]);
        let facets = vec![language, topics, department, license, maturity];

        let packed = PackedFacets::new(&facets, max_doc).expect("three facets pack");
        assert_eq!(
            packed.facets,
            [
                FacetField::Language,
                FacetField::License,
                FacetField::Maturity
            ]
        );
        let docs: Vec<DocId> = (0..max_doc).filter(|d| d % 3 != 1).collect();
        let counts = packed.count(&docs);
        for (byte, facet) in packed.facets.iter().enumerate() {
            let expected = counted(&facets[facet.index()], &docs, PACKED_IDS);
            let got: Vec<u64> = counts[byte][..PACKED_IDS]
                .iter()
                .map(|&c| u64::from(c))
                .collect();
            assert_eq!(got, expected, "{facet:?}");
        }
        // Documents without a value land in the last slot, never on an id.
        assert_eq!(
            counts[0][PACKED_IDS],
            docs.iter().filter(|&&d| d % 11 == 0).count() as u32
        );
        assert_eq!(counts[2][PACKED_IDS], docs.len() as u32);

        // Topics: the multi-valued count matches a per-document count.
        let topic_counts = counted(&facets[1], &docs, 50);
        let mut expected = vec![0u64; 50];
        for &d in &docs {
            for k in 0..d % 4 {
                expected[((d + k) % 50) as usize] += 1;
            }
        }
        assert_eq!(topic_counts, expected);
    }
}
