//! Shared pieces of the end-to-end tests: a `TestApp` that builds the real actix application
//! through the same factory as `agora serve`, over a real catalog and index.
