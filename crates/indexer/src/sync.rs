//! Syncing one forge into the catalog and the index.
//!
//! The rules that keep the catalog safe: a listing that failed, was cut short, came back empty,
//! or lost more than `max_removal_share` of the known repositories never removes anything (the
//! run is marked partial). A repository missing from a complete listing is only marked removed
//! after a direct fetch confirms it is gone (404); a rename keeps the catalog entry. Removed
//! repositories stay in the catalog, with their stars and requests, hidden from search.
//! Incremental syncs list only what was pushed since the last good sync and re-read files only
//! for repositories whose push time changed, revalidating them with ETags.

use std::collections::HashSet;

use agora_catalog::model::{ListingDraft, Repository};
use agora_catalog::sync_runs::{self, SyncCounts};
use agora_catalog::{departments, forges, listings, repositories};
use agora_forge::repository::Detail;
use agora_forge::{FetchedRepository, Forge, RemoteRepository};
use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;

use crate::activity::{ActivityInputs, activity_score};
use crate::department::department_for;
use crate::import::{department_display_name, repository_row};
use crate::mirrors;
use crate::repository_files::{RepositoryFiles, read_files};
use crate::{Indexer, IndexerError, Progress};

/// Forges report activity lazily (GitLab's `last_activity_after` lags by minutes): incremental
/// listings reach back this far before the last good sync.
const WATERMARK_MARGIN_MINUTES: i64 = 60;
const WRITE_BATCH: usize = 200;

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// List everything and re-read every file (otherwise: what was pushed since the last sync).
    pub full: bool,
    /// The largest share of known repositories a listing may lose before removals are refused.
    pub max_removal_share: f64,
    /// Repositories whose files are read at the same time.
    pub concurrency: usize,
    /// Repositories with this topic are published automatically, as those with innersource.json.
    pub publish_topic: String,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            full: false,
            max_removal_share: 0.2,
            concurrency: 8,
            publish_topic: "inner-source".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    Succeeded,
    Partial,
    Failed,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Partial => "partial",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncReport {
    pub run_id: i64,
    pub status: SyncStatus,
    pub counts: SyncCounts,
    pub not_modified: u64,
    pub removed: usize,
    pub renamed: usize,
    pub errors: Vec<String>,
}

/// One listed repository, ready to be written.
struct Prepared {
    remote: RemoteRepository,
    files: RepositoryFiles,
    fetched: bool,
    /// Details the forge could not read (their stored values were kept), for the report.
    unread: Vec<String>,
}

fn has_publish_topic(remote: &RemoteRepository, topic: &str) -> bool {
    remote.topics.iter().any(|t| t.eq_ignore_ascii_case(topic))
}

/// Whether the stored files are still those of the default branch: any push moves the push
/// time, and only a push (or a switch of the default branch) changes the branch's files.
fn unchanged_since(stored: &Repository, remote: &RemoteRepository) -> bool {
    // Compared in whole seconds: forges report seconds, and PostgreSQL keeps microseconds only.
    stored.removed_at.is_none()
        && remote.pushed_at.is_some()
        && stored.forge_pushed_at.map(|t| t.and_utc().timestamp())
            == remote.pushed_at.map(|t| t.timestamp())
        && stored.default_branch == remote.default_branch
        // A file that could not be read last time kept its older value: read it again.
        && !had_file_problems(stored)
}

fn had_file_problems(stored: &Repository) -> bool {
    stored.metadata().is_ok_and(|metadata| {
        metadata
            .get("file_problems")
            .and_then(|problems| problems.as_array())
            .is_some_and(|problems| !problems.is_empty())
    })
}

/// Languages or license the forge could not read this time keep their stored values (unknown is
/// not empty); the failures are returned for the report.
fn keep_unread_details(remote: &mut RemoteRepository, stored: Option<&Repository>) -> Vec<String> {
    if let Some(stored) = stored {
        if remote.is_unread(Detail::Languages) {
            remote.languages = stored.languages().unwrap_or_default();
            remote.primary_language = remote
                .primary_language
                .take()
                .or_else(|| stored.primary_language.clone());
        }
        if remote.is_unread(Detail::License) {
            remote.license = stored.license.clone();
        }
    }
    remote
        .unread_details
        .iter()
        .map(|unread| format!("kept the stored {:?}: {}", unread.detail, unread.error))
        .collect()
}

