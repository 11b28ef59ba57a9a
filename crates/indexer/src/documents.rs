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
        visibility: repository.visibility().as_str().to_owned(),
        published: project.is_published(),
        department_id: repository.department_id.map(id),
        removed: repository.removed_at.is_some(),
    }
}
