//! GitHub's GraphQL API as the GitHub client uses it: reading every file a sync wants from one
//! repository in a single request. The REST API needs one request per candidate path (and most
//! of them are 404s); one GraphQL query asks for every candidate at once, each as an aliased
//! `object(expression: "HEAD:path")` on the default branch, and GitHub answers the blobs that
//! exist and `null` for the others. Owner, name and paths travel as variables, never spliced
//! into the query text. This module only builds the query and reads the answer; sending it,
//! rate limits and the fall back to REST are the client's (`github`).

use std::collections::BTreeMap;

use reqwest::Url;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::client::README_PATH;

/// Where GitHub looks for the README, in the order it prefers them: the `.github` directory,
/// the root, then `docs`. The REST `/readme` endpoint also matches other spellings (any case,
/// any extension); these are the common ones.
const README_DIRECTORIES: [&str; 3] = [".github/", "", "docs/"];
const README_NAMES: [&str; 8] = [
    "README.md",
    "README",
    "README.markdown",
    "README.rst",
    "README.txt",
    "README.adoc",
    "readme.md",
    "Readme.md",
];

/// The GraphQL endpoint of a REST base URL: `https://api.github.com/graphql` for github.com,
/// `https://HOST/api/graphql` for GitHub Enterprise Server (REST at `https://HOST/api/v3`).
pub(crate) fn endpoint(rest_base: &Url) -> Url {
    let mut url = rest_base.clone();
    let path = rest_base.path().trim_end_matches('/');
    let graphql = match path.strip_suffix("/api/v3") {
        Some(prefix) => format!("{prefix}/api/graphql"),
        None => format!("{path}/graphql"),
    };
    url.set_path(&graphql);
    url.set_query(None);
    url
}

/// The candidate paths of one wanted file, `README_PATH` spelled out.
fn expand(candidates: &[&str]) -> Vec<String> {
    candidates
        .iter()
        .flat_map(|path| {
            if *path == README_PATH {
                README_DIRECTORIES
                    .iter()
                    .flat_map(|dir| README_NAMES.iter().map(move |name| format!("{dir}{name}")))
                    .collect()
            } else {
                vec![(*path).to_owned()]
            }
        })
        .collect()
}

/// A query for the candidate files of one repository, and which alias answers which path.
pub(crate) struct FileQuery {
    /// The request body: `{"query": …, "variables": …}`.
    pub body: Value,
    /// Per wanted file, its candidates in order: (alias, path).
    pub files: Vec<Vec<(String, String)>>,
}

pub(crate) fn file_query(owner: &str, name: &str, wanted: &[&[&str]]) -> FileQuery {
    let mut variables = Map::new();
    variables.insert("owner".to_owned(), json!(owner));
    variables.insert("name".to_owned(), json!(name));
    let mut declarations = String::from("$owner: String!, $name: String!");
    let mut selections = String::new();
    let mut files = Vec::with_capacity(wanted.len());
    let mut n = 0;
    for candidates in wanted {
        let mut aliases = Vec::new();
        for path in expand(candidates) {
            let (alias, variable) = (format!("f{n}"), format!("p{n}"));
            declarations.push_str(&format!(", ${variable}: String!"));
            selections.push_str(&format!(
                "    {alias}: object(expression: ${variable}) {{ ...file }}\n"
            ));
            variables.insert(variable, json!(format!("HEAD:{path}")));
            aliases.push((alias, path));
            n += 1;
        }
        files.push(aliases);
    }
    let query = format!(
        "query RepositoryFiles({declarations}) {{\n  repository(owner: $owner, name: $name) {{\n{selections}  }}\n}}\nfragment file on Blob {{ oid byteSize isBinary isTruncated text }}\n"
    );
    FileQuery {
        body: json!({ "query": query, "variables": variables }),
        files,
    }
}

/// A blob as the query asks for it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Blob {
    pub oid: String,
    #[serde(default)]
    pub byte_size: u64,
    #[serde(default)]
    pub is_binary: bool,
    #[serde(default)]
    pub is_truncated: bool,
    /// `null` for a binary blob (and, in practice, for one too large to inline).
    #[serde(default)]
    pub text: Option<String>,
}

/// One entry of a GraphQL `errors` array.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GraphqlError {
    /// `NOT_FOUND`, `FORBIDDEN`, `RATE_LIMITED`, … (absent on syntax errors).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub message: String,
    /// Where in the answer the error belongs: `["repository"]`, `["repository", "f3"]`.
    #[serde(default)]
    pub path: Vec<Value>,
}

impl GraphqlError {
    fn path_is(&self, expected: &[&str]) -> bool {
        self.path.len() == expected.len()
            && self
                .path
                .iter()
                .zip(expected)
                .all(|(a, b)| a.as_str() == Some(*b))
    }