async fn prepare(
    indexer: &Indexer,
    client: &dyn Forge,
    forge_id: i64,
    mut remote: RemoteRepository,
    full: bool,
) -> Result<Prepared, IndexerError> {
    let external_id = remote.external_id.clone();
    let stored = indexer
        .catalog
        .read(move |conn| repositories::by_external_id(conn, forge_id, &external_id))
        .await?;
    let unread = keep_unread_details(&mut remote, stored.as_ref());
    let stored_files = stored
        .as_ref()
        .map(RepositoryFiles::from_stored)
        .unwrap_or_default();
    if !full && stored.as_ref().is_some_and(|s| unchanged_since(s, &remote)) {
        return Ok(Prepared {
            remote,
            files: stored_files,
            fetched: false,
            unread,
        });
    }
    let files = read_files(client, &remote.full_name, &stored_files).await;
    Ok(Prepared {
        remote,
        files,
        fetched: true,
        unread,
    })
}

impl Indexer {
    /// Syncs one forge. Failures of the forge are recorded in the run and the report, not
    /// returned as errors; an `Err` means the catalog or index itself failed.
    pub async fn sync_forge(
        &self,
        forge: &forges::Forge,
        client: &dyn Forge,
        options: &SyncOptions,
        progress: &dyn Progress,
    ) -> Result<SyncReport, IndexerError> {
        let forge_id = forge.id;
        let full = options.full || forge.last_synced_at.is_none();
        let run_id = self
            .catalog
            .write(move |conn| sync_runs::start(conn, forge_id, full))
            .await?;
        let started = Utc::now();
        let stats_before = client.stats();
        let since: Option<DateTime<Utc>> = if full {
            None
        } else {
            forge
                .last_synced_at
                .map(|t| t.and_utc() - Duration::minutes(WATERMARK_MARGIN_MINUTES))
        };
        let department_map = forge.department_map()?;
        let mut report = SyncReport {
            run_id,
            status: SyncStatus::Succeeded,
            counts: SyncCounts::default(),
            not_modified: 0,
            removed: 0,
            renamed: 0,
            errors: Vec::new(),
        };

        let listing = match client.list_repositories(since).await {
            Ok(listing) => listing,
            Err(e) => {
                report.status = SyncStatus::Failed;
                report.errors.push(format!("listing failed: {e}"));
                return self
                    .finish_sync(forge_id, client, stats_before, report, None)
                    .await;
            }
        };
        if let Some(e) = &listing.error {
            report.errors.push(format!("listing incomplete: {e}"));
        }
        if !listing.complete && listing.repositories.is_empty() {
            // Nothing usable came back at all: this run failed (and, like any run, removed nothing).
            report.status = SyncStatus::Failed;
            return self
                .finish_sync(forge_id, client, stats_before, report, None)
                .await;
        }
        report.counts.listed = listing.repositories.len() as i64;
        report.counts.skipped = listing.skipped as i64;
        let authoritative = full && listing.authoritative_for_deletions();
        let listed_ids: HashSet<String> = listing
            .repositories
            .iter()
            .map(|r| r.external_id.clone())
            .collect();
        progress.start("syncing", listing.repositories.len() as u64);

        let mut prepared = futures_util::stream::iter(listing.repositories)
            .map(|remote| prepare(self, client, forge_id, remote, full))
            .buffer_unordered(options.concurrency.clamp(1, 100));
        let mut batch = Vec::with_capacity(WRITE_BATCH);
        while let Some(next) = prepared.next().await {
            match next {
                Ok(item) => batch.push(item),
                Err(e) => {
                    report.counts.failed += 1;
                    report.errors.push(e.to_string());
                }
            }
            if batch.len() >= WRITE_BATCH {
                self.write_batch(
                    forge_id,
                    &department_map,
                    options,
                    std::mem::take(&mut batch),
                    &mut report,
                )
                .await?;
                progress.advance(WRITE_BATCH as u64);
            }
        }
        drop(prepared);
        let last = batch.len() as u64;
        self.write_batch(forge_id, &department_map, options, batch, &mut report)
            .await?;
        progress.advance(last);

        if !listing.complete || listing.skipped > 0 || report.counts.failed > 0 {
            report.status = SyncStatus::Partial;
        }
        if authoritative {
            self.confirm_removals(forge_id, client, &listed_ids, options, &mut report)
                .await?;
        }
        progress.finish();
        // The watermark advances only after a complete listing: what a cut-short one missed is
        // listed again next time.
        let watermark = listing.complete.then_some(started);
        self.finish_sync(forge_id, client, stats_before, report, watermark)
            .await
    }

    /// Syncs one repository the forge just described (a webhook's push), files included.
    pub async fn sync_one(
        &self,
        forge: &forges::Forge,
        client: &dyn Forge,
        remote: RemoteRepository,
    ) -> Result<i64, IndexerError> {
        let item = prepare(self, client, forge.id, remote, true).await?;
        let map = forge.department_map()?;
        let topic = SyncOptions::default().publish_topic;
        let forge_id = forge.id;
        let (id, linked) = self
            .catalog
            .write(move |conn| {
                let id = write_one(conn, forge_id, &map, &topic, &item)?;
                Ok((id, mirrors::record_sources(conn, id, &item.remote)?))
            })
            .await?;
        self.reindex_rows(std::iter::once(id).chain(linked).collect())
            .await?;
        Ok(id)
    }

