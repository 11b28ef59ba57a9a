//! Behaviour tests of the whole crate through its public API: one module per relevance property
//! on tiny in-memory fixture indexes (`relevance`), filters with their facet counts (`facets`),
//! the sort orders (`sorting`), highlighted fragments (`snippets`), search-as-you-type
//! (`suggest`), the index's life cycle on disk (`rebuild`), and the answer cache
//! (`answer_cache`).

mod answer_cache;
mod facets;
mod fixture;
mod pool;
mod rebuild;
mod relevance;
mod snippets;
mod sorting;
mod suggest;
