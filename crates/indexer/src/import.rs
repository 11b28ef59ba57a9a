//! Importing an SAP Project Portal repos.json: every entry becomes a catalog repository of the
//! forge named for the import, published with the listing its innersource metadata gives, in the
//! department the entry names (or its owner's).

use agora_catalog::model::{ForgeKind, ListingDraft, RepositoryUpsert, Visibility, to_json};
use agora_catalog::{departments, forges, listings, repositories};
use agora_forge::repos_json::{self, RejectedEntry};
use agora_forge::{RemoteRepository, RemoteVisibility};

use crate::documents::project_document;
use crate::{Indexer, IndexerError, Progress};

/// Entries written per transaction: large enough to be fast, small enough not to hold the
/// SQLite write lock for long.
const BATCH: usize = 500;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ImportReport {
    pub imported: usize,
    pub rejected: Vec<RejectedEntry>,
}

/// "customer-service" → "Customer Service".
pub fn department_display_name(slug: &str) -> String {
    slug.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn visibility(remote: Option<RemoteVisibility>) -> Visibility {
    match remote {
        Some(RemoteVisibility::Public) => Visibility::Public,
        Some(RemoteVisibility::Private) => Visibility::Private,
        // Inside an organisation, a repository of unknown visibility is at least internal to it.
        Some(RemoteVisibility::Internal) | None => Visibility::Internal,
    }
}

/// The catalog row for a source's repository.
pub fn repository_row(
    remote: &RemoteRepository,
    forge_id: i64,
    department_id: Option<i64>,
) -> RepositoryUpsert {
    let now = agora_catalog::model::now();
    RepositoryUpsert {
        forge_id,
        external_id: remote.external_id.clone(),
        owner: remote.owner.clone(),
        name: remote.name.clone(),
        full_name: remote.full_name.clone(),
        description: remote.description.clone(),
        html_url: remote.html_url.clone(),
        default_branch: remote.default_branch.clone(),
        visibility: visibility(remote.visibility).as_str().to_owned(),
        archived: remote.archived,
        fork: remote.fork,
        mirror: remote.mirror,
        topics: to_json(&remote.topics),
        primary_language: remote.primary_language.clone(),
        languages: to_json(&remote.languages),
        license: remote.license.clone(),
        stars: remote.stars,
        forks: remote.forks,
        open_issues: remote.open_issues,
        watchers: remote.watchers,
        readme: remote.readme.clone(),
        has_contributing: remote.has_contributing,
        has_code_of_conduct: remote.has_code_of_conduct,
        owners: to_json(&remote.owners),
        department_id,
        metadata: to_json(&remote.metadata),
        participation: to_json(&remote.participation),
        activity_score: None,
        forge_created_at: remote.created_at.map(|t| t.naive_utc()),
        forge_updated_at: remote.updated_at.map(|t| t.naive_utc()),
        forge_pushed_at: remote.pushed_at.map(|t| t.naive_utc()),
        synced_at: Some(now),
        removed_at: None,
        updated_at: now,
    }
}

/// The listing a repository's innersource.json gives it.
pub fn listing_draft(remote: &RemoteRepository) -> ListingDraft {
    let innersource = remote.innersource.clone().unwrap_or_default();
    ListingDraft {
        title: innersource.title,
        motivation: innersource.motivation,
        looking_for_contributors: !innersource.contributions.is_empty(),
        skills: innersource.skills,
        contributions_wanted: innersource.contributions,
        docs_url: innersource.docs,
        logo_url: innersource.logo,
        maturity: None,
    }
}

impl Indexer {
    /// Imports a repos.json document under the forge `forge_name` (created on first use).
    pub async fn import_repos_json(
        &self,
        forge_name: &str,
        text: &str,
        progress: &dyn Progress,
    ) -> Result<ImportReport, IndexerError> {
        let read = repos_json::parse(forge_name, text)?;
        let forge_name = forge_name.to_owned();
        let forge = self
            .catalog
            .write(move |conn| {
                forges::ensure(conn, &forge_name, ForgeKind::ReposJson, "file:repos.json")
            })
            .await?;
        progress.start("importing", read.repositories.len() as u64);
        let mut imported = 0;
        let mut remaining = read.repositories;
        while !remaining.is_empty() {
            let rest = remaining.split_off(remaining.len().min(BATCH));
            let batch = std::mem::replace(&mut remaining, rest);
            let count = batch.len();
            let forge_id = forge.id;
            let ids = self
                .catalog
                .write(move |conn| {
                    let mut ids = Vec::with_capacity(batch.len());
                    for remote in &batch {
                        let slug = remote.department_hint.as_deref().unwrap_or(&remote.owner);
                        let department = departments::ensure(
                            conn,
                            slug,
                            &department_display_name(&departments::slugify(slug)),
                        )?;
                        let id = repositories::upsert(
                            conn,
                            &repository_row(remote, forge_id, Some(department.id)),
                        )?;
                        listings::publish(
                            conn,
                            id,
                            Some(department.id),
                            None,
                            &listing_draft(remote),
                        )?;
                        ids.push(id);
                    }
                    Ok(ids)
                })
                .await?;
            let projects = self
                .catalog
                .read(move |conn| repositories::projects_by_ids(conn, &ids))
                .await?;
            self.index
                .upsert(projects.iter().map(project_document).collect())?;
            imported += count;
            progress.advance(count as u64);
        }
        self.index.flush().await?;
        progress.finish();
        Ok(ImportReport {
            imported,
            rejected: read.rejected,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn department_names_are_title_cased_slugs() {
        assert_eq!(
            super::department_display_name("customer-service"),
            "Customer Service"
        );
        assert_eq!(super::department_display_name("hr"), "Hr");
    }
}