    async fn write_batch(
        &self,
        forge_id: i64,
        department_map: &std::collections::BTreeMap<String, String>,
        options: &SyncOptions,
        batch: Vec<Prepared>,
        report: &mut SyncReport,
    ) -> Result<(), IndexerError> {
        if batch.is_empty() {
            return Ok(());
        }
        for item in &batch {
            if item.fetched {
                report.counts.fetched += 1;
            } else {
                report.counts.unchanged += 1;
            }
            report.errors.extend(
                item.files
                    .problems
                    .iter()
                    .chain(&item.unread)
                    .map(|p| format!("{}: {p}", item.remote.full_name)),
            );
        }
        let map = department_map.clone();
        let topic = options.publish_topic.clone();
        let ids = self
            .catalog
            .write(move |conn| {
                let mut ids = Vec::with_capacity(batch.len());
                for item in &batch {
                    let id = write_one(conn, forge_id, &map, &topic, item)?;
                    ids.push(id);
                    // Mirrors linked or unlinked by this row, and the projects they join.
                    ids.extend(mirrors::record_sources(conn, id, &item.remote)?);
                }
                ids.sort_unstable();
                ids.dedup();
                Ok(ids)
            })
            .await?;
        self.reindex_rows(ids).await
    }

    /// Repositories the complete listing did not mention: removed only when the forge confirms.
    async fn confirm_removals(
        &self,
        forge_id: i64,
        client: &dyn Forge,
        listed: &HashSet<String>,
        options: &SyncOptions,
        report: &mut SyncReport,
    ) -> Result<(), IndexerError> {
        let known = self
            .catalog
            .read(move |conn| repositories::present_on_forge(conn, forge_id))
            .await?;
        let missing: Vec<(i64, String, String)> = known
            .iter()
            .filter(|(_, external, _)| !listed.contains(external))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if listed.is_empty() {
            report.status = SyncStatus::Partial;
            report.errors.push(format!(
                "the forge listed no repositories while the catalog knows {}: nothing was removed",
                known.len()
            ));
            return Ok(());
        }
        let share = missing.len() as f64 / known.len() as f64;
        if share > options.max_removal_share {
            report.status = SyncStatus::Partial;
            report.errors.push(format!(
                "the listing lacks {} of {} known repositories ({:.0} %, above the {:.0} % guard): nothing was removed",
                missing.len(),
                known.len(),
                share * 100.0,
                options.max_removal_share * 100.0
            ));
            return Ok(());
        }
        let mut removed_ids = Vec::new();
        let mut refreshed_ids = Vec::new();
        for (id, _, full_name) in missing {
            match client.fetch_repository(&full_name).await {
                Ok(FetchedRepository::Gone) => {
                    // Its mirrors, still on their forges, stand on their own again.
                    let released = self
                        .catalog
                        .write(move |conn| {
                            repositories::mark_removed(conn, id)?;
                            repositories::release_mirrors(conn, id)
                        })
                        .await?;
                    removed_ids.push(id);
                    refreshed_ids.extend(released);
                }
                Ok(FetchedRepository::Moved { repository, .. })
                | Ok(FetchedRepository::Found(repository)) => {
                    // Still there (renamed, or the listing missed it): refresh the entry in place.
                    let renamed = repository.full_name != full_name;
                    let row = repository_row(&repository, forge_id, None);
                    let (unread_languages, unread_license) = (
                        repository.is_unread(Detail::Languages),
                        repository.is_unread(Detail::License),
                    );
                    let (refreshed, linked) = self
                        .catalog
                        .write(move |conn| {
                            let stored = repositories::by_id(conn, id)?;
                            let mut row = row;
                            if let Some(stored) = stored {
                                // Details the forge could not read this time stay as stored.
                                if unread_languages {
                                    row.languages = stored.languages;
                                    row.primary_language =
                                        row.primary_language.or(stored.primary_language);
                                }
                                if unread_license {
                                    row.license = stored.license;
                                }
                                // Keep what the files said; only the listing facts are new.
                                row.department_id = stored.department_id;
                                row.readme = stored.readme;
                                row.has_contributing = stored.has_contributing;
                                row.has_code_of_conduct = stored.has_code_of_conduct;
                                row.owners = stored.owners;
                                row.metadata = stored.metadata;
                                row.activity_score = stored.activity_score;
                            }
                            let id = repositories::upsert(conn, &row)?;
                            Ok((id, mirrors::record_sources(conn, id, &repository)?))
                        })
                        .await?;
                    if renamed {
                        report.renamed += 1;
                    }
                    refreshed_ids.push(refreshed);
                    refreshed_ids.extend(linked);
                }
                Err(e) => {
                    report.status = SyncStatus::Partial;
                    report
                        .errors
                        .push(format!("could not confirm {full_name} is gone, kept: {e}"));
                }
            }
        }
        report.removed = removed_ids.len();
        let mut ids: Vec<i64> = removed_ids.into_iter().chain(refreshed_ids).collect();
        ids.sort_unstable();
        ids.dedup();
        self.reindex_rows(ids).await
    }

