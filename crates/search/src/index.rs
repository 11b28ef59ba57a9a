//! Opening the index (rebuilding it when it is missing, corrupt or of an older schema), feeding
//! the writer, and searching.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;

use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, ReloadPolicy};
use tokio::sync::Semaphore;

use crate::analyzer;
use crate::cache::{self, Caches};
use crate::document::ProjectDocument;
use crate::error::SearchError;
use crate::query::{SearchRequest, SearchResults};
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::segment_data::SegmentDataStore;
use crate::visibility::Audience;
use crate::writer::{self, WriterOp};

const VERSION_FILE: &str = "agora-schema-version";
/// Decompressed doc store blocks kept per segment (tantivy keeps 100). Every hit of every
/// search reads its stored fields, and popular projects are hits again and again: with 4 KiB
/// blocks this is a few MB per segment, and saves decompressing a block per repeated hit.
const DOC_STORE_CACHE_BLOCKS: usize = 512;
/// Indexing memory budget, shared by the writer's threads.
const WRITER_MEMORY: usize = 128 * 1024 * 1024;

/// What opening found: an index to use as is, or an empty one the caller must fill from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    Opened,
    Created,
    Rebuilt { reason: String },
}

impl OpenOutcome {
    pub fn needs_fill(&self) -> bool {
        !matches!(self, Self::Opened)
    }
}

#[derive(Clone)]
pub struct SearchIndex {
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    ops: Sender<WriterOp>,
    dir: Option<PathBuf>,
    /// Answers since the last commit (see `cache`); `None` when disabled.
    pub(crate) caches: Option<Arc<Caches>>,
    /// Per-segment arrays every search reads (see `segment_data`), shared by all handles.
    pub(crate) segment_data: Arc<SegmentDataStore>,
    /// One permit per core for `search_in_pool` (see there).
    search_slots: Arc<Semaphore>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish()
    }
}

