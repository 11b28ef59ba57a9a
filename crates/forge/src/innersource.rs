//! `innersource.json`, the SAP Project Portal's per-repository pitch.

use serde::{Deserialize, Serialize};

/// The keys of `innersource.json`. Unknown keys are ignored here (the raw object is kept beside).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InnerSourceJson {
    pub title: Option<String>,
    pub motivation: Option<String>,
    #[serde(deserialize_with = "string_list")]
    pub contributions: Vec<String>,
    #[serde(deserialize_with = "string_list")]
    pub skills: Vec<String>,
    pub logo: Option<String>,
    pub docs: Option<String>,
    pub language: Option<String>,
}

impl InnerSourceJson {
    /// Reads the known keys from a JSON object, tolerating wrong types key by key: a portal file
    /// with `"skills": "Rust"` still gives its title and motivation.
    pub fn from_object(object: &serde_json::Map<String, serde_json::Value>) -> Self {
        let text = |key: &str| {
            object
                .get(key)
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let list = |key: &str| match object.get(key) {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            Some(serde_json::Value::String(one)) if !one.trim().is_empty() => {
                vec![one.trim().to_owned()]
            }
            _ => Vec::new(),
        };
        Self {
            title: text("title"),
            motivation: text("motivation"),
            contributions: list("contributions"),
            skills: list("skills"),
            logo: text("logo"),
            docs: text("docs"),
            language: text("language"),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn string_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        serde_json::Value::String(one) => vec![one],
        _ => Vec::new(),
    })
}
