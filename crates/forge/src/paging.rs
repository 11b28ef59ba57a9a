//! The listing loop the GitLab, Gitea and Bitbucket clients share. Each client knows how to fetch
//! one page of its forge and where that page says the next one is (a `Link` header, GitLab's
//! `x-next-page`, Bitbucket's `nextPageStart`); this loop walks the pages, reads the items,
//! skips and counts the unreadable ones, and decides what a failure means: a rejected token, a
//! missing permission or an unknown scope is an error (there is nothing to report), anything
//! else after the retries leaves the pages read so far in an incomplete listing.

use std::collections::HashSet;
use std::future::Future;

use reqwest::Url;

use crate::client::RepositoryListing;
use crate::error::ForgeError;
use crate::http::HttpClient;
use crate::repository::RemoteRepository;

/// One page of listing items, not yet read, and where the next page is.
pub(crate) struct Page {
    pub items: Vec<serde_json::Value>,
    pub next: Option<Url>,
}

/// Walks the pages from `first`. `read` turns an item into a repository (an `Err` skips the
/// item); `keep` drops repositories outside the incremental window.
pub(crate) async fn collect<F, Fut>(
    http: &HttpClient,
    first: Url,
    mut fetch: F,
    read: impl Fn(serde_json::Value) -> Result<RemoteRepository, serde_json::Error>,
    keep: impl Fn(&RemoteRepository) -> bool,
) -> Result<RepositoryListing, ForgeError>
where
    F: FnMut(Url) -> Fut,
    Fut: Future<Output = Result<Page, ForgeError>>,
{
    let mut listing = RepositoryListing {
        complete: true,
        ..RepositoryListing::default()
    };
    // A forge that links back to a page already read would otherwise be walked forever.
    let mut seen = HashSet::new();
    let mut next = Some(first);
    while let Some(url) = next.take() {
        if !seen.insert(url.to_string()) {
            let call = HttpClient::call_label(&reqwest::Method::GET, &url);
            let error = http.malformed(&call, "the next page is one already read".to_owned());
            tracing::warn!(error = %error, "listing cut short");
            listing.complete = false;
            listing.error = Some(error);
            break;
        }
        let page = match fetch(url).await {
            Ok(page) => page,
            Err(
                e @ (ForgeError::Unauthorized { .. }
                | ForgeError::Forbidden { .. }
                | ForgeError::NotFound { .. }),
            ) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "listing cut short");
                listing.complete = false;
                listing.error = Some(e);
                break;
            }
        };
        for item in page.items {
            match read(item) {
                Ok(repository) if keep(&repository) => listing.repositories.push(repository),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(forge = http.forge(), error = %e, "skipping an unreadable repository");
                    http.count_skipped_item();
                    listing.skipped += 1;
                }
            }
        }
        next = page.next;
    }
    Ok(listing)
}

/// Parses a page body as JSON, naming the call when it is not.
pub(crate) fn parse_json(
    http: &HttpClient,
    call: &str,
    body: &[u8],
) -> Result<serde_json::Value, ForgeError> {
    serde_json::from_slice(body).map_err(|e| http.malformed(call, format!("not JSON: {e}")))
}

/// The items of a page that must be a JSON array.
pub(crate) fn array_items(
    http: &HttpClient,
    call: &str,
    body: &[u8],
) -> Result<Vec<serde_json::Value>, ForgeError> {
    match parse_json(http, call, body)? {
        serde_json::Value::Array(items) => Ok(items),
        _ => Err(http.malformed(
            call,
            "the page is not a JSON array of repositories".to_owned(),
        )),
    }
}