fn dir_error(path: &Path, e: impl std::fmt::Display) -> SearchError {
    SearchError::Directory {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl SearchIndex {
    /// Opens the index in `path`, creating it, or wiping and recreating it when it cannot be
    /// used (corrupt, or written with another schema version). The index is only ever derived
    /// data, so wiping it loses nothing: the caller refills it from the catalog.
    pub fn open_in_dir(path: &Path) -> Result<(Self, OpenOutcome), SearchError> {
        std::fs::create_dir_all(path).map_err(|e| dir_error(path, e))?;
        let version_path = path.join(VERSION_FILE);
        let has_index = path.join("meta.json").exists();
        let outcome = if !has_index {
            OpenOutcome::Created
        } else {
            let stored = std::fs::read_to_string(&version_path).unwrap_or_default();
            if stored.trim() != SCHEMA_VERSION.to_string() {
                OpenOutcome::Rebuilt {
                    reason: format!("schema version `{}` is not {SCHEMA_VERSION}", stored.trim()),
                }
            } else {
                match Self::open_existing(path) {
                    Ok(index) => return Ok((index, OpenOutcome::Opened)),
                    // Another process writes this index: it is not corrupt, and must not be wiped.
                    Err(SearchError::Tantivy(tantivy::TantivyError::LockFailure(..))) => {
                        return Err(SearchError::Locked {
                            path: path.display().to_string(),
                        });
                    }
                    Err(e) => OpenOutcome::Rebuilt {
                        reason: format!("the index cannot be opened: {e}"),
                    },
                }
            }
        };
        if let OpenOutcome::Rebuilt { reason } = &outcome {
            tracing::warn!(path = %path.display(), %reason, "rebuilding the search index");
            std::fs::remove_dir_all(path).map_err(|e| dir_error(path, e))?;
            std::fs::create_dir_all(path).map_err(|e| dir_error(path, e))?;
        }
        let (schema, _) = schema::build();
        let directory = MmapDirectory::open(path).map_err(|e| dir_error(path, e))?;
        let index = Index::create(directory, schema, schema::index_settings())?;
        std::fs::write(&version_path, SCHEMA_VERSION.to_string())
            .map_err(|e| dir_error(path, e))?;
        Ok((Self::start(index, Some(path.to_path_buf()))?, outcome))
    }

    fn open_existing(path: &Path) -> Result<Self, SearchError> {
        let index = Index::open_in_dir(path)?;
        // An index whose fields differ from ours under the same version number is not ours.
        let (expected, _) = schema::build();
        if index.schema() != expected {
            return Err(SearchError::InvalidRequest(
                "the stored schema differs from this build's".to_owned(),
            ));
        }
        Self::start(index, Some(path.to_path_buf()))
    }

    /// An index in memory (tests, benches).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, _) = schema::build();
        let index = Index::builder()
            .schema(schema)
            .settings(schema::index_settings())
            .create_in_ram()?;
        Self::start(index, None)
    }

    fn start(index: Index, dir: Option<PathBuf>) -> Result<Self, SearchError> {
        analyzer::register(&index);
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        let ops = writer::spawn(writer, reader.clone(), fields.clone()).map_err(|e| {
            SearchError::Directory {
                path: "index writer thread".to_owned(),
                reason: e.to_string(),
            }
        })?;
        Ok(Self {
            reader,
            fields,
            ops,
            dir,
            caches: Caches::new(cache::DEFAULT_ENTRIES),
            segment_data: Arc::default(),
            search_slots: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
        })
    }

    /// `search` on the blocking thread pool, at most one per core at a time; callers beyond
    /// that wait their turn without holding a thread. A search is pure CPU: running more at
    /// once than there are cores makes each one slower, and starves everything else of the
    /// cores — in the 200-user load bench, catalog writes queued behind two hundred concurrent
    /// searches waited seconds.
    pub async fn search_in_pool(
        &self,
        request: SearchRequest,
        audience: Audience,
    ) -> Result<SearchResults, SearchError> {
        let permit = Arc::clone(&self.search_slots)
            .acquire_owned()
            .await
            .map_err(|e| SearchError::Task(e.to_string()))?;
        let index = self.clone();
        tokio::task::spawn_blocking(move || {
            let results = index.search(&request, audience);
            drop(permit);
            results
        })
        .await
        .map_err(|e| SearchError::Task(e.to_string()))?
    }

    /// Keeps up to `entries` search and as many suggest answers between commits; 0 turns the
    /// answer cache off. Applies to this handle and its clones made afterwards.
    pub fn with_answer_cache(mut self, entries: usize) -> Self {
        self.caches = Caches::new(entries);
        self
    }

    /// A handle on the same index that never answers from the cache: what benches time when
    /// they measure the engine itself.
    pub fn uncached(&self) -> Self {
        Self {
            caches: None,
            ..self.clone()
        }
    }

    fn send(&self, op: WriterOp) -> Result<(), SearchError> {
        self.ops.send(op).map_err(|_| SearchError::WriterGone)
    }

    /// Adds or replaces these projects; searchable after the next commit (≈ 200 ms).
    pub fn upsert(&self, documents: Vec<ProjectDocument>) -> Result<(), SearchError> {
        if documents.is_empty() {
            return Ok(());
        }
        self.send(WriterOp::Upsert(documents))
    }

    pub fn delete(&self, id: u64) -> Result<(), SearchError> {
        self.send(WriterOp::Delete(id))
    }

    /// Removes every document (the first step of a rebuild).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.send(WriterOp::Clear)
    }

    /// Commits what was sent so far and waits until it is searchable.
    pub async fn flush(&self) -> Result<(), SearchError> {
        let (reply, done) = tokio::sync::oneshot::channel();
        self.send(WriterOp::Flush(reply))?;
        done.await
            .map_err(|_| SearchError::WriterGone)?
            .map_err(|e| SearchError::Directory {
                path: self.describe(),
                reason: e,
            })
    }

    /// Merges the whole index into one segment, and returns once searches use it. After a bulk
    /// load (reindex, import) the index is left in several segments, and every search pays its
    /// fixed costs (term lookups, typo automata, scorers) once per segment: on the 100k bench,
    /// one segment instead of six cut the median search by an eighth. Searches and writes go on
    /// while it runs. A merge already under way (tantivy merges small segments by itself) is
    /// waited for, then this one is tried again.
    pub async fn merge_segments(&self) -> Result<(), SearchError> {
        const RETRIES: usize = 300;
        for _ in 0..RETRIES {
            let (reply, done) = tokio::sync::oneshot::channel();
            self.send(WriterOp::MergeAll(reply))?;
            let merged = done
                .await
                .map_err(|_| SearchError::WriterGone)?
                .map_err(|e| SearchError::Directory {
                    path: self.describe(),
                    reason: e,
                })?;
            if merged {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(SearchError::Directory {
            path: self.describe(),
            reason: "segments stayed busy in other merges for 30 s".to_owned(),
        })
    }

    /// Number of segments searches read now.
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// `flush` for callers outside an async runtime.
    pub fn flush_blocking(&self) -> Result<(), SearchError> {
        let (reply, done) = tokio::sync::oneshot::channel();
        self.send(WriterOp::Flush(reply))?;
        done.blocking_recv()
            .map_err(|_| SearchError::WriterGone)?
            .map_err(|e| SearchError::Directory {
                path: self.describe(),
                reason: e,
            })
    }

    fn describe(&self) -> String {
        self.dir
            .as_ref()
            .map_or_else(|| "in-memory index".to_owned(), |d| d.display().to_string())
    }

    /// Number of documents visible to searches now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn directory(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Bytes the index takes on disk.
    pub fn size_on_disk(&self) -> u64 {
        fn walk(path: &Path) -> u64 {
            std::fs::read_dir(path)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| match e.metadata() {
                            Ok(m) if m.is_dir() => walk(&e.path()),
                            Ok(m) => m.len(),
                            Err(_) => 0,
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        self.dir.as_deref().map_or(0, walk)
    }
}
