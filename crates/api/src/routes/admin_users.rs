//! Admin: managing users and departments. Every handler needs an admin (`AdminUser`); the rules
//! (a lead's department must exist, the last active admin stays, a department in use is not
//! deleted) and the audit events live in the catalog's use-cases, so the command line enforces
//! the same. Deactivation is an action (`POST …/deactivate`, `…/reactivate`), as access requests
//! are approved and denied; fields change with `PATCH`.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpResponse, delete, get, patch, post, web};
use agora_catalog::departments::{self, DepartmentSummary};
use agora_catalog::model::{Department, Role, User};
use agora_catalog::users::{self, NewUser, UserChanges, UserFilter, UserStatus};
use agora_catalog::{CatalogError, CatalogResult, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

/// A department as a user's record names it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = UserDepartment)]
pub struct DepartmentRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A user as admins see them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserView {
    pub id: i64,
    pub subject: String,
    pub display_name: String,
    pub email: Option<String>,
    /// `employee`, `lead` or `admin`.
    #[schema(value_type = RoleName)]
    pub role: Role,
    pub department: Option<DepartmentRef>,
    /// Forge name → the user's account there (access is granted to it).
    pub forge_usernames: BTreeMap<String, String>,
    /// `local` (Agora's own tokens) or `oidc` (the OpenID provider, which owns name, email, role
    /// and department).
    pub source: &'static str,
    pub active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn user_view(user: User, departments: &HashMap<i64, Department>) -> CatalogResult<UserView> {
    Ok(UserView {
        forge_usernames: user.forge_usernames()?,
        role: user.role(),
        department: user
            .department_id
            .and_then(|id| departments.get(&id))
            .map(|d| DepartmentRef {
                id: d.id,
                slug: d.slug.clone(),
                name: d.name.clone(),
            }),
        source: if users::is_provider_subject(&user.subject) {
            "oidc"
        } else {
            "local"
        },
        active: user.is_active(),
        deactivated_at: user.deactivated_at.map(|t| t.and_utc()),
        created_at: user.created_at.and_utc(),
        updated_at: user.updated_at.and_utc(),
        id: user.id,
        subject: user.subject,
        display_name: user.display_name,
        email: user.email,
    })
}

fn departments_by_id(conn: &mut DbConnection) -> CatalogResult<HashMap<i64, Department>> {
    Ok(departments::list(conn)?
        .into_iter()
        .map(|d| (d.id, d))
        .collect())
}

/// The user's view, read in the same transaction as the change that produced it.
fn view_of(conn: &mut DbConnection, user: User) -> CatalogResult<UserView> {
    let departments = departments_by_id(conn)?;
    user_view(user, &departments)
}

/// A user's role (`agora_catalog::model::Role`).
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "names agora_catalog::model::Role in the OpenAPI document"
)]
pub enum RoleName {
    Employee,
    Lead,
    Admin,
}

