//! The one index writer, on its own thread, fed by a channel. Changes are applied as they arrive
//! and committed in batches — after `COMMIT_AFTER_DOCS` changes or `COMMIT_INTERVAL` after the
//! first uncommitted one, whichever comes first — then the reader is reloaded, so a change is
//! searchable within about `COMMIT_INTERVAL`. Searches never wait for the writer. A failed commit
//! is logged and retried with the next batch; it never stops the process.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use tantivy::{IndexReader, IndexWriter, Term};

use crate::document::ProjectDocument;
use crate::schema::Fields;

pub(crate) const COMMIT_INTERVAL: Duration = Duration::from_millis(200);
const COMMIT_AFTER_DOCS: usize = 10_000;

pub(crate) enum WriterOp {
    Upsert(Vec<ProjectDocument>),
    Delete(u64),
    Clear,
    /// Commit now and say how it went.
    Flush(tokio::sync::oneshot::Sender<Result<(), String>>),
    /// Merge every committed segment into one and say how it went: `Ok(false)` when the merge
    /// could not start (some segment is already being merged), `Ok(true)` once the merged
    /// segment is searchable.
    MergeAll(tokio::sync::oneshot::Sender<Result<bool, String>>),
}

pub(crate) fn spawn(
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
) -> std::io::Result<Sender<WriterOp>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("agora-index-writer".to_owned())
        .spawn(move || run(writer, reader, fields, receiver))?;
    Ok(sender)
}

struct Batch {
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    pending: usize,
    since: Option<Instant>,
}

impl Batch {
    fn touch(&mut self, changes: usize) {
        self.pending += changes;
        self.since.get_or_insert_with(Instant::now);
    }

    fn apply(&mut self, op: WriterOp) {
        match op {
            WriterOp::Upsert(docs) => {
                let count = docs.len();
                for doc in docs {
                    // Upsert = delete by id + add, in the same commit.
                    self.writer
                        .delete_term(Term::from_field_u64(self.fields.id, doc.id));
                    if let Err(e) = self.writer.add_document(doc.to_tantivy(&self.fields)) {
                        tracing::error!(error = %e, id = doc.id, "could not add a document to the index");
                    }
                }
                self.touch(count);
            }
            WriterOp::Delete(id) => {
                self.writer
                    .delete_term(Term::from_field_u64(self.fields.id, id));
                self.touch(1);
            }
            WriterOp::Clear => {
                if let Err(e) = self.writer.delete_all_documents() {
                    tracing::error!(error = %e, "could not clear the index");
                }
                self.touch(1);
            }
            WriterOp::Flush(reply) => {
                let _ = reply.send(self.commit());
            }
            WriterOp::MergeAll(reply) => self.merge_all(reply),
        }
    }

    /// Starts merging every segment into one, and answers `reply` from a thread that waits for
    /// the merge: the writer goes on taking changes meanwhile.
    fn merge_all(&mut self, reply: tokio::sync::oneshot::Sender<Result<bool, String>>) {
        let segments = match self.writer.index().searchable_segment_ids() {
            Ok(segments) => segments,
            Err(e) => {
                let _ = reply.send(Err(e.to_string()));
                return;
            }
        };
        if segments.len() < 2 {
            let _ = reply.send(Ok(true));
            return;
        }
        let merge = self.writer.merge(&segments);
        let reader = self.reader.clone();
        let waiter = std::thread::Builder::new()
            .name("agora-index-merge".to_owned())
            .spawn(move || {
                let outcome = match merge.wait() {
                    Ok(_) => reader
                        .reload()
                        .map(|()| true)
                        .map_err(|e| format!("reload after merge: {e}")),
                    // tantivy refuses to start a merge of segments already in one.
                    Err(tantivy::TantivyError::InvalidArgument(_)) => Ok(false),
                    Err(e) => Err(e.to_string()),
                };
                let _ = reply.send(outcome);
            });
        if let Err(e) = waiter {
            tracing::warn!(error = %e, "could not start a thread to wait for a merge");
        }
    }

    fn commit(&mut self) -> Result<(), String> {
        if self.pending == 0 {
            return Ok(());
        }
        match self.writer.commit() {
            Ok(_) => {
                self.pending = 0;
                self.since = None;
                self.reader
                    .reload()
                    .map_err(|e| format!("reload after commit: {e}"))
            }
            Err(e) => {
                tracing::error!(error = %e, "index commit failed; will retry with the next batch");
                Err(e.to_string())
            }
        }
    }

    fn due(&self) -> bool {
        self.pending >= COMMIT_AFTER_DOCS
            || self.since.is_some_and(|t| t.elapsed() >= COMMIT_INTERVAL)
    }
}

fn run(writer: IndexWriter, reader: IndexReader, fields: Fields, ops: Receiver<WriterOp>) {
    let mut batch = Batch {
        writer,
        reader,
        fields,
        pending: 0,
        since: None,
    };
    loop {
        let wait = match batch.since {
            Some(since) => COMMIT_INTERVAL.saturating_sub(since.elapsed()),
            None => Duration::from_secs(3600),
        };
        match ops.recv_timeout(wait) {
            Ok(op) => batch.apply(op),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                let _ = batch.commit();
                if let Err(e) = batch.writer.wait_merging_threads() {
                    tracing::warn!(error = %e, "index merge threads ended with an error");
                }
                return;
            }
        }
        if batch.due() {
            let _ = batch.commit();
        }
    }
}
