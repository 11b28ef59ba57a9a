//! End-to-end tests through the real HTTP application, on SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure should stop the test loudly"
)]

mod app;
mod compose;
mod facets;
mod forges;
mod import_export;
mod journey;
mod metrics;
mod notifications;
mod oidc;
mod openapi;
mod search;
mod session;
mod stars;
mod suggest;
mod tokens;
mod user_admin;
mod visibility;
