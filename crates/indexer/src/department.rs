//! Which department owns a repository, from the strongest signal to the weakest: the owner in
//! catalog-info.yaml (or a `department` in innersource.json), then the CODEOWNERS root teams,
//! then the forge's org/group — each looked up in the forge's department map — and at last the
//! forge owner itself.

use std::collections::BTreeMap;

use agora_catalog::departments::slugify;
use agora_forge::RemoteRepository;

use crate::repository_files::RepositoryFiles;

/// `group:default/finance` → `finance`; `@acme/finance-team` → `acme/finance-team`.
fn owner_key(raw: &str) -> String {
    let raw = raw.trim().trim_start_matches('@');
    let raw = raw.split_once(':').map_or(raw, |(_, rest)| rest);
    raw.strip_prefix("default/").unwrap_or(raw).to_owned()
}

fn lookup(map: &BTreeMap<String, String>, key: &str) -> Option<String> {
    let key = owner_key(key);
    let last = key.rsplit('/').next().unwrap_or(&key).to_owned();
    map.get(&key)
        .or_else(|| map.get(&last))
        .or_else(|| map.get(&format!("@{key}")))
        .cloned()
}

/// The department slug for a repository.
pub fn department_for(
    remote: &RemoteRepository,
    files: &RepositoryFiles,
    map: &BTreeMap<String, String>,
) -> String {
    let declared = files
        .catalog_info
        .as_ref()
        .and_then(|info| info.owner.clone())
        .or_else(|| {
            files
                .innersource
                .as_ref()
                .and_then(|i| i.get("department"))
                .and_then(|d| d.as_str())
                .map(str::to_owned)
        })
        .or_else(|| remote.department_hint.clone());
    if let Some(owner) = declared.filter(|o| !o.trim().is_empty()) {
        // A declared owner is the strongest signal even when the map does not name it.
        return slugify(&lookup(map, &owner).unwrap_or_else(|| owner_key(&owner)));
    }
    if let Some(department) = files.codeowners.iter().find_map(|team| lookup(map, team)) {
        return slugify(&department);
    }
    slugify(&lookup(map, &remote.owner).unwrap_or_else(|| remote.owner.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repository_files::CatalogInfo;

    fn map() -> BTreeMap<String, String> {
        [
            ("finance-team", "finance"),
            ("acme", "platform"),
            ("billing-guild", "finance"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn remote() -> RemoteRepository {
        RemoteRepository {
            owner: "acme".into(),
            ..RemoteRepository::default()
        }
    }

    #[test]
    fn catalog_info_owner_wins_then_codeowners_then_the_forge_org() {
        let mut files = RepositoryFiles {
            catalog_info: Some(CatalogInfo {
                owner: Some("group:default/billing-guild".into()),
                ..Default::default()
            }),
            codeowners: vec!["@acme/finance-team".into()],
            ..Default::default()
        };
        assert_eq!(department_for(&remote(), &files, &map()), "finance");
        files.catalog_info = Some(CatalogInfo {
            owner: Some("group:people-ops".into()),
            ..Default::default()
        });
        assert_eq!(
            department_for(&remote(), &files, &map()),
            "people-ops",
            "an unmapped declared owner is used as is"
        );
        files.catalog_info = None;
        assert_eq!(
            department_for(&remote(), &files, &map()),
            "finance",
            "CODEOWNERS team mapping"
        );
        files.codeowners = vec!["@someone".into()];
        assert_eq!(
            department_for(&remote(), &files, &map()),
            "platform",
            "the org mapping"
        );
        assert_eq!(
            department_for(&remote(), &files, &BTreeMap::new()),
            "acme",
            "the forge owner at last"
        );
    }
}
