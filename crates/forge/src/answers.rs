//! How the answers every forge gives alike map to the trait's outcomes: a raw file fetch (200,
//! 304, 404), and a write whose failure after retries is an outcome worth retrying later rather
//! than an error. The GitLab, Gitea and Bitbucket clients share these; GitHub keeps its own.

use reqwest::StatusCode;
use reqwest::header::IF_NONE_MATCH;

use crate::client::{FileFetch, GrantOutcome};
use crate::error::ForgeError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};

/// Sends a raw file request, conditionally when `etag` is known, and reads the answer.
pub(crate) async fn fetch_raw(
    http: &HttpClient,
    request: HttpRequest,
    etag: Option<&str>,
) -> Result<FileFetch, ForgeError> {
    let call = HttpClient::call_label(&request.method, &request.url);
    let request = match etag {
        Some(etag) => request.header(IF_NONE_MATCH, etag),
        None => request,
    };
    let response = http.send(&request).await?;
    match response.status {
        StatusCode::OK => Ok(FileFetch::Changed {
            etag: response.header("etag").map(str::to_owned),
            content: String::from_utf8_lossy(&response.body).into_owned(),
        }),
        StatusCode::NOT_MODIFIED => Ok(FileFetch::NotModified),
        StatusCode::NOT_FOUND => Ok(FileFetch::Missing),
        _ => Err(http.status_error(&call, &response)),
    }
}

/// Tries each candidate name of a README in turn; the first that is not `Missing` wins.
pub(crate) async fn first_found<F, Fut>(
    names: &[&str],
    mut fetch: F,
) -> Result<FileFetch, ForgeError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<FileFetch, ForgeError>>,
{
    for name in names {
        match fetch((*name).to_owned()).await? {
            FileFetch::Missing => continue,
            found => return Ok(found),
        }
    }
    Ok(FileFetch::Missing)
}

/// The README names tried, in order, on forges without a "the README" endpoint.
pub(crate) const README_NAMES: [&str; 2] = ["README.md", "README"];

/// Sends a grant request. Server errors and transport failures left after the retries become
/// `Err(TransientFailure)` for the caller to return as the outcome; other errors stay errors.
pub(crate) async fn send_grant(
    http: &HttpClient,
    request: &HttpRequest,
) -> Result<Result<HttpResponse, GrantOutcome>, ForgeError> {
    match http.send(request).await {
        Ok(response) => Ok(Ok(response)),
        Err(e) if e.is_transient() => Ok(Err(GrantOutcome::TransientFailure(e.to_string()))),
        Err(e) => Err(e),
    }
}

/// An `InvalidInput` error for a grant to an empty user name.
pub(crate) fn check_username(forge: &str, call: &str, username: &str) -> Result<(), ForgeError> {
    if username.trim().is_empty() {
        return Err(ForgeError::InvalidInput {
            forge: forge.to_owned(),
            call: call.to_owned(),
            reason: "empty user name".to_owned(),
        });
    }
    Ok(())
}
