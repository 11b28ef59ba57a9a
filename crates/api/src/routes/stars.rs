use actix_web::{HttpResponse, delete, get, put, web};
use agora_catalog::{audit, repositories, stars};
use serde::Serialize;
use serde_json::json;

use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::routes::projects::{ProjectView, project_view};
use crate::state::AppState;

#[derive(Debug, Serialize)]
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
#[put("/projects/{id}/star")]
pub async fn star(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    set_star(&state, &user, id.into_inner(), true).await
}

/// Removes the caller's star. Removing a star that is not there is not an error.
#[delete("/projects/{id}/star")]
pub async fn unstar(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    set_star(&state, &user, id.into_inner(), false).await
}

#[derive(Debug, Serialize)]
struct StarredProject {
    starred_at: chrono::DateTime<chrono::Utc>,
    project: ProjectView,
}

/// The caller's starred projects (that they may still see), most recent first.
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
    Ok(HttpResponse::Ok().json(json!({ "stars": stars })))
}
