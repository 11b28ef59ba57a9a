use actix_web::{HttpResponse, delete, get, put, web};
use agora_catalog::{audit, repositories, stars};
use serde::Serialize;
use serde_json::json;

use crate::auth::{AuthUser, MaybeUser};
use crate::error::ApiResult;
use crate::routes::projects::{ProjectView, project_view};
use crate::state::AppState;

/// The caller's star on a project after the change, and the project's count of Agora stars.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct StarState {
    project_id: i64,
    starred: bool,
    agora_stars: i64,
}

async fn set_star(
    state: &AppState,
    user: &AuthUser,
    id: i64,
    starred: bool,
) -> ApiResult<HttpResponse> {
    let viewer = user.viewer();
    let user_id = user.user_id;
    let count = state
        .indexer
        .catalog
        .write(move |conn| {
            let project = repositories::visible_project(conn, id, &viewer)?;
            let changed = if starred {
                stars::star(conn, user_id, id)?
            } else {
                stars::unstar(conn, user_id, id)?
            };
            if changed {
                audit::record(
                    conn,
                    &audit::AuditEntry {
                        actor_id: Some(user_id),
                        action: if starred {
                            "project.starred"
                        } else {
                            "project.unstarred"
                        },
                        subject_type: "project",
                        subject_id: Some(id.to_string()),
                        department_id: project.repository.department_id,
                        details: json!({}),
                    },
                )?;
            }
            stars::count_for(conn, id)
        })
        .await?;
    // The count is part of the index's sort keys: refresh it there too.
    state.indexer.refresh_project(id).await?;
    Ok(HttpResponse::Ok().json(StarState {
        project_id: id,
        starred,
        agora_stars: count,
    }))
}

/// Stars a project. Starring twice is the same as starring once.
#[utoipa::path(
    tag = "stars",
    params(("id" = i64, Path, description = "The project's catalog id.")),
    responses(
        (status = 200, description = "Starred.", body = StarState),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[put("/projects/{id}/star")]
pub async fn star(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    set_star(&state, &user, id.into_inner(), true).await
}

/// Removes the caller's star. Removing a star that is not there is not an error.
#[utoipa::path(
    tag = "stars",
    params(("id" = i64, Path, description = "The project's catalog id.")),
    responses(
        (status = 200, description = "Not starred.", body = StarState),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[delete("/projects/{id}/star")]
pub async fn unstar(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    set_star(&state, &user, id.into_inner(), false).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct StarredProject {
    starred_at: chrono::DateTime<chrono::Utc>,
    project: ProjectView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct StarredProjects {
    stars: Vec<StarredProject>,
}

/// The caller's starred projects (that they may still see), most recent first.
#[utoipa::path(
    tag = "stars",
    responses(
        (status = 200, description = "The caller's stars, newest first.", body = StarredProjects),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/me/stars")]
pub async fn my_stars(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let viewer = user.viewer();
    let user_id = user.user_id;
    let starred = state
        .indexer
        .catalog
        .read(move |conn| stars::starred_by(conn, user_id, &viewer))
        .await?;
    let stars: Vec<StarredProject> = starred
        .iter()
        .map(|(given, project)| StarredProject {
            starred_at: given.starred_at.and_utc(),
            project: project_view(project, &viewer, false),
        })
        .collect();
    Ok(HttpResponse::Ok().json(StarredProjects { stars }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Stargazer {
    user_id: i64,
    name: String,
    /// The department's name.
    department: Option<String>,
    starred_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Stargazers {
    stargazers: Vec<Stargazer>,
}

/// Who starred the project (names and departments): for leads of the owning department and admins.
#[utoipa::path(
    tag = "stars",
    params(("id" = i64, Path, description = "The project's catalog id.")),
    responses(
        (status = 200, description = "Who starred the project.", body = Stargazers),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/projects/{id}/stargazers")]
pub async fn stargazers(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let viewer = user.viewer();
    let actor = user.clone();
    let gazers = state
        .indexer
        .catalog
        .read(move |conn| {
            let project = repositories::visible_project(conn, id, &viewer)?;
            if !crate::routes::access_requests::is_owner(&actor, project.repository.department_id) {
                return Ok(Err(crate::error::ApiError::Forbidden(
                    "only leads of the owning department and admins see who starred a project"
                        .to_owned(),
                )));
            }
            Ok(Ok(stars::stargazers(conn, id)?))
        })
        .await??;
    let gazers: Vec<Stargazer> = gazers
        .into_iter()
        .map(|(user, department, at)| Stargazer {
            user_id: user.id,
            name: user.display_name,
            department: department.map(|d| d.name),
            starred_at: at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Stargazers { stargazers: gazers }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingParams {
    /// How many projects, 1 to 100; default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RankedProject {
    /// Agora stars counted for the ranking (all time, or the last 30 days).
    stars_in_period: i64,
    project: ProjectView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RankedProjects {
    projects: Vec<RankedProject>,
}

async fn ranked(
    state: &AppState,
    user: &MaybeUser,
    since_days: Option<i64>,
    limit: Option<usize>,
) -> ApiResult<HttpResponse> {
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(crate::error::ApiError::BadRequest(
            "limit must be between 1 and 100".to_owned(),
        ));
    }
    let viewer = user.viewer();
    let since =
        since_days.map(|days| (chrono::Utc::now() - chrono::Duration::days(days)).naive_utc());
    let projects = state
        .indexer
        .catalog
        .read(move |conn| {
            // Over-fetch: some of the top repositories may be invisible to this caller.
            let ranking = stars::ranking(conn, since, (limit as i64) * 4 + 50)?;
            let ids: Vec<i64> = ranking.iter().map(|(id, _)| *id).collect();
            let counts: std::collections::HashMap<i64, i64> = ranking.into_iter().collect();
            let projects = repositories::projects_by_ids(conn, &ids)?;
            Ok(projects
                .into_iter()
                .filter(|p| p.is_visible_to(&viewer))
                .take(limit)
                .map(|p| {
                    let count = counts.get(&p.repository.id).copied().unwrap_or(0);
                    (p, count)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let projects: Vec<RankedProject> = projects
        .iter()
        .map(|(project, count)| RankedProject {
            stars_in_period: *count,
            project: project_view(project, &viewer, false),
        })
        .collect();
    Ok(HttpResponse::Ok().json(RankedProjects { projects }))
}

/// The most starred projects in Agora.
#[utoipa::path(
    tag = "stars",
    params(RankingParams),
    responses(
        (status = 200, description = "Most starred first.", body = RankedProjects),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security((), ("bearer" = []), ("session" = []))
)]
#[get("/stars/top")]
pub async fn most_starred(
    state: web::Data<AppState>,
    user: MaybeUser,
    params: web::Query<RankingParams>,
) -> ApiResult<HttpResponse> {
    ranked(&state, &user, None, params.limit).await
}

/// The projects that gathered the most stars in the last 30 days.
#[utoipa::path(
    tag = "stars",
    params(RankingParams),
    responses(
        (status = 200, description = "Most stars in the last 30 days first.", body = RankedProjects),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security((), ("bearer" = []), ("session" = []))
)]
#[get("/stars/trending")]
pub async fn trending(
    state: web::Data<AppState>,
    user: MaybeUser,
    params: web::Query<RankingParams>,
) -> ApiResult<HttpResponse> {
    ranked(&state, &user, Some(30), params.limit).await
}
