//! Route table. One module per resource.

mod access_requests;
mod admin_forges;
mod admin_users;
mod audit_log;
mod health;
mod hooks;
mod listings;
mod pages;
mod projects;
pub(crate) mod search;
mod session;
mod stars;
mod suggest;

use actix_web::{HttpRequest, web};

use crate::error::ApiError;

/// The pages, the session endpoints and the probes: everything outside the JSON API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(pages::index)
        .service(pages::stylesheet)
        .service(session::login_form)
        .service(session::login_submit)
        .service(session::logout)
        .service(session::callback);
}

/// The JSON API. Registered through `utoipa_actix_web`, whose `service` takes only handlers
/// annotated with `#[utoipa::path]`: each one lands in the OpenAPI document as it is mounted.
pub fn api_v1() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/v1")
        .service(search::search)
        .service(suggest::suggest)
        .service(projects::get_project)
        .service(stars::star)
        .service(stars::unstar)
        .service(stars::my_stars)
        .service(stars::stargazers)
        .service(stars::most_starred)
        .service(stars::trending)
        .service(admin_forges::list_forges)
        .service(admin_forges::add_forge)
        .service(admin_forges::trigger_sync)
        .service(admin_forges::list_sync_runs)
        .service(hooks::receive)
        .service(access_requests::create)
        .service(access_requests::list)
        .service(access_requests::withdraw)
        .service(access_requests::approve)
        .service(access_requests::deny)
        .service(listings::publish)
        .service(listings::unpublish)
        .service(audit_log::list)
        .service(admin_users::list_users)
        .service(admin_users::create_user)
        .service(admin_users::get_user)
        .service(admin_users::update_user)
        .service(admin_users::deactivate_user)
        .service(admin_users::reactivate_user)
        .service(admin_users::list_departments)
        .service(admin_users::create_department)
        .service(admin_users::rename_department)
        .service(admin_users::delete_department)
}

pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
