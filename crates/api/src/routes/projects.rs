use actix_web::{HttpResponse, get, web};
use agora_catalog::{Project, repositories};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::MaybeUser;
use crate::error::ApiResult;
use crate::markdown::render_readme;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepartmentRef {
    pub slug: String,
    pub name: String,
}

/// What the owning department wrote to publish the project.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingView {
    pub title: Option<String>,
    pub motivation: Option<String>,
    pub skills: Vec<String>,
    pub contributions_wanted: Vec<String>,
    pub docs_url: Option<String>,
    pub logo_url: Option<String>,
    pub maturity: Option<String>,
    pub looking_for_contributors: bool,
    pub published_at: DateTime<Utc>,
}

/// A project as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Project)]
pub struct ProjectView {
    pub id: i64,
    pub full_name: String,
    pub name: String,
    pub owner: String,
    pub description: Option<String>,
    pub html_url: String,
    pub default_branch: Option<String>,
    /// `public`, `internal` or `private`.
    pub visibility: &'static str,
    pub archived: bool,
    pub fork: bool,
    pub language: Option<String>,
    pub languages: std::collections::BTreeMap<String, f64>,
    pub topics: Vec<String>,
    pub license: Option<String>,
    pub department: Option<DepartmentRef>,
    /// Stars on the forge.
    pub stars: i64,
    /// Stars given in Agora.
    pub agora_stars: i64,
    pub forks: i64,
    pub open_issues: i64,
    pub has_contributing: bool,
    pub has_code_of_conduct: bool,
    pub published: bool,
    pub listing: Option<ListingView>,
    /// True when the code is private to its department: access must be requested.
    pub access_requires_request: bool,
    /// README rendered to sanitized HTML.
    pub readme_html: Option<String>,
    /// Owners of the repository root, from CODEOWNERS.
    pub owners: Vec<String>,
    /// What the repository's catalog-info.yaml says (owner, lifecycle, type, system, tags, links).
    pub catalog_info: Option<serde_json::Value>,
    /// The repository's innersource.json, as read.
    pub innersource: Option<serde_json::Value>,
    pub activity_score: Option<i64>,
    pub created_at: Option<DateTime<Utc>>,
    pub pushed_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Where the code lives: this repository first, then its mirrors on other forges (the same
    /// repository mirrored is one project with several sources).
    pub sources: Vec<SourceView>,
}

/// One place a project's code lives.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SourceView {
    /// The forge's name in Agora.
    pub forge: String,
    /// `github`, `gitlab`, `gitea`, `bitbucket`, `git-directory`, `repos-json`.
    pub forge_kind: String,
    pub full_name: String,
    pub html_url: String,
    /// True for a mirror of the project's primary repository.
    pub mirror: bool,
}

/// `with_readme` renders the README (lists leave it out: it is the costly part).
pub fn project_view(
    project: &Project,
    viewer: &agora_catalog::Viewer,
    with_readme: bool,
) -> ProjectView {
    let r = &project.repository;
    let metadata = r.metadata().unwrap_or_default();
    ProjectView {
        id: r.id,
        full_name: r.full_name.clone(),
        name: r.name.clone(),
        owner: r.owner.clone(),
        description: r.description.clone(),
        html_url: r.html_url.clone(),
        default_branch: r.default_branch.clone(),
        visibility: r.visibility().as_str(),
        archived: r.archived,
        fork: r.fork,
        language: r.primary_language.clone(),
        languages: r.languages().unwrap_or_default(),
        topics: r.topics().unwrap_or_default(),
        license: r.license.clone(),
        department: project.department.as_ref().map(|d| DepartmentRef {
            slug: d.slug.clone(),
            name: d.name.clone(),
        }),
        stars: r.stars,
        agora_stars: project.agora_stars,
        forks: r.forks,
        open_issues: r.open_issues,
        has_contributing: r.has_contributing,
        has_code_of_conduct: r.has_code_of_conduct,
        published: project.is_published(),
        listing: project.listing.as_ref().map(|l| ListingView {
            title: l.title.clone(),
            motivation: l.motivation.clone(),
            skills: l.skills().unwrap_or_default(),
            contributions_wanted: l.contributions_wanted().unwrap_or_default(),
            docs_url: l.docs_url.clone(),
            logo_url: l.logo_url.clone(),
            maturity: l.maturity.clone(),
            looking_for_contributors: l.looking_for_contributors,
            published_at: l.published_at.and_utc(),
        }),
        access_requires_request: project.requires_access_request(viewer),
        readme_html: if with_readme {
            r.readme.as_deref().map(render_readme)
        } else {
            None
        },
        owners: r.owners().unwrap_or_default(),
        catalog_info: metadata.get("catalog_info").cloned(),
        innersource: metadata.get("innersource").cloned(),
        activity_score: r.activity_score,
        created_at: r.forge_created_at.map(|t| t.and_utc()),
        pushed_at: r.forge_pushed_at.map(|t| t.and_utc()),
        updated_at: r.forge_updated_at.map(|t| t.and_utc()),
        sources: project
            .sources
            .iter()
            .map(|s| SourceView {
                forge: s.forge_name.clone(),
                forge_kind: s.forge_kind.clone(),
                full_name: s.full_name.clone(),
                html_url: s.html_url.clone(),
                mirror: s.mirror,
            })
            .collect(),
    }
}

/// One project, if the caller may see it (otherwise 404, so private names are not revealed).
#[utoipa::path(
    tag = "projects",
    params(("id" = i64, Path, description = "The project's catalog id.")),
    responses(
        (status = 200, description = "The project, with its README rendered to sanitized HTML.", body = ProjectView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security((), ("bearer" = []), ("session" = []))
)]
#[get("/projects/{id}")]
pub async fn get_project(
    state: web::Data<AppState>,
    user: MaybeUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let viewer = user.viewer();
    let id = id.into_inner();
    let project = state
        .indexer
        .catalog
        .read(move |conn| {
            // A mirror's id shows the project it is a source of.
            let id = repositories::project_id_of(conn, id)?;
            repositories::visible_project(conn, id, &viewer)
        })
        .await?;
    Ok(HttpResponse::Ok().json(project_view(&project, &viewer, true)))
}
