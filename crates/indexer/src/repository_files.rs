//! The files in a repository that say who owns it and how to join in: README, CONTRIBUTING,
//! CODE_OF_CONDUCT, CODEOWNERS (all standard paths), Backstage `catalog-info.yaml` and SAP
//! `innersource.json`. Fetched in one batch per repository, conditionally (ETags, or blob ids
//! where the forge answers those), and parsed leniently: a broken file is reported and ignored,
//! never a reason to lose the repository.

use std::collections::BTreeMap;

use agora_forge::{
    FileFetch, Forge, ForgeError, FoundFile, InnerSourceJson, README_PATH, WantedFileAnswer,
};
use serde::{Deserialize, Serialize};

/// Where each kind of file may live, first match wins.
const CONTRIBUTING: &[&str] = &[
    "CONTRIBUTING.md",
    ".github/CONTRIBUTING.md",
    "docs/CONTRIBUTING.md",
];
const CODE_OF_CONDUCT: &[&str] = &["CODE_OF_CONDUCT.md", ".github/CODE_OF_CONDUCT.md"];
const CODEOWNERS: &[&str] = &[
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];
const CATALOG_INFO: &str = "catalog-info.yaml";
const INNERSOURCE: &str = "innersource.json";

/// The Backstage entity fields Agora uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogInfo {
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub links: Vec<serde_json::Value>,
    pub kind: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<String>,
    pub system: Option<String>,
}

/// What the files say, plus the ETags to revalidate them next time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepositoryFiles {
    pub readme: Option<String>,
    pub has_contributing: bool,
    pub has_code_of_conduct: bool,
    /// Owners of the repository root, as CODEOWNERS writes them (`@org/team`, `@user`, emails).
    pub codeowners: Vec<String>,
    pub catalog_info: Option<CatalogInfo>,
    pub innersource: Option<serde_json::Map<String, serde_json::Value>>,
    pub etags: BTreeMap<String, String>,
    /// Files that were present but could not be read (named, with the reason).
    pub problems: Vec<String>,
}

/// The owners of `/` in a CODEOWNERS file: the last rule matching every path (`*` or `/`).
pub fn root_owners(codeowners: &str) -> Vec<String> {
    let mut owners = Vec::new();
    for line in codeowners.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let mut parts = line.split_whitespace();
        if let Some(pattern) = parts.next()
            && matches!(pattern, "*" | "/" | "/*" | "**")
        {
            owners = parts.map(str::to_owned).collect();
        }
    }
    owners
}

