//! `GET /api/v1/search`: full-text search with filters, facet counts, sort and snippets, over the
//! projects the caller may see.
//!
//! Parameters: `q` (free text, never parsed as query syntax), `sort`
//! (`relevance|stars|recent|activity`), `limit`, `offset`, and the filters `language`, `topic`,
//! `department`, `forge` (catalog id), `license`, `maturity`
//! (`experimental|active|mature|deprecated`) and `has_contributing` (`true|false`). A filter takes
//! several values either repeated (`language=Rust&language=Go`) or comma-separated
//! (`language=Rust,Go`), or both; its values are ORed, and different filters are ANDed. The query
//! string is read as a list of pairs because serde's struct form rejects repeated keys. Unknown
//! parameters are ignored; a malformed value is a 400 problem.

use actix_web::{HttpResponse, get, web};
use agora_catalog::model::Maturity;
use agora_search::{Audience, Filters, SearchRequest, SortOrder};

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How `agora-search` answers a search (`SearchResults`), described for the OpenAPI document.
/// The response conformance test checks real answers against it.
#[derive(utoipa::ToSchema)]
#[schema(as = SearchResults)]
#[expect(
    dead_code,
    reason = "describes agora_search::SearchResults in the OpenAPI document"
)]
pub struct SearchResultsSchema {
    hits: Vec<SearchHitSchema>,
    /// Every match, not only this page.
    total: u64,
    facets: FacetsSchema,
    /// Time spent in the index, milliseconds.
    took_ms: u64,
}

/// One hit, as stored in the index.
#[derive(utoipa::ToSchema)]
#[schema(as = SearchHit)]
#[expect(
    dead_code,
    reason = "describes agora_search::SearchHit in the OpenAPI document"
)]
pub struct SearchHitSchema {
    /// The project's catalog id (`GET /api/v1/projects/{id}`).
    id: u64,
    full_name: String,
    name: String,
    /// The listing's title, when published with one.
    title: Option<String>,
    description: Option<String>,
    language: Option<String>,
    /// Department slug.
    department: Option<String>,
    department_name: Option<String>,
    topics: Vec<String>,
    /// Stars on the forge.
    stars: u64,
    /// Stars given in Agora.
    agora_stars: u64,
    html_url: String,
    license: Option<String>,
    maturity: Option<String>,
    /// The forge's catalog id.
    forge_id: Option<u64>,
    has_contributing: bool,
    activity_score: u64,
    /// Last push, unix seconds.
    pushed_at: Option<i64>,
    score: f32,
    snippets: SnippetsSchema,
}

/// Highlighted fragments where the typed words matched: HTML with every character of the source
/// escaped and only `<mark>` added. A field is absent when none of its words matched.
#[derive(utoipa::ToSchema)]
#[schema(as = Snippets)]
#[expect(
    dead_code,
    reason = "describes agora_search::Snippets in the OpenAPI document"
)]
pub struct SnippetsSchema {
    #[schema(required = false)]
    description: Option<String>,
    #[schema(required = false)]
    readme: Option<String>,
}

/// Value counts per facet, most frequent first; a chosen filter value always keeps its entry.
#[derive(utoipa::ToSchema)]
#[schema(as = Facets)]
#[expect(
    dead_code,
    reason = "describes agora_search::Facets in the OpenAPI document"
)]
pub struct FacetsSchema {
    language: Vec<FacetCountSchema>,
    topic: Vec<FacetCountSchema>,
    department: Vec<FacetCountSchema>,
    license: Vec<FacetCountSchema>,
    maturity: Vec<FacetCountSchema>,
}

#[derive(utoipa::ToSchema)]
#[schema(as = FacetCount)]
#[expect(
    dead_code,
    reason = "describes agora_search::FacetCount in the OpenAPI document"
)]
pub struct FacetCountSchema {
    value: String,
    count: u64,
}

