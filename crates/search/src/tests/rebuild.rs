//! Property: the index on disk is derived data, so `open_in_dir` never fails on a stale or broken
//! one: an index written with another schema version, or a corrupt directory, is wiped and
//! recreated empty (the caller refills it from the catalog), and a current one is kept.

use std::path::Path;

use tantivy::schema::{STORED, Schema, TEXT};
use tantivy::{Index, TantivyDocument};

use crate::schema::{self, SCHEMA_VERSION};
use crate::tests::fixture::{names, project};
use crate::{OpenOutcome, SearchIndex};

const VERSION_FILE: &str = "agora-schema-version";

/// An index as an older build wrote it: another schema, one document, another version number.
fn write_old_index(path: &Path, version: &str) {
    let mut builder = Schema::builder();
    let name = builder.add_text_field("name", TEXT | STORED);
    let index = Index::create_in_dir(path, builder.build()).unwrap();
    let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let mut doc = TantivyDocument::default();
    doc.add_text(name, "old-project");
    writer.add_document(doc).unwrap();
    writer.commit().unwrap();
    drop(writer);
    std::fs::write(path.join(VERSION_FILE), version).unwrap();
}

/// The reopened index is empty, takes writes and answers searches.
fn assert_usable_and_empty(index: &SearchIndex) {
    assert_eq!(index.num_docs(), 0);
    index.upsert(vec![project(1, "abacus-ledger")]).unwrap();
    index.flush_blocking().unwrap();
    assert_eq!(names(index, "abacus"), ["abacus-ledger"]);
}

#[test]
fn an_index_of_an_older_schema_version_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    write_old_index(dir.path(), &(SCHEMA_VERSION - 1).to_string());
    let (index, outcome) = SearchIndex::open_in_dir(dir.path()).unwrap();
    assert!(
        matches!(&outcome, OpenOutcome::Rebuilt { reason } if reason.contains("schema version")),
        "{outcome:?}"
    );
    assert!(outcome.needs_fill());
    let stored = std::fs::read_to_string(dir.path().join(VERSION_FILE)).unwrap();
    assert_eq!(stored.trim(), SCHEMA_VERSION.to_string());
    assert_usable_and_empty(&index);
}

#[test]
fn an_index_without_a_version_file_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    write_old_index(dir.path(), "");
    std::fs::remove_file(dir.path().join(VERSION_FILE)).unwrap();
    let (index, outcome) = SearchIndex::open_in_dir(dir.path()).unwrap();
    assert!(
        matches!(outcome, OpenOutcome::Rebuilt { .. }),
        "{outcome:?}"
    );
    assert_usable_and_empty(&index);
}

#[test]
fn a_corrupt_index_directory_is_rebuilt_rather_than_failing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("meta.json"), "{ this is not json").unwrap();
    std::fs::write(dir.path().join(VERSION_FILE), SCHEMA_VERSION.to_string()).unwrap();
    let (index, outcome) = SearchIndex::open_in_dir(dir.path()).unwrap();
    assert!(
        matches!(&outcome, OpenOutcome::Rebuilt { reason } if reason.contains("cannot be opened")),
        "{outcome:?}"
    );
    assert_usable_and_empty(&index);
}

#[test]
fn a_same_version_index_with_another_schema_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    write_old_index(dir.path(), &SCHEMA_VERSION.to_string());
    let (index, outcome) = SearchIndex::open_in_dir(dir.path()).unwrap();
    assert!(
        matches!(outcome, OpenOutcome::Rebuilt { .. }),
        "{outcome:?}"
    );
    assert_usable_and_empty(&index);
}

#[test]
fn a_missing_index_is_created_and_a_current_one_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    {
        let (schema, _) = schema::build();
        std::fs::create_dir_all(&path).unwrap();
        Index::create_in_dir(&path, schema).unwrap();
        std::fs::write(path.join(VERSION_FILE), SCHEMA_VERSION.to_string()).unwrap();
    }
    let (_, outcome) = SearchIndex::open_in_dir(&path).unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    assert!(!outcome.needs_fill());

    let fresh = dir.path().join("fresh");
    let (index, outcome) = SearchIndex::open_in_dir(&fresh).unwrap();
    assert_eq!(outcome, OpenOutcome::Created);
    assert_usable_and_empty(&index);
}

#[test]
fn an_index_another_process_writes_to_is_refused_not_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let (running, _) = SearchIndex::open_in_dir(dir.path()).unwrap();
    running.upsert(vec![project(1, "abacus-ledger")]).unwrap();
    running.flush_blocking().unwrap();
    // A second opener (say `agora reindex` beside `agora serve`) finds the writer lock taken.
    let second = SearchIndex::open_in_dir(dir.path());
    assert!(
        matches!(second, Err(crate::SearchError::Locked { .. })),
        "{second:?}"
    );
    assert_eq!(
        names(&running, "abacus"),
        ["abacus-ledger"],
        "the running index keeps its documents"
    );
}

#[tokio::test]
async fn merging_leaves_one_segment_and_the_same_answers() {
    let index = SearchIndex::in_memory().unwrap();
    for id in 1..=4 {
        index
            .upsert(vec![project(id, &format!("ledger-{id}"))])
            .unwrap();
        index.flush().await.unwrap();
    }
    // An update while merging would be lost if the merge did not apply it: delete one.
    index.delete(4).unwrap();
    index.flush().await.unwrap();
    assert!(index.segment_count() >= 2);
    let before = names(&index, "ledger");

    index.merge_segments().await.unwrap();
    assert_eq!(index.segment_count(), 1);
    assert_eq!(names(&index, "ledger"), before);
    assert_eq!(before.len(), 3);

    // Writes go on as before, and a second merge of one segment is a no-op.
    index.upsert(vec![project(5, "ledger-5")]).unwrap();
    index.flush().await.unwrap();
    assert_eq!(names(&index, "ledger").len(), 4);
    index.merge_segments().await.unwrap();
    index.merge_segments().await.unwrap();
    assert_eq!(index.segment_count(), 1);
}