    fn alias(&self) -> Option<&str> {
        match self.path.as_slice() {
            [repository, alias, ..] if repository.as_str() == Some("repository") => alias.as_str(),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match &self.kind {
            Some(kind) => format!("{kind}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

#[derive(Debug, Deserialize)]
struct Data {
    #[serde(default)]
    repository: Option<Map<String, Value>>,
}

/// What one candidate path turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    Blob(Blob),
    /// No such path (or a directory, which the `Blob` fragment answers as `{}`).
    Missing,
    /// GitHub answered an error for this path alone.
    Failed(String),
}

/// What a whole answer says.
#[derive(Debug)]
pub(crate) enum Answer {
    /// Per wanted file, per candidate (in the order of `FileQuery::files`).
    Files(Vec<Vec<(String, Lookup)>>),
    /// The repository does not exist, or the token cannot see it.
    RepositoryNotFound,
    /// The GraphQL budget is spent (GitHub answers 200 with a `RATE_LIMITED` error).
    RateLimited(String),
    /// Errors that concern the whole query.
    Failed(Vec<GraphqlError>),
}

/// Reads a 200 answer. `Err` is a body that is not a GraphQL answer at all.
pub(crate) fn read_answer(query: &FileQuery, body: &[u8]) -> Result<Answer, String> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("not a GraphQL answer: {e}"))?;
    if let Some(limited) = envelope
        .errors
        .iter()
        .find(|e| e.kind.as_deref() == Some("RATE_LIMITED"))
    {
        return Ok(Answer::RateLimited(limited.message.clone()));
    }
    if envelope
        .errors
        .iter()
        .any(|e| e.kind.as_deref() == Some("NOT_FOUND") && e.path_is(&["repository"]))
    {
        return Ok(Answer::RepositoryNotFound);
    }
    let (per_alias, whole): (Vec<GraphqlError>, Vec<GraphqlError>) = envelope
        .errors
        .into_iter()
        .partition(|e| e.alias().is_some());
    if !whole.is_empty() {
        return Ok(Answer::Failed(whole));
    }
    let repository = envelope
        .data
        .and_then(|d| d.repository)
        .ok_or_else(|| "no `data.repository` and no error saying why".to_owned())?;
    let alias_errors: BTreeMap<&str, String> = per_alias
        .iter()
        .filter_map(|e| Some((e.alias()?, e.describe())))
        .collect();
    let files = query
        .files
        .iter()
        .map(|candidates| {
            candidates
                .iter()
                .map(|(alias, path)| {
                    let lookup = if let Some(error) = alias_errors.get(alias.as_str()) {
                        Lookup::Failed(error.clone())
                    } else {
                        match repository.get(alias) {
                            None | Some(Value::Null) => Lookup::Missing,
                            Some(Value::Object(object)) if object.is_empty() => Lookup::Missing,
                            Some(value) => match Blob::deserialize(value) {
                                Ok(blob) => Lookup::Blob(blob),
                                Err(e) => Lookup::Failed(format!("unreadable blob: {e}")),
                            },
                        }
                    };
                    (path.clone(), lookup)
                })
                .collect()
        })
        .collect();
    Ok(Answer::Files(files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_of_github_com_and_of_enterprise_server() {
        let url = |s: &str| Url::parse(s).unwrap_or_else(|_| unreachable!());
        assert_eq!(
            endpoint(&url("https://api.github.com")).as_str(),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            endpoint(&url("https://ghe.example.org/api/v3/")).as_str(),
            "https://ghe.example.org/api/graphql"
        );
        assert_eq!(
            endpoint(&url("http://127.0.0.1:8080")).as_str(),
            "http://127.0.0.1:8080/graphql"
        );
    }

    #[test]
    fn query_passes_every_path_as_a_variable_and_expands_the_readme() {
        let query = file_query(
            "acme",
            "x\") { evil }",
            &[&[README_PATH], &["a.md", "b.md"]],
        );
        let text = query.body["query"].as_str().unwrap_or_default();
        assert!(!text.contains("evil"), "names never reach the query text");
        assert_eq!(query.body["variables"]["name"], "x\") { evil }");
        assert_eq!(query.files[0].len(), 24);
        assert_eq!(query.files[0][0].1, ".github/README.md");
        assert_eq!(
            query.files[1],
            [("f24".into(), "a.md".into()), ("f25".into(), "b.md".into())]
        );
        assert_eq!(query.body["variables"]["p25"], "HEAD:b.md");
        assert!(text.contains("f25: object(expression: $p25) { ...file }"));
    }
}