    async fn finish_sync(
        &self,
        forge_id: i64,
        client: &dyn Forge,
        before: agora_forge::SyncStats,
        mut report: SyncReport,
        watermark: Option<DateTime<Utc>>,
    ) -> Result<SyncReport, IndexerError> {
        let after = client.stats();
        report.counts.requests = (after.requests - before.requests) as i64;
        report.counts.rate_limit_waits = (after.rate_limit_waits - before.rate_limit_waits) as i64;
        report.not_modified = after.not_modified - before.not_modified;
        let run_id = report.run_id;
        let status = report.status;
        let counts = report.counts.clone();
        let errors = report.errors.clone();
        self.catalog
            .write(move |conn| {
                sync_runs::finish(conn, run_id, status.as_str(), &counts, &errors)?;
                let forge_status = if status == SyncStatus::Failed {
                    "error"
                } else {
                    "active"
                };
                forges::record_sync(
                    conn,
                    forge_id,
                    forge_status,
                    watermark.map(|t| t.naive_utc()),
                )
            })
            .await?;
        self.index.flush().await?;
        Ok(report)
    }
}

fn write_one(
    conn: &mut agora_catalog::DbConnection,
    forge_id: i64,
    department_map: &std::collections::BTreeMap<String, String>,
    publish_topic: &str,
    item: &Prepared,
) -> agora_catalog::CatalogResult<i64> {
    let remote = &item.remote;
    let files = &item.files;
    let slug = department_for(remote, files, department_map);
    let department = departments::ensure(conn, &slug, &department_display_name(&slug))?;
    let innersource = files.innersource_json();
    let mut enriched = remote.clone();
    enriched.readme = files.readme.clone();
    enriched.has_contributing = files.has_contributing;
    enriched.has_code_of_conduct = files.has_code_of_conduct;
    enriched.owners = files.codeowners.clone();
    if let Some(language) = innersource.as_ref().and_then(|i| i.language.clone()) {
        enriched.primary_language = Some(language);
    }
    if let Some(info) = &files.catalog_info {
        for tag in &info.tags {
            if !enriched.topics.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                enriched.topics.push(tag.to_lowercase());
            }
        }
    }
    enriched.metadata = files.to_metadata();
    let mut row = repository_row(&enriched, forge_id, Some(department.id));
    let pitch_len = remote.description.as_deref().map_or(0, str::len).max(
        innersource
            .as_ref()
            .and_then(|i| i.motivation.as_deref())
            .map_or(0, str::len),
    );
    row.activity_score = Some(activity_score(
        &ActivityInputs {
            forks: remote.forks,
            watchers: remote.watchers,
            stars: remote.stars,
            open_issues: remote.open_issues,
            created_at: remote.created_at,
            updated_at: remote.pushed_at.max(remote.updated_at),
            participation: remote.participation.clone(),
            pitch_len,
            has_contributing: files.has_contributing,
        },
        Utc::now(),
    ));
    let id = repositories::upsert(conn, &row)?;
    repositories::set_sync_etags(conn, id, &files.etags)?;
    // Auto-publishing: innersource.json is the owners' pitch, so it (re)writes the listing; the
    // topic alone publishes a repository that is not published yet, with an empty pitch.
    if let Some(pitch) = innersource {
        let draft = ListingDraft {
            title: pitch
                .title
                .or_else(|| files.catalog_info.as_ref().and_then(|c| c.title.clone())),
            motivation: pitch.motivation,
            looking_for_contributors: !pitch.contributions.is_empty(),
            skills: pitch.skills,
            contributions_wanted: pitch.contributions,
            docs_url: pitch.docs,
            logo_url: pitch.logo,
            maturity: None,
        };
        listings::publish(conn, id, Some(department.id), None, &draft)?;
    } else if has_publish_topic(remote, publish_topic)
        && listings::for_repository(conn, id)?.is_none()
    {
        listings::publish(
            conn,
            id,
            Some(department.id),
            None,
            &ListingDraft::default(),
        )?;
    }
    Ok(id)
}
