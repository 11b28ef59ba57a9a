//! Exporting the catalog as an SAP Project Portal repos.json, so the portal can run on Agora's data.

use agora_catalog::{Catalog, Project, Viewer, repositories};
use agora_forge::repos_json::{AgoraMetadata, SapLicense, SapOwner, SapRepository};
use serde_json::{Map, Value};

use crate::{IndexerError, Progress};

const PAGE: i64 = 2_000;

fn text(value: &Option<String>) -> Option<Value> {
    value.as_ref().map(|v| Value::String(v.clone()))
}

fn strings(values: Vec<String>) -> Value {
    Value::Array(values.into_iter().map(Value::String).collect())
}

/// One project in the portal's shape. Metadata read from the source is written back as it was,
/// overlaid with what the catalog knows now (topics, listing edits, contribution guide, score).
pub fn sap_repository(project: &Project) -> SapRepository {
    let repository = &project.repository;
    let stored = repository.metadata().unwrap_or_default();
    let mut meta: Map<String, Value> = match stored.get("_InnerSourceMetadata") {
        Some(Value::Object(object)) => object.clone(),
        _ => Map::new(),
    };
    meta.insert(
        "topics".to_owned(),
        strings(repository.topics().unwrap_or_default()),
    );
    let participation = repository.participation().unwrap_or_default();
    if !participation.is_empty() {
        meta.insert(
            "participation".to_owned(),
            Value::Array(participation.into_iter().map(Value::from).collect()),
        );
    }
    if repository.has_contributing {
        meta.entry("guidelines")
            .or_insert_with(|| Value::String("CONTRIBUTING.md".to_owned()));
    } else {
        meta.remove("guidelines");
    }
    if let Some(listing) = &project.listing {
        for (key, value) in [
            ("title", text(&listing.title)),
            ("motivation", text(&listing.motivation)),
            ("docs", text(&listing.docs_url)),
            ("logo", text(&listing.logo_url)),
        ] {
            match value {
                Some(value) => meta.insert(key.to_owned(), value),
                None => meta.remove(key),
            };
        }
        for (key, values) in [
            ("skills", listing.skills().unwrap_or_default()),
            (
                "contributions",
                listing.contributions_wanted().unwrap_or_default(),
            ),
        ] {
            if values.is_empty() {
                meta.remove(key);
            } else {
                meta.insert(key.to_owned(), strings(values));
            }
        }
    }
    if let Some(score) = repository.activity_score {
        meta.insert("score".to_owned(), Value::from(score));
    }
    let id = repository
        .external_id
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(repository.external_id.clone()));
    SapRepository {
        id,
        name: repository.name.clone(),
        full_name: repository.full_name.clone(),
        html_url: repository.html_url.clone(),
        description: repository.description.clone(),
        created_at: repository.forge_created_at.map(|t| t.and_utc()),
        updated_at: repository.forge_updated_at.map(|t| t.and_utc()),
        pushed_at: repository.forge_pushed_at.map(|t| t.and_utc()),
        stargazers_count: repository.stars,
        watchers_count: repository.watchers,
        language: repository.primary_language.clone(),
        forks_count: repository.forks,
        open_issues_count: repository.open_issues,
        license: repository.license.as_ref().map(|spdx| SapLicense {
            key: Some(spdx.to_lowercase()),
            name: None,
            spdx_id: Some(spdx.clone()),
        }),
        default_branch: repository.default_branch.clone(),
        owner: SapOwner {
            login: repository.owner.clone(),
            avatar_url: stored
                .get("owner_avatar_url")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        },
        innersource_metadata: meta,
        agora_metadata: Some(AgoraMetadata {
            department: project.department.as_ref().map(|d| d.slug.clone()),
            visibility: Some(repository.visibility().as_str().to_owned()),
            readme: repository.readme.clone(),
            archived: repository.archived,
        }),
    }
}

/// Every project the viewer may see, in catalog order, in the portal's shape. Reads the catalog
/// only, so it runs beside a server that holds the index.
pub async fn export_repos_json(
    catalog: &Catalog,
    viewer: &Viewer,
    progress: &dyn Progress,
) -> Result<Vec<SapRepository>, IndexerError> {
    let total = catalog.read(repositories::count).await?;
    progress.start("exporting", u64::try_from(total).unwrap_or_default());
    let mut exported = Vec::new();
    let mut after = 0;
    loop {
        let page = catalog
            .read(move |conn| repositories::projects_page(conn, after, PAGE))
            .await?;
        let Some(last) = page.last() else { break };
        after = last.repository.id;
        progress.advance(page.len() as u64);
        exported.extend(
            page.iter()
                .filter(|p| p.is_visible_to(viewer))
                .map(sap_repository),
        );
    }
    progress.finish();
    Ok(exported)
}
