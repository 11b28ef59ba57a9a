//! What the index holds about one project (built by the indexer from the catalog).

use tantivy::TantivyDocument;

use crate::analyzer;
use crate::schema::{Fields, README_STORED_BYTES};
use crate::visibility::{VisibilityInputs, audience_key};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectDocument {
    pub id: u64,
    pub name: String,
    pub full_name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub topics: Vec<String>,
    pub readme: Option<String>,
    pub language: Option<String>,
    /// Department slug (filter key) and display name.
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub html_url: String,
    pub stars: u64,
    pub agora_stars: u64,
    /// The catalog id of the forge the repository lives on.
    pub forge_id: Option<u64>,
    /// SPDX id.
    pub license: Option<String>,
    /// The listing's maturity, one of `experimental`, `active`, `mature`, `deprecated`.
    pub maturity: Option<String>,
    pub has_contributing: bool,
    /// The sync's activity score; 0 until it has computed one.
    pub activity_score: u64,
    /// Last push to the forge, unix seconds.
    pub pushed_at: Option<i64>,
    /// "public", "internal" or "private".
    pub visibility: String,
    pub published: bool,
    pub department_id: Option<u64>,
    /// Gone from its forge: kept in the catalog, hidden from search.
    pub removed: bool,
}

impl ProjectDocument {
    pub(crate) fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, self.id);
        doc.add_text(f.name, &self.name);
        doc.add_text(f.name_prefix, &self.name);
        doc.add_text(f.name_exact, analyzer::name_key(&self.name));
        doc.add_text(f.full_name, &self.full_name);
        if let Some(title) = &self.title {
            doc.add_text(f.title, title);
            doc.add_text(f.title_prefix, title);
        }
        if let Some(description) = &self.description {
            doc.add_text(f.description, description);
            doc.add_text(f.description_stemmed, description);
        }
        for topic in &self.topics {
            doc.add_text(f.topics, topic);
        }
        // Once per project, so that a topic listed twice is counted once in its facet.
        let mut raw_topics: Vec<&str> = self.topics.iter().map(String::as_str).collect();
        raw_topics.sort_unstable();
        raw_topics.dedup();
        for topic in raw_topics {
            doc.add_text(f.topic, topic);
        }
        if let Some(readme) = &self.readme {
            doc.add_text(f.readme, readme);
            doc.add_text(f.readme_text, truncate(readme, README_STORED_BYTES));
        }
        if let Some(language) = &self.language {
            doc.add_text(f.language, language);
        }
        if let Some(department) = &self.department {
            doc.add_text(f.department, department);
        }
        if let Some(name) = &self.department_name {
            doc.add_text(f.department_name, name);
        }
        if let Some(license) = &self.license {
            doc.add_text(f.license, license);
        }
        if let Some(maturity) = &self.maturity {
            doc.add_text(f.maturity, maturity);
        }
        if let Some(forge_id) = self.forge_id {
            doc.add_u64(f.forge_id, forge_id);
        }
        doc.add_u64(f.has_contributing, u64::from(self.has_contributing));
        doc.add_u64(f.activity_score, self.activity_score);
        if let Some(pushed_at) = self.pushed_at {
            doc.add_i64(f.pushed_at, pushed_at);
        }
        doc.add_text(f.html_url, &self.html_url);
        doc.add_u64(f.stars, self.stars);
        doc.add_u64(f.agora_stars, self.agora_stars);
        doc.add_u64(
            f.audience,
            audience_key(VisibilityInputs {
                visibility: &self.visibility,
                published: self.published,
                department_id: self.department_id,
                removed: self.removed,
            }),
        );
        doc
    }
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("aé", 3), "aé");
    }
}