fn yaml_strings(value: Option<&serde_yaml_ng::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_sequence())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Parses the first entity of a catalog-info.yaml (a file may hold several documents).
pub fn parse_catalog_info(text: &str) -> Result<CatalogInfo, String> {
    let document = serde_yaml_ng::Deserializer::from_str(text)
        .next()
        .ok_or_else(|| "the file is empty".to_owned())?;
    let value = serde_yaml_ng::Value::deserialize(document).map_err(|e| e.to_string())?;
    let metadata = value.get("metadata");
    let spec = value.get("spec");
    let text_at = |parent: Option<&serde_yaml_ng::Value>, key: &str| {
        parent
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let links = metadata
        .and_then(|m| m.get("links"))
        .and_then(|l| serde_json::to_value(l).ok())
        .and_then(|l| l.as_array().cloned())
        .unwrap_or_default();
    Ok(CatalogInfo {
        name: text_at(metadata, "name"),
        title: text_at(metadata, "title"),
        description: text_at(metadata, "description"),
        tags: yaml_strings(metadata.and_then(|m| m.get("tags"))),
        links,
        kind: text_at(spec, "type"),
        lifecycle: text_at(spec, "lifecycle"),
        owner: text_at(spec, "owner"),
        system: text_at(spec, "system"),
    })
}

/// What the forge said about one wanted file.
enum Fetched {
    Content(String),
    Unchanged,
    Missing,
    Failed(ForgeError),
}

/// The answer for one wanted file, recording the etag to send next time.
fn take(
    answer: Option<WantedFileAnswer>,
    stored: &RepositoryFiles,
    files: &mut RepositoryFiles,
) -> Fetched {
    match answer {
        // `fetch_files` answers one entry per wanted file; a forge that answers fewer leaves the
        // rest unread rather than guessed.
        None => Fetched::Failed(ForgeError::Malformed {
            source_name: "forge".to_owned(),
            what: "a batched file read".to_owned(),
            reason: "fewer answers than files asked for".to_owned(),
        }),
        Some(Err(e)) => Fetched::Failed(e),
        Some(Ok(None)) => Fetched::Missing,
        Some(Ok(Some(FoundFile { path, fetch }))) => match fetch {
            FileFetch::Changed { content, etag } => {
                if let Some(etag) = etag {
                    files.etags.insert(path, etag);
                }
                Fetched::Content(content)
            }
            FileFetch::NotModified => {
                if let Some(etag) = stored.etags.get(&path) {
                    files.etags.insert(path, etag.clone());
                }
                Fetched::Unchanged
            }
            FileFetch::Missing => Fetched::Missing,
        },
    }
}

/// Reads the repository's files in one batch (`Forge::fetch_files`: a single GraphQL request on
/// GitHub, file by file elsewhere), revalidating what was stored. A forge failure on a file keeps
/// the stored value for that file (and is reported), so a flaky forge never erases what the
/// catalog knew.
pub async fn read_files(
    forge: &dyn Forge,
    full_name: &str,
    stored: &RepositoryFiles,
) -> RepositoryFiles {
    let wanted: [&[&str]; 6] = [
        &[README_PATH],
        CONTRIBUTING,
        CODE_OF_CONDUCT,
        CODEOWNERS,
        &[CATALOG_INFO],
        &[INNERSOURCE],
    ];
    let answers = match forge.fetch_files(full_name, &wanted, &stored.etags).await {
        Ok(answers) => answers,
        Err(e) => {
            // Nothing could be read: everything stays as it was.
            let mut files = stored.clone();
            files.problems = vec![problem("files", e)];
            return files;
        }
    };
    let mut answers = answers.into_iter();
    let mut files = RepositoryFiles::default();

    match take(answers.next(), stored, &mut files) {
        Fetched::Content(text) => files.readme = Some(text),
        Fetched::Unchanged => files.readme = stored.readme.clone(),
        Fetched::Missing => {}
        Fetched::Failed(e) => {
            files.readme = stored.readme.clone();
            files.problems.push(problem("README", e));
        }
    }
    match take(answers.next(), stored, &mut files) {
        Fetched::Content(_) | Fetched::Unchanged => files.has_contributing = true,
        Fetched::Missing => {}
        Fetched::Failed(e) => {
            files.has_contributing = stored.has_contributing;
            files.problems.push(problem("CONTRIBUTING", e));
        }
    }
    match take(answers.next(), stored, &mut files) {
        Fetched::Content(_) | Fetched::Unchanged => files.has_code_of_conduct = true,
        Fetched::Missing => {}
        Fetched::Failed(e) => {
            files.has_code_of_conduct = stored.has_code_of_conduct;
            files.problems.push(problem("CODE_OF_CONDUCT", e));
        }
    }
    match take(answers.next(), stored, &mut files) {
        Fetched::Content(text) => files.codeowners = root_owners(&text),
        Fetched::Unchanged => files.codeowners = stored.codeowners.clone(),
        Fetched::Missing => {}
        Fetched::Failed(e) => {
            files.codeowners = stored.codeowners.clone();
            files.problems.push(problem("CODEOWNERS", e));
        }
    }
    match take(answers.next(), stored, &mut files) {
        Fetched::Content(text) => match parse_catalog_info(&text) {
            Ok(info) => files.catalog_info = Some(info),
            Err(e) => files
                .problems
                .push(format!("{CATALOG_INFO} is not valid YAML: {e}")),
        },
        Fetched::Unchanged => files.catalog_info = stored.catalog_info.clone(),
        Fetched::Missing => {}
        Fetched::Failed(e) => {
            files.catalog_info = stored.catalog_info.clone();
            files.problems.push(problem(CATALOG_INFO, e));
        }
    }
    match take(answers.next(), stored, &mut files) {
        Fetched::Content(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(object)) => files.innersource = Some(object),
            Ok(_) => files
                .problems
                .push(format!("{INNERSOURCE} is not a JSON object")),
            Err(e) => files
                .problems
                .push(format!("{INNERSOURCE} is not valid JSON: {e}")),
        },
        Fetched::Unchanged => files.innersource = stored.innersource.clone(),
        Fetched::Missing => {}
        Fetched::Failed(e) => {
            files.innersource = stored.innersource.clone();
            files.problems.push(problem(INNERSOURCE, e));
        }
    }
    files
}

