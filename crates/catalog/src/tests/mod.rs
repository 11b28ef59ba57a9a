//! Storage tests. Each runs on SQLite and on PostgreSQL (see `testing`).

mod migrations;
mod storage;
mod user_admin;
