//! Behaviour tests of the whole crate through its public API: one module per relevance property
//! on tiny in-memory fixture indexes (`relevance`), and the index's life cycle on disk
//! (`rebuild`).

mod fixture;
mod rebuild;
mod relevance;
