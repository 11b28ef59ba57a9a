//! Answers to requests already answered since the last commit.
//!
//! Search traffic has a heavy head: the empty query on the home page, the names of popular
//! projects, what the suggestion box sends while a name is typed. Every answer is a pure function
//! of the request, the caller's audience and the index as the reader sees it, so it is kept
//! keyed by request and audience and tagged with the searcher's generation: after each commit the
//! reader moves to a new generation and every older answer stops matching, so a cached answer is
//! never staler than a fresh search would be. Bounded in entries (the cache evicts by its own
//! frequency/recency policy); stale entries simply age out.

use std::hash::Hash;
use std::sync::Arc;

use quick_cache::sync::Cache;

use crate::query::{SearchKey, SearchResults};
use crate::suggest::Suggestion;
use crate::visibility::Audience;

/// One cache per kind of answer.
pub(crate) struct Caches {
    pub(crate) search: AnswerCache<SearchKey, SearchResults>,
    /// Keyed by the text as typed (a trailing space changes the query) and the audience.
    pub(crate) suggest: AnswerCache<(String, Audience), Vec<Suggestion>>,
}

impl Caches {
    /// `None` for `entries == 0`: no caching at all.
    pub(crate) fn new(entries: usize) -> Option<Arc<Self>> {
        (entries > 0).then(|| {
            Arc::new(Self {
                search: AnswerCache::new(entries),
                suggest: AnswerCache::new(entries),
            })
        })
    }
}

/// Default number of answers kept per kind (search, suggest). A search answer is a page of hits
/// with snippets, a few tens of KB at most: ~1,000 of them stay within a few tens of MB.
pub const DEFAULT_ENTRIES: usize = 1_024;

pub(crate) struct AnswerCache<K, V> {
    answers: Cache<K, (u64, Arc<V>)>,
}

impl<K, V> AnswerCache<K, V>
where
    K: Eq + Hash + Clone,
{
    pub(crate) fn new(entries: usize) -> Self {
        Self {
            answers: Cache::new(entries),
        }
    }

    /// The answer stored for `key` by a searcher of this `generation`.
    pub(crate) fn get(&self, key: &K, generation: u64) -> Option<Arc<V>> {
        self.answers
            .get(key)
            .and_then(|(stored, answer)| (stored == generation).then_some(answer))
    }

    pub(crate) fn insert(&self, key: K, generation: u64, answer: Arc<V>) {
        self.answers.insert(key, (generation, answer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_of_an_older_generation_is_never_returned() {
        let cache: AnswerCache<&str, u32> = AnswerCache::new(8);
        cache.insert("rust", 1, Arc::new(7));
        assert_eq!(cache.get(&"rust", 1).as_deref(), Some(&7));
        assert_eq!(cache.get(&"rust", 2), None);
        assert_eq!(cache.get(&"go", 1), None);
        cache.insert("rust", 2, Arc::new(9));
        assert_eq!(cache.get(&"rust", 2).as_deref(), Some(&9));
        assert_eq!(cache.get(&"rust", 1), None);
    }
}
