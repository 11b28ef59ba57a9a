//! Agora's HTTP surface: the JSON API under `/api/v1`, the server-rendered pages, and
//! authentication. Handlers are thin — parse, authorise, call the library crates, map the result —
//! and `app` is the one factory both `agora serve` and the tests build the server from.

pub mod auth;
pub mod error;
pub mod identity;
pub mod markdown;
pub mod metrics;
pub mod openapi;
mod routes;
pub mod state;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpRequest, error::InternalError, web};

pub use auth::{AuthUser, TokenKeys, TokenSubject};
pub use error::{ApiError, ApiResult};
pub use identity::{DepartmentSource, Identity, OidcConfig};
pub use metrics::Metrics;
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
    let metrics = state.metrics.clone();
    let (app, api) = openapi::register(App::new());
    // A document that does not serialize is a bug in an annotation; serving a problem for it
    // beats refusing to start.
    let document = openapi::Document::of(&api);
    app.app_data(web::Data::new(state))
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
        .configure(routes::configure)
        .configure(|cfg| match document {
            Ok(document) => {
                cfg.app_data(web::Data::new(document))
                    .service(openapi::serve);
            }
            Err(error) => {
                tracing::error!(%error, "the OpenAPI document is not served");
            }
        })
        .service(metrics::scrape)
        .default_service(web::to(routes::not_found))
        .wrap(actix_web::middleware::from_fn(identity::csrf::form_token))
        .wrap_fn(move |req, srv| {
            let metrics = metrics.clone();
            let method = req.method().clone();
            let started = Instant::now();
            let answer = srv.call(req);
            async move {
                let answer = answer.await;
                match &answer {
                    Ok(response) => metrics.observe_request(
                        &method,
                        response.request().match_pattern().as_deref(),
                        response.status(),
                        started.elapsed(),
                    ),
                    Err(error) => metrics.observe_request(
                        &method,
                        None,
                        error.as_response_error().status_code(),
                        started.elapsed(),
                    ),
                }
                answer
            }
        })
        .wrap(actix_web::middleware::Logger::new("%r %s %Dms").log_target("agora::http"))
        .wrap(actix_web::middleware::Compress::default())
}