/// The orders a search can be sorted in (`SortOrder::NAMES`).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "named in the OpenAPI document only")
)]
pub enum Sort {
    Relevance,
    Stars,
    Recent,
    Activity,
}

/// A listing's maturity (`Maturity::ALL`).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "named in the OpenAPI document only")
)]
pub enum MaturityName {
    Experimental,
    Active,
    Mature,
    Deprecated,
}

/// The query string in order, repeated keys kept.
pub type QueryPairs = web::Query<Vec<(String, String)>>;

/// More values than anyone picks by hand; each one is a term lookup.
const MAX_FILTER_VALUES: usize = 50;

pub fn audience(viewer: &agora_catalog::Viewer) -> Audience {
    if viewer.is_admin() {
        Audience::Everything
    } else {
        Audience::Member {
            department_id: viewer.department_id.and_then(|id| u64::try_from(id).ok()),
        }
    }
}

/// The one value of a parameter that may be given once, or `None`.
fn single<'a>(pairs: &'a [(String, String)], key: &str) -> ApiResult<Option<&'a str>> {
    let mut values = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::BadRequest(format!(
            "`{key}` is given more than once"
        )));
    }
    Ok(first)
}

/// What was typed (`q`), for pages that show it back even when the request is refused.
pub fn query_text(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "q")
        .map_or("", |(_, v)| v.as_str())
}

fn number(pairs: &[(String, String)], key: &str, default: usize) -> ApiResult<usize> {
    single(pairs, key)?.map_or(Ok(default), |v| {
        v.trim()
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("`{key}` must be a whole number, not `{v}`")))
    })
}

/// Every value of a filter, repeated or comma-separated, without blanks or repeats.
fn values(pairs: &[(String, String)], key: &str) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for piece in pairs
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
    {
        if !out.iter().any(|seen| seen == piece) {
            out.push(piece.to_owned());
        }
    }
    if out.len() > MAX_FILTER_VALUES {
        return Err(ApiError::BadRequest(format!(
            "`{key}` takes at most {MAX_FILTER_VALUES} values"
        )));
    }
    Ok(out)
}

fn filters(pairs: &[(String, String)]) -> ApiResult<Filters> {
    let maturity = values(pairs, "maturity")?;
    if let Some(bad) = maturity.iter().find(|m| m.parse::<Maturity>().is_err()) {
        let known: Vec<&str> = Maturity::ALL.iter().map(|m| m.as_str()).collect();
        return Err(ApiError::BadRequest(format!(
            "maturity `{bad}` is not one of {}",
            known.join(", ")
        )));
    }
    let forge = values(pairs, "forge")?
        .iter()
        .map(|id| {
            id.parse::<u64>().map_err(|_| {
                ApiError::BadRequest(format!("forge `{id}` is not a forge id (a whole number)"))
            })
        })
        .collect::<ApiResult<Vec<u64>>>()?;
    let has_contributing = match single(pairs, "has_contributing")?.map(str::trim) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "has_contributing `{other}` is not one of true, false"
            )));
        }
    };
    Ok(Filters {
        language: values(pairs, "language")?,
        topic: values(pairs, "topic")?,
        department: values(pairs, "department")?,
        forge,
        license: values(pairs, "license")?,
        maturity,
        has_contributing,
    })
}

/// The search request the query string asks for, or a 400 naming what is wrong with it.
pub fn request(pairs: &[(String, String)]) -> ApiResult<SearchRequest> {
    let sort = match single(pairs, "sort")?.map(str::trim) {
        None | Some("") => SortOrder::Relevance,
        Some(name) => SortOrder::parse(name).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "sort `{name}` is not one of {}",
                SortOrder::NAMES.join(", ")
            ))
        })?,
    };
    Ok(SearchRequest {
        text: single(pairs, "q")?.unwrap_or_default().to_owned(),
        limit: number(pairs, "limit", 20)?,
        offset: number(pairs, "offset", 0)?,
        sort,
        filters: filters(pairs)?,
    })
}

