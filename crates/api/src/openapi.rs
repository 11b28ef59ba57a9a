//! The OpenAPI 3.1 document of the JSON API, generated from the handlers themselves: every
//! handler under `/api/v1` carries a `#[utoipa::path]` and is registered through
//! `utoipa_actix_web`'s scope, which only accepts annotated handlers, so a route cannot exist
//! without its entry in the document. This module holds what the handlers share — the problem
//! responses, the two ways to authenticate, the tags — and serves the result at
//! `GET /api/openapi.json`.

use actix_web::{App, HttpResponse, get, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi as _, ToResponse};
use utoipa_actix_web::AppExt;

use crate::error::Problem;

/// Where the document is served.
pub const PATH: &str = "/api/openapi.json";

/// The request is malformed: a parameter, the path or the body does not say what the endpoint
/// needs (the problem's `detail` names what).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(pub Problem);

/// No valid credentials: send `Authorization: Bearer <token>` or the session cookie. A present
/// but bad token is refused, never read as anonymous.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer`"))
)]
pub struct Unauthorized(pub Problem);

/// The caller may not do this (a role or ownership rule), or a write under the session cookie
/// failed the CSRF checks.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(pub Problem);

/// Nothing the caller may see is there (private projects answer like missing ones).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// The request conflicts with the current state (a duplicate, a decision already taken, a sync
/// already running).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(pub Problem);

/// The catalog database is unavailable for now; try again shortly.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unavailable(pub Problem);

/// The server could not complete the request; the details are in its log, not in the answer.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Internal(pub Problem);

/// The two ways to authenticate, named in each operation's `security`.
struct Authentication;

/// Security scheme names, as operations refer to them.
pub const BEARER: &str = "bearer";
pub const SESSION: &str = "session";

impl Modify for Authentication {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An Agora token (HS256, from `agora token`) or, in `oidc` mode, the \
                         OpenID provider's ID token.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::identity::cookies::SESSION,
                "The web session set by `/login`. Writes under it must also send the \
                 `agora_csrf` cookie's value in the `X-CSRF-Token` header and come from \
                 Agora's own origin.",
            ))),
        );
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Agora",
        description = "Agora's JSON API: find, star and publish InnerSource projects, ask for \
                       access to their code, connect forges. Errors are RFC 9457 \
                       `application/problem+json` bodies with a stable `type` and `code`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    components(
        // Named by query parameters only, which utoipa does not collect.
        schemas(Problem, crate::routes::search::Sort, crate::routes::search::MaturityName),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unavailable, Internal)
    ),
    modifiers(&Authentication),
    tags(
        (name = "search", description = "Full-text search and search-as-you-type."),
        (name = "projects", description = "One project, as the caller may see it."),
        (name = "stars", description = "Stars given in Agora and the rankings they make."),
        (name = "listings", description = "Publishing projects to the catalog."),
        (name = "access-requests", description = "Asking for, and granting, access to code."),
        (name = "admin", description = "Connected forges and their syncs; the audit trail."),
        (name = "hooks", description = "Webhooks from the forges."),
    )
)]
struct Base;

/// Registers the `/api/v1` handlers on `app` and returns it with their OpenAPI document.
pub(crate) fn register<T>(app: App<T>) -> (App<T>, OpenApi)
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    app.into_utoipa_app()
        .openapi(Base::openapi())
        .service(crate::routes::api_v1())
        .split_for_parts()
}

/// The OpenAPI document of the API, as `GET /api/openapi.json` serves it.
pub fn document() -> OpenApi {
    register(App::new()).1
}

/// The document, serialized once per application.
#[derive(Debug, Clone)]
pub(crate) struct Document(pub String);

impl Document {
    pub fn of(api: &OpenApi) -> Result<Self, crate::error::ApiError> {
        api.to_json()
            .map(Self)
            .map_err(|e| crate::error::ApiError::Internal(format!("the OpenAPI document: {e}")))
    }
}

/// The OpenAPI 3.1 document of `/api/v1`.
#[get("/api/openapi.json")]
pub(crate) async fn serve(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}
