//! Agora's HTTP surface: the JSON API under `/api/v1`, the server-rendered pages, and
//! authentication. Handlers are thin — parse, authorise, call the library crates, map the result —
//! and `app` is the one factory both `agora serve` and the tests build the server from.

pub mod auth;
pub mod error;
pub mod identity;
pub mod markdown;
mod routes;
pub mod state;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpRequest, error::InternalError, web};

pub use auth::{AuthUser, TokenKeys, TokenSubject};
pub use error::{ApiError, ApiResult};
pub use identity::{DepartmentSource, Identity, OidcConfig};
pub use state::AppState;

/// Request bodies larger than this are refused before they are read.
const MAX_JSON_BODY: usize = 256 * 1024;

fn bad_request(detail: String) -> actix_web::Error {
    let error = ApiError::BadRequest(detail);
    let response = actix_web::ResponseError::error_response(&error);
    InternalError::from_response(error, response).into()
}

/// The whole application, ready for `HttpServer::new` or `actix_web::test::init_service`.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_JSON_BODY)
                .error_handler(|e, _: &HttpRequest| bad_request(format!("invalid JSON body: {e}"))),
        )
        .app_data(
            web::QueryConfig::default().error_handler(|e, _: &HttpRequest| {
                bad_request(format!("invalid query string: {e}"))
            }),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|e, _: &HttpRequest| bad_request(format!("invalid path: {e}"))),
        )
        .wrap(actix_web::middleware::Logger::new("%r %s %Dms").log_target("agora::http"))
        .wrap(actix_web::middleware::Compress::default())
        .configure(routes::configure)
        .default_service(web::to(routes::not_found))
}