/// Full-text search over the projects the caller may see: hits with snippets, the total, facet
/// counts and the time taken.
///
/// A filter takes several values, repeated (`language=Rust&language=Go`) or comma-separated
/// (`language=Rust,Go`); a filter's values are ORed, different filters are ANDed. Unknown
/// parameters are ignored.
#[utoipa::path(
    tag = "search",
    params(
        ("q" = Option<String>, Query, description = "Free text, never parsed as query syntax. Empty: every project."),
        ("sort" = Option<Sort>, Query, description = "Default `relevance` (with no words typed: most starred first)."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Hits per page, default 20."),
        ("offset" = Option<u32>, Query, maximum = 10000, description = "Hits to skip, default 0."),
        ("language" = Option<Vec<String>>, Query, explode, description = "Primary language."),
        ("topic" = Option<Vec<String>>, Query, explode, description = "Forge topic."),
        ("department" = Option<Vec<String>>, Query, explode, description = "Department slug."),
        ("forge" = Option<Vec<u64>>, Query, explode, description = "Forge catalog id."),
        ("license" = Option<Vec<String>>, Query, explode, description = "SPDX license id."),
        ("maturity" = Option<Vec<MaturityName>>, Query, explode, description = "Listing maturity."),
        ("has_contributing" = Option<bool>, Query, description = "Whether the repository has a CONTRIBUTING file."),
    ),
    responses(
        (status = 200, description = "One page of hits, the total, facet counts.", body = SearchResultsSchema),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security((), ("bearer" = []), ("session" = []))
)]
#[get("/search")]
pub async fn search(
    state: web::Data<AppState>,
    user: MaybeUser,
    params: QueryPairs,
) -> ApiResult<HttpResponse> {
    let request = request(&params)?;
    let audience = audience(&user.viewer());
    // Facets and snippets make a search milliseconds of CPU: off the async workers, one per core.
    let results = state
        .indexer
        .index
        .search_in_pool(request, audience)
        .await?;
    Ok(HttpResponse::Ok().json(results))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn filter_values_may_be_repeated_or_comma_separated() {
        let request = request(&pairs("language=Rust&language=Go,Rust, C#&topic=a")).unwrap();
        assert_eq!(request.filters.language, ["Rust", "Go", "C#"]);
        assert_eq!(request.filters.topic, ["a"]);
    }

    #[test]
    fn malformed_values_are_refused() {
        for query in [
            "sort=sideways",
            "maturity=ancient",
            "maturity=mature,ancient",
            "has_contributing=yes",
            "has_contributing=true&has_contributing=false",
            "forge=ghe",
            "limit=abc",
            "offset=-1",
            "q=a&q=b",
        ] {
            assert!(
                matches!(request(&pairs(query)), Err(ApiError::BadRequest(_))),
                "{query}"
            );
        }
    }

    #[test]
    fn documented_sort_and_maturity_names_are_the_accepted_ones() {
        let names = |values: serde_json::Value| -> Vec<String> {
            values
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let sorts = serde_json::json!([Sort::Relevance, Sort::Stars, Sort::Recent, Sort::Activity]);
        assert_eq!(names(sorts), SortOrder::NAMES);
        let maturities = serde_json::json!([
            MaturityName::Experimental,
            MaturityName::Active,
            MaturityName::Mature,
            MaturityName::Deprecated
        ]);
        let known: Vec<&str> = Maturity::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(names(maturities), known);
    }

    #[test]
    fn every_documented_sort_and_maturity_is_accepted() {
        for sort in SortOrder::NAMES {
            request(&pairs(&format!("sort={sort}"))).unwrap();
        }
        let request = request(&pairs(
            "maturity=experimental,active,mature,deprecated&has_contributing=false&forge=3",
        ))
        .unwrap();
        assert_eq!(request.filters.maturity.len(), 4);
        assert_eq!(request.filters.has_contributing, Some(false));
        assert_eq!(request.filters.forge, [3]);
    }
}
