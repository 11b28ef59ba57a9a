//! Catalog project → search document.

use agora_catalog::Project;
use agora_search::ProjectDocument;

fn id(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

pub fn project_document(project: &Project) -> ProjectDocument {
    let repository = &project.repository;
    let listing = project.listing.as_ref();
    ProjectDocument {
        id: id(repository.id),
        name: repository.name.clone(),
        full_name: repository.full_name.clone(),
        title: listing.and_then(|l| l.title.clone()),
        description: repository
            .description
            .clone()
            .or_else(|| listing.and_then(|l| l.motivation.clone())),
        // A corrupt JSON column indexes as empty rather than failing the whole rebuild.
        topics: repository.topics().unwrap_or_default(),
        readme: repository.readme.clone(),
        language: repository.primary_language.clone(),
        department: project.department.as_ref().map(|d| d.slug.clone()),
        department_name: project.department.as_ref().map(|d| d.name.clone()),
        html_url: repository.html_url.clone(),
        stars: id(repository.stars),
        agora_stars: id(project.agora_stars),
        // By id: the document has no forge name, and a renamed forge must not need a reindex.
        forge_id: u64::try_from(repository.forge_id).ok(),
        // An empty license string is "none" (some forges send "" rather than null).
        license: repository
            .license
            .clone()
            .filter(|license| !license.trim().is_empty()),
        // Through the closed vocabulary, so that the facet only ever shows its four values.
        maturity: listing
            .and_then(|l| l.maturity())
            .map(|maturity| maturity.as_str().to_owned()),
        has_contributing: repository.has_contributing,
        // Not yet scored by the sync: 0, the bottom of the `activity` sort.
        activity_score: repository.activity_score.map(id).unwrap_or(0),
        pushed_at: repository
            .forge_pushed_at
            .map(|pushed| pushed.and_utc().timestamp()),
        visibility: repository.visibility().as_str().to_owned(),
        published: project.is_published(),
        department_id: repository.department_id.map(id),
        removed: repository.removed_at.is_some(),
    }
}