/// A page of users.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
    /// How many users match the filters in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    pub department_id: Option<i64>,
    /// `employee`, `lead` or `admin`.
    pub role: Option<String>,
    /// A case-insensitive part of the subject, name or email.
    pub q: Option<String>,
    /// `active`, `deactivated` or `any` (the default).
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Users matching the filters, by subject, a page at a time.
#[utoipa::path(
    tag = "admin",
    params(UserListParams),
    responses(
        (status = 200, description = "A page of users.", body = UserList),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
    params: web::Query<UserListParams>,
) -> ApiResult<HttpResponse> {
    let params = params.into_inner();
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let offset = params.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::BadRequest(
            "offset must not be negative".to_owned(),
        ));
    }
    let filter = UserFilter {
        department_id: params.department_id,
        role: params.role.as_deref().map(str::parse).transpose()?,
        text: params.q,
        status: params
            .status
            .as_deref()
            .map(str::parse)
            .transpose()?
            .unwrap_or(UserStatus::Any),
    };
    let list = state
        .indexer
        .catalog
        .read(move |conn| {
            let (page, total) = users::list(conn, &filter, offset, limit)?;
            let departments = departments_by_id(conn)?;
            let users = page
                .into_iter()
                .map(|u| user_view(u, &departments))
                .collect::<CatalogResult<_>>()?;
            Ok(UserList {
                users,
                total,
                limit,
                offset,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// The login name the user's tokens carry (`sub`).
    pub subject: String,
    /// Default: the subject.
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Required for leads.
    pub department_id: Option<i64>,
    /// Default: `employee`.
    #[schema(value_type = Option<RoleName>)]
    pub role: Option<Role>,
}

/// Creates a local user (issue them a token with `agora token issue`).
#[utoipa::path(
    tag = "admin",
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created.", body = UserView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewUserRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let new = NewUser {
        subject: body.subject,
        display_name: body.display_name.unwrap_or_default(),
        email: body.email,
        department_id: body.department_id,
        role: body.role.unwrap_or(Role::Employee),
    };
    let actor = admin.0.user_id;
    let view = state
        .indexer
        .catalog
        .write(move |conn| {
            let user = users::create(conn, Some(actor), &new)?;
            view_of(conn, user)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One user.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The user.", body = UserView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/admin/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .indexer
        .catalog
        .read(move |conn| {
            let user = users::by_id(conn, id)?.ok_or(CatalogError::not_found("user"))?;
            view_of(conn, user)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Tells a field sent as `null` (`Some(None)`) from a field left out (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The fields to change; those left out stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdateRequest {
    pub display_name: Option<String>,
    /// `null` removes the address.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[schema(value_type = Option<RoleName>)]
    pub role: Option<Role>,
    /// `null` takes the user out of their department (not for leads).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub department_id: Option<Option<i64>>,
    /// Forge name → username; `null` unlinks that forge. Forges left out stay linked.
    pub forge_usernames: Option<BTreeMap<String, Option<String>>>,
}

/// Changes a user's name, email, role, department or forge accounts.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The user's id.")),
    request_body = UserUpdateRequest,
    responses(
        (status = 200, description = "The user as changed.", body = UserView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[patch("/admin/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<i64>,
    body: web::Json<UserUpdateRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let body = body.into_inner();
    let changes = UserChanges {
        display_name: body.display_name,
        email: body.email,
        role: body.role,
        department_id: body.department_id,
        forge_usernames: body.forge_usernames.unwrap_or_default(),
    };
    if changes.is_empty() {
        return Err(ApiError::BadRequest(
            "nothing to change: send display_name, email, role, department_id or forge_usernames"
                .to_owned(),
        ));
    }
    let actor = admin.0.user_id;
    let view = state
        .indexer
        .catalog
        .write(move |conn| {
            let user = users::update(conn, Some(actor), id, &changes)?;
            view_of(conn, user)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Refuses the user's tokens and sessions from the next request on; 409 when already done or
/// when they are the last active admin.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "Deactivated.", body = UserView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/admin/users/{id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let actor = admin.0.user_id;
    let view = state
        .indexer
        .catalog
        .write(move |conn| {
            let user = users::deactivate(conn, Some(actor), id)?;
            view_of(conn, user)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Lets a deactivated user in again; 409 when they are active.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "Active again.", body = UserView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/admin/users/{id}/reactivate")]
pub async fn reactivate_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let actor = admin.0.user_id;
    let view = state
        .indexer
        .catalog
        .write(move |conn| {
            let user = users::reactivate(conn, Some(actor), id)?;
            view_of(conn, user)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A department with its user and repository counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Department)]
pub struct DepartmentView {
    pub id: i64,
    /// The stable identifier tokens, provider claims and forge department maps use.
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub users: i64,
    pub repositories: i64,
}

impl From<DepartmentSummary> for DepartmentView {
    fn from(summary: DepartmentSummary) -> Self {
        let d = summary.department;
        Self {
            id: d.id,
            slug: d.slug,
            name: d.name,
            created_at: d.created_at.and_utc(),
            users: summary.users,
            repositories: summary.repositories,
        }
    }
}

fn department_view(conn: &mut DbConnection, id: i64) -> CatalogResult<DepartmentView> {
    departments::list_with_counts(conn)?
        .into_iter()
        .find(|s| s.department.id == id)
        .map(DepartmentView::from)
        .ok_or(CatalogError::not_found("department"))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepartmentList {
    departments: Vec<DepartmentView>,
}

/// Every department, with its user and repository counts.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The departments.", body = DepartmentList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/admin/departments")]
pub async fn list_departments(
    state: web::Data<AppState>,
    _admin: AdminUser,
) -> ApiResult<HttpResponse> {
    let departments: Vec<DepartmentView> = state
        .indexer
        .catalog
        .read(departments::list_with_counts)
        .await?
        .into_iter()
        .map(DepartmentView::from)
        .collect();
    Ok(HttpResponse::Ok().json(DepartmentList { departments }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartmentRequest {
    /// Lower-case letters or digits joined by dashes (`customer-service`); it never changes.
    pub slug: String,
    pub name: String,
}

/// Creates a department.
#[utoipa::path(
    tag = "admin",
    request_body = NewDepartmentRequest,
    responses(
        (status = 201, description = "Created.", body = DepartmentView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/admin/departments")]
pub async fn create_department(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewDepartmentRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let actor = admin.0.user_id;
    let view = state
        .indexer
        .catalog
        .write(move |conn| {
            let created = departments::create(conn, Some(actor), &body.slug, &body.name)?;
            department_view(conn, created.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentUpdateRequest {
    /// The new display name (the slug stays).
    pub name: String,
}

/// Renames a department (its slug stays).
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The department's id.")),
    request_body = DepartmentUpdateRequest,
    responses(
        (status = 200, description = "Renamed.", body = DepartmentView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[patch("/admin/departments/{id}")]
pub async fn rename_department(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<i64>,
    body: web::Json<DepartmentUpdateRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let name = body.into_inner().name;
    let actor = admin.0.user_id;
    let view = state
        .indexer
        .catalog
        .write(move |conn| {
            departments::rename(conn, Some(actor), id, &name)?;
            department_view(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes a department nothing refers to; 409 (saying what still does) otherwise.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The department's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[delete("/admin/departments/{id}")]
pub async fn delete_department(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let actor = admin.0.user_id;
    state
        .indexer
        .catalog
        .write(move |conn| departments::delete(conn, Some(actor), id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
