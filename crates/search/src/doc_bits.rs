//! Sets of documents of one segment, one bit per document: what a search matches, who may see
//! what, what a filter keeps. At 100k documents a set is 12.5 KB, and intersecting two is a few
//! thousand word operations, far cheaper than walking two posting lists side by side.

use tantivy::DocId;

/// A set of documents of one segment, one bit each.
#[derive(Clone)]
pub(crate) struct DocBits {
    words: Vec<u64>,
}

impl DocBits {
    pub(crate) fn new(max_doc: DocId) -> Self {
        Self {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    #[inline]
    pub(crate) fn insert(&mut self, doc: DocId) {
        if let Some(word) = self.words.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
        }
    }

    #[inline]
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.words
            .get(doc as usize / 64)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    pub(crate) fn union(&mut self, other: &DocBits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word |= other;
        }
    }

    pub(crate) fn intersect(&mut self, other: &DocBits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word &= other;
        }
    }

    /// The documents of `self` that are not in `other`.
    pub(crate) fn and_not(&self, other: &DocBits) -> DocBits {
        DocBits {
            words: self
                .words
                .iter()
                .zip(other.words.iter().chain(std::iter::repeat(&0)))
                .map(|(word, other)| word & !other)
                .collect(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    pub(crate) fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = DocId> + '_ {
        self.iter_and(self)
    }

    /// The documents in both `self` and `other`, ascending.
    pub(crate) fn iter_and<'a>(&'a self, other: &'a DocBits) -> impl Iterator<Item = DocId> + 'a {
        self.words
            .iter()
            .zip(&other.words)
            .enumerate()
            .flat_map(|(at, (a, b))| Bits(a & b).map(move |bit| (at * 64) as DocId + bit))
    }

    /// Appends the documents, ascending, to `docs` (a list for loops that read several arrays
    /// per document).
    pub(crate) fn append_to(&self, docs: &mut Vec<DocId>) {
        for (at, &word) in self.words.iter().enumerate() {
            let base = (at * 64) as DocId;
            let mut word = word;
            while word != 0 {
                docs.push(base + word.trailing_zeros());
                word &= word - 1;
            }
        }
    }

    /// The first document at or after `from`, if any.
    pub(crate) fn next_from(&self, from: DocId) -> Option<DocId> {
        let mut at = from as usize / 64;
        let mut word = self.words.get(at)? & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                return Some((at * 64) as DocId + word.trailing_zeros());
            }
            at += 1;
            word = *self.words.get(at)?;
        }
    }
}

/// The set bits of a word, lowest first.
struct Bits(u64);

impl Iterator for Bits {
    type Item = DocId;

    #[inline]
    fn next(&mut self) -> Option<DocId> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(max_doc: DocId, docs: &[DocId]) -> DocBits {
        let mut bits = DocBits::new(max_doc);
        for &doc in docs {
            bits.insert(doc);
        }
        bits
    }

    #[test]
    fn set_operations_across_word_boundaries() {
        let a = set(200, &[0, 63, 64, 127, 128, 199]);
        let b = set(200, &[63, 64, 150, 199]);
        assert_eq!(a.len(), 6);
        assert_eq!(a.iter().collect::<Vec<_>>(), [0, 63, 64, 127, 128, 199]);
        let mut listed = vec![5];
        a.append_to(&mut listed);
        assert_eq!(listed, [5, 0, 63, 64, 127, 128, 199]);
        assert_eq!(a.iter_and(&b).collect::<Vec<_>>(), [63, 64, 199]);
        assert_eq!(a.and_not(&b).iter().collect::<Vec<_>>(), [0, 127, 128]);
        let mut both = a.clone();
        both.intersect(&b);
        assert_eq!(both.iter().collect::<Vec<_>>(), [63, 64, 199]);
        let mut either = a.clone();
        either.union(&b);
        assert_eq!(either.len(), 7);
        assert!(either.contains(150) && !either.contains(151));
        assert_eq!(a.next_from(1), Some(63));
        assert_eq!(a.next_from(65), Some(127));
        assert_eq!(a.next_from(200), None);
        assert_eq!(a.next_from(DocId::MAX), None);
        assert!(DocBits::new(0).is_empty() && !a.is_empty());
    }
}
