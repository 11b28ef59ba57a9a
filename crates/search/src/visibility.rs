//! The catalog's visibility rule (see agora_catalog::viewer) inside the index, so that hits,
//! totals, facet counts and suggestions only ever include what the caller may see.
//!
//! The rule's inputs are folded into one FAST number per document when it is indexed (its
//! "audience key"), and every collector reads that number beside each match and drops what the
//! caller may not see. That replaces a filter query (published OR public OR internal OR own
//! department, AND NOT removed) that had to be built, and its posting lists unioned and
//! intersected with the text query, on every request: over most of the index that union cost more
//! than the rest of an empty-query search. Searches read the keys once per searcher generation
//! and audience, into a bitset of what that audience may see (see `segment_data::VisibleDocs`);
//! suggestions go through the `Visible` collector below.

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::segment_data::{SearcherData, SegmentData};

/// Whose search this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Admins and maintenance: everything, removed repositories included.
    Everything,
    /// Everyone else: published, public or internal, or of their own department.
    Member { department_id: Option<u64> },
}

/// The audience key of a project every member may see.
const EVERY_MEMBER: u64 = 0;
/// An unpublished private project without a department: only admins see it.
const ADMINS_ONLY: u64 = u64::MAX - 1;
/// Gone from its forge: only admins (and maintenance) see it.
pub(crate) const REMOVED: u64 = u64::MAX;

/// The inputs of the visibility rule for one project.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VisibilityInputs<'a> {
    pub visibility: &'a str,
    pub published: bool,
    pub department_id: Option<u64>,
    pub removed: bool,
}

/// Folds the rule's inputs into the key stored in the `audience` field: `EVERY_MEMBER` when the
/// project is published, public or internal; else its department's id (members of that
/// department see it); else `ADMINS_ONLY`. Removed projects are `REMOVED` whatever else holds.
pub(crate) fn audience_key(inputs: VisibilityInputs<'_>) -> u64 {
    if inputs.removed {
        return REMOVED;
    }
    if inputs.published || matches!(inputs.visibility, "public" | "internal") {
        return EVERY_MEMBER;
    }
    match inputs.department_id {
        // Ids are positive; the two reserved keys are far beyond any real department.
        Some(id) if id != EVERY_MEMBER && id < ADMINS_ONLY => id,
        _ => ADMINS_ONLY,
    }
}

impl Audience {
    /// Whether a document with this audience key is visible to this caller.
    pub(crate) fn admits(self, key: u64) -> bool {
        match self {
            Audience::Everything => true,
            Audience::Member { department_id } => {
                key == EVERY_MEMBER || department_id.is_some_and(|d| d != EVERY_MEMBER && d == key)
            }
        }
    }

    /// `collector`, seeing only the documents this caller may see (their keys read from
    /// `data`, prepared for the searcher the collector runs on).
    pub(crate) fn restrict<C: Collector>(
        self,
        data: &Arc<SearcherData>,
        collector: C,
    ) -> Visible<C> {
        Visible {
            audience: self,
            data: Arc::clone(data),
            inner: collector,
        }
    }
}

/// A collector that passes on only the documents its audience may see.
pub(crate) struct Visible<C> {
    audience: Audience,
    data: Arc<SearcherData>,
    inner: C,
}

pub(crate) struct VisibleSegment<S> {
    audience: Audience,
    segment: Arc<SegmentData>,
    inner: S,
    /// The visible documents of a block (reused from block to block).
    visible: Vec<DocId>,
}

impl<C: Collector> Collector for Visible<C> {
    type Fruit = C::Fruit;
    type Child = VisibleSegment<C::Child>;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(VisibleSegment {
            audience: self.audience,
            segment: Arc::clone(self.data.segment(reader)?),
            inner: self.inner.for_segment(segment_ord, reader)?,
            visible: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<C::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<Self::Fruit> {
        self.inner.merge_fruits(fruits)
    }
}

impl<S: SegmentCollector> VisibleSegment<S> {
    #[inline]
    fn admits(&self, doc: DocId) -> bool {
        self.segment
            .audience
            .get(doc as usize)
            .is_some_and(|&key| self.audience.admits(key))
    }
}

impl<S: SegmentCollector> SegmentCollector for VisibleSegment<S> {
    type Fruit = S::Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.admits(doc) {
            self.inner.collect(doc, score);
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        if self.audience == Audience::Everything {
            return self.inner.collect_block(docs);
        }
        let mut visible = std::mem::take(&mut self.visible);
        visible.clear();
        visible.extend(docs.iter().copied().filter(|&d| self.admits(d)));
        self.inner.collect_block(&visible);
        self.visible = visible;
    }

    fn harvest(self) -> Self::Fruit {
        self.inner.harvest()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(visibility: &str, published: bool, department_id: Option<u64>, removed: bool) -> u64 {
        audience_key(VisibilityInputs {
            visibility,
            published,
            department_id,
            removed,
        })
    }

    #[test]
    fn audience_keys_follow_the_visibility_rule() {
        let finance = Audience::Member {
            department_id: Some(2),
        };
        let legal = Audience::Member {
            department_id: Some(3),
        };
        let nobody = Audience::Member {
            department_id: None,
        };
        for everyone in [
            key("public", false, Some(2), false),
            key("internal", false, None, false),
            key("private", true, Some(2), false),
        ] {
            assert!(finance.admits(everyone) && legal.admits(everyone) && nobody.admits(everyone));
        }
        let finance_private = key("private", false, Some(2), false);
        assert!(finance.admits(finance_private));
        assert!(!legal.admits(finance_private));
        assert!(!nobody.admits(finance_private));
        assert!(Audience::Everything.admits(finance_private));

        let orphan_private = key("private", false, None, false);
        assert!(!finance.admits(orphan_private) && !nobody.admits(orphan_private));
        assert!(Audience::Everything.admits(orphan_private));

        let removed = key("public", true, Some(2), true);
        assert!(!finance.admits(removed) && !nobody.admits(removed));
        assert!(Audience::Everything.admits(removed));
    }

    #[test]
    fn department_zero_is_no_department() {
        let zero = Audience::Member {
            department_id: Some(0),
        };
        assert!(!zero.admits(key("private", false, None, false)));
        assert!(!zero.admits(key("private", false, Some(0), false)));
    }
}
