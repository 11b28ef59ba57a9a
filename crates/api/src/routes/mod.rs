//! Route table. One module per resource.

mod health;
mod pages;
mod projects;
mod search;
mod stars;

use actix_web::{HttpRequest, web};

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(pages::index)
        .service(pages::stylesheet)
        .service(
            web::scope("/api/v1")
                .service(search::search)
                .service(projects::get_project)
                .service(stars::star)
                .service(stars::unstar)
                .service(stars::my_stars),
        );
}

pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
