//! Publishing: leads publish their department's repositories to the catalog, edit the pitch,
//! and unpublish; admins may do it for any department. Every change is audited and reaches the
//! search index within a commit interval.

use actix_web::{HttpResponse, delete, put, web};
use agora_catalog::model::{ListingDraft, Maturity};
use agora_catalog::{audit, listings, repositories};
use serde::Deserialize;
use serde_json::json;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::access_requests::is_owner;
use crate::routes::projects::project_view;
use crate::state::AppState;

/// The pitch: what a lead writes to publish a project. Blank texts count as absent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingBody {
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub motivation: Option<String>,
    /// At most 30 entries of at most 100 characters.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub skills: Vec<String>,
    /// At most 30 entries of at most 100 characters.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub contributions_wanted: Vec<String>,
    /// An http(s) URL or a relative path.
    #[schema(max_length = 2000)]
    pub docs_url: Option<String>,
    /// An http(s) URL or a relative path (a logo inside the repository).
    #[schema(max_length = 2000)]
    pub logo_url: Option<String>,
    #[schema(value_type = Option<crate::routes::search::MaturityName>)]
    pub maturity: Option<String>,
    #[serde(default)]
    pub looking_for_contributors: bool,
}

/// The answer to an unpublish.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Unpublished {
    project_id: i64,
    /// Always false: the project is no longer in the catalog.
    published: bool,
    /// False when it was not published to begin with.
    changed: bool,
}

fn bounded(field: &str, value: Option<String>, max: usize) -> ApiResult<Option<String>> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => Err(ApiError::BadRequest(format!(
            "{field} must be at most {max} characters"
        ))),
        other => Ok(other),
    }
}

fn url(field: &str, value: Option<String>) -> ApiResult<Option<String>> {
    let value = bounded(field, value, 2000)?;
    if let Some(v) = &value {
        // An http(s) URL, or a relative path (a logo inside the repository); never javascript: & co.
        let web = v.starts_with("https://") || v.starts_with("http://");
        let relative = !v.contains(':') && !v.starts_with("//");
        if !web && !relative {
            return Err(ApiError::BadRequest(format!(
                "{field} must be an http(s) URL or a relative path"
            )));
        }
    }
    Ok(value)
}

fn list(field: &str, values: Vec<String>) -> ApiResult<Vec<String>> {
    let values: Vec<String> = values
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if values.len() > 30 || values.iter().any(|v| v.chars().count() > 100) {
        return Err(ApiError::BadRequest(format!(
            "{field}: at most 30 entries of at most 100 characters"
        )));
    }
    Ok(values)
}

impl ListingBody {
    fn into_draft(self) -> ApiResult<ListingDraft> {
        Ok(ListingDraft {
            title: bounded("title", self.title, 200)?,
            motivation: bounded("motivation", self.motivation, 5000)?,
            skills: list("skills", self.skills)?,
            contributions_wanted: list("contributions_wanted", self.contributions_wanted)?,
            docs_url: url("docs_url", self.docs_url)?,
            logo_url: url("logo_url", self.logo_url)?,
            maturity: self
                .maturity
                .as_deref()
                .map(str::parse::<Maturity>)
                .transpose()?,
            looking_for_contributors: self.looking_for_contributors,
        })
    }
}

/// Publishes the project (or rewrites its listing): for leads of the owning department and admins.
#[utoipa::path(
    tag = "listings",
    params(("id" = i64, Path, description = "The project's catalog id.")),
    request_body = ListingBody,
    responses(
        (status = 200, description = "Published; searchable within a commit interval.", body = crate::routes::projects::ProjectView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[put("/projects/{id}/listing")]
pub async fn publish(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ListingBody>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let draft = body.into_inner().into_draft()?;
    let actor = user.clone();
    let viewer = user.viewer();
    state
        .indexer
        .catalog
        .write(move |conn| {
            let project = repositories::visible_project(conn, id, &viewer)?;
            let department = project.repository.department_id;
            if !is_owner(&actor, department) {
                return Ok(Err(ApiError::Forbidden(
                    "only leads of the owning department and admins may publish it".to_owned(),
                )));
            }
            listings::publish(conn, id, department, Some(actor.user_id), &draft)?;
            audit::record(
                conn,
                &audit::AuditEntry {
                    actor_id: Some(actor.user_id),
                    action: "project.published",
                    subject_type: "project",
                    subject_id: Some(id.to_string()),
                    department_id: department,
                    details: json!({ "title": draft.title }),
                },
            )?;
            Ok(Ok(()))
        })
        .await??;
    state.indexer.refresh_project(id).await?;
    let project = state
        .indexer
        .catalog
        .read(move |conn| repositories::visible_project(conn, id, &viewer))
        .await?;
    Ok(HttpResponse::Ok().json(project_view(&project, &viewer, false)))
}

/// Takes the project out of the catalog (its repository stays known to Agora).
#[utoipa::path(
    tag = "listings",
    params(("id" = i64, Path, description = "The project's catalog id.")),
    responses(
        (status = 200, description = "Not published.", body = Unpublished),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[delete("/projects/{id}/listing")]
pub async fn unpublish(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let actor = user.clone();
    let viewer = user.viewer();
    let removed = state
        .indexer
        .catalog
        .write(move |conn| {
            let project = repositories::visible_project(conn, id, &viewer)?;
            let department = project.repository.department_id;
            if !is_owner(&actor, department) {
                return Ok(Err(ApiError::Forbidden(
                    "only leads of the owning department and admins may unpublish it".to_owned(),
                )));
            }
            let removed = listings::unpublish(conn, id)?;
            if removed {
                audit::record(
                    conn,
                    &audit::AuditEntry {
                        actor_id: Some(actor.user_id),
                        action: "project.unpublished",
                        subject_type: "project",
                        subject_id: Some(id.to_string()),
                        department_id: department,
                        details: json!({}),
                    },
                )?;
            }
            Ok(Ok(removed))
        })
        .await??;
    state.indexer.refresh_project(id).await?;
    Ok(HttpResponse::Ok().json(Unpublished {
        project_id: id,
        published: false,
        changed: removed,
    }))
}
