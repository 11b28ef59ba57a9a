//! The catalog is Agora's source of truth: departments, users, forges, repositories, listings,
//! stars, access requests, the audit trail and sync runs, stored with diesel on SQLite (the
//! embedded default) or PostgreSQL (production), chosen by the database URL. The search index and
//! every page are derived from it.

pub mod access_requests;
pub mod audit;
pub mod db;
pub mod departments;
pub mod error;
pub mod forges;
pub mod listings;
pub mod model;
pub mod notifications;
pub mod repositories;
pub mod schema;
pub mod secret_box;
pub mod stars;
pub mod sync_runs;
pub mod users;
pub mod viewer;

#[cfg(any(test, feature = "testing"))]
#[allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test support: a failed setup should stop the test loudly"
)]
pub mod testing;

pub use db::{Backend, Catalog, DatabaseUrl, DbConnection};
pub use error::{CatalogError, CatalogResult};
pub use repositories::Project;
pub use viewer::Viewer;

#[cfg(test)]
mod tests;
