//! Route table. One module per resource.

mod admin_forges;
mod health;
mod hooks;
mod pages;
mod projects;
mod search;
mod stars;
mod suggest;

use actix_web::{HttpRequest, web};

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(pages::index)
        .service(pages::stylesheet)
        .service(
            web::scope("/api/v1")
                .service(search::search)
                .service(suggest::suggest)
                .service(projects::get_project)
                .service(stars::star)
                .service(stars::unstar)
                .service(stars::my_stars)
                .service(admin_forges::list_forges)
                .service(admin_forges::add_forge)
                .service(admin_forges::trigger_sync)
                .service(admin_forges::list_sync_runs)
                .service(hooks::receive),
        );
}

pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
