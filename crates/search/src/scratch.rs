//! Per-document working arrays reused from search to search.
//!
//! A search over a 100k-document segment needs a score per document (400 KB) and often a list of
//! tens of thousands of matches. Allocated and freed per request, arrays that size go back to the
//! operating system each time (glibc trims its heap above 128 KB) and fault in again as zeroed
//! pages on the next request, which showed over HTTP (two server threads) and not in a
//! single-threaded bench. A few arrays kept here are cleared instead.

use std::sync::{Mutex, PoisonError};

use tantivy::{DocId, Score};

/// Arrays kept per kind: one per search running at once is enough (searches run one per core).
const KEPT: usize = 8;

/// Free arrays of one kind.
struct Pool<T> {
    free: Mutex<Vec<Vec<T>>>,
}

impl<T: Copy> Pool<T> {
    fn new() -> Self {
        Self {
            free: Mutex::new(Vec::new()),
        }
    }

    /// A kept array, emptied, or a new one.
    fn pop(&self) -> Vec<T> {
        // A panic while holding the lock leaves at worst a list missing an array.
        let kept = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut array = kept.unwrap_or_default();
        array.clear();
        array
    }

    /// An array of `len` copies of `value`.
    fn take(&self, len: usize, value: T) -> Vec<T> {
        let mut array = self.pop();
        array.resize(len, value);
        array
    }

    /// An empty array with room for `capacity`.
    fn take_empty(&self, capacity: usize) -> Vec<T> {
        let mut array = self.pop();
        array.reserve(capacity);
        array
    }

    fn give_back(&self, array: Vec<T>) {
        if array.capacity() == 0 {
            return;
        }
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < KEPT {
            free.push(array);
        }
    }
}

/// The arrays searches borrow: scores per document, and lists of documents.
pub(crate) struct Scratch {
    scores: Pool<Score>,
    docs: Pool<DocId>,
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            scores: Pool::new(),
            docs: Pool::new(),
        }
    }
}

impl Scratch {
    /// `len` zero scores.
    pub(crate) fn zero_scores(&self, len: usize) -> Vec<Score> {
        self.scores.take(len, 0.0)
    }

    pub(crate) fn give_back_scores(&self, scores: Vec<Score>) {
        self.scores.give_back(scores);
    }

    /// An empty list of documents with room for `capacity`.
    pub(crate) fn doc_list(&self, capacity: usize) -> Vec<DocId> {
        self.docs.take_empty(capacity)
    }

    pub(crate) fn give_back_docs(&self, docs: Vec<DocId>) {
        self.docs.give_back(docs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_come_back_cleared() {
        let scratch = Scratch::default();
        let mut scores = scratch.zero_scores(4);
        scores[2] = 7.0;
        scratch.give_back_scores(scores);
        assert_eq!(scratch.zero_scores(6), [0.0; 6]);
        let mut docs = scratch.doc_list(3);
        docs.extend([1, 2, 3]);
        scratch.give_back_docs(docs);
        let again = scratch.doc_list(2);
        assert!(again.is_empty() && again.capacity() >= 3);
    }
}
