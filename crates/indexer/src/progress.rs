//! How long jobs report how far they are, without this crate knowing about terminals.

pub trait Progress: Send + Sync {
    fn start(&self, _what: &str, _total: u64) {}
    fn advance(&self, _done: u64) {}
    fn finish(&self) {}
}

/// For callers that show nothing (the server, tests).
pub struct NoProgress;

impl Progress for NoProgress {}