fn problem(what: &str, error: ForgeError) -> String {
    format!("{what}: {error}")
}

impl RepositoryFiles {
    pub fn innersource_json(&self) -> Option<InnerSourceJson> {
        self.innersource.as_ref().map(InnerSourceJson::from_object)
    }

    /// The parts kept in the repository's metadata column, so that a later 304 can reuse them.
    pub fn to_metadata(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut metadata = serde_json::Map::new();
        if let Some(innersource) = &self.innersource {
            metadata.insert(
                "innersource".to_owned(),
                serde_json::Value::Object(innersource.clone()),
            );
        }
        if let Some(info) = &self.catalog_info
            && let Ok(value) = serde_json::to_value(info)
        {
            metadata.insert("catalog_info".to_owned(), value);
        }
        if !self.problems.is_empty() {
            metadata.insert("file_problems".to_owned(), serde_json::json!(self.problems));
        }
        metadata
    }

    /// Rebuilds what was stored from a repository row (metadata, readme, flags, owners, etags).
    pub fn from_stored(repository: &agora_catalog::model::Repository) -> Self {
        let metadata = repository.metadata().unwrap_or_default();
        Self {
            readme: repository.readme.clone(),
            has_contributing: repository.has_contributing,
            has_code_of_conduct: repository.has_code_of_conduct,
            codeowners: repository.owners().unwrap_or_default(),
            catalog_info: metadata
                .get("catalog_info")
                .and_then(|v| serde_json::from_value(v.clone()).ok()),
            innersource: metadata
                .get("innersource")
                .and_then(|v| v.as_object().cloned()),
            etags: repository
                .sync_etag
                .as_deref()
                .and_then(|e| serde_json::from_str(e).ok())
                .unwrap_or_default(),
            problems: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_owners_are_the_last_catch_all_rule() {
        let text = "# owners\n* @acme/platform @ana\n/docs/ @acme/writers\n*   @acme/finance-team # later wins\n";
        assert_eq!(root_owners(text), ["@acme/finance-team"]);
        assert!(root_owners("/src/ @x\n").is_empty());
    }

    #[test]
    fn catalog_info_gives_owner_lifecycle_type_and_tags() {
        let yaml = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: invoices\n  title: Invoice service\n  tags: [pdf, billing]\n  links:\n    - url: https://docs.example.org\n      title: Docs\nspec:\n  type: service\n  lifecycle: production\n  owner: group:finance\n  system: billing\n---\nkind: API\n";
        let info = parse_catalog_info(yaml).unwrap();
        assert_eq!(info.owner.as_deref(), Some("group:finance"));
        assert_eq!(info.lifecycle.as_deref(), Some("production"));
        assert_eq!(info.kind.as_deref(), Some("service"));
        assert_eq!(info.tags, ["pdf", "billing"]);
        assert_eq!(info.links.len(), 1);
        assert!(parse_catalog_info("metadata: [unclosed").is_err());
    }
}
