//! What the index holds about one project (built by the indexer from the catalog).

use tantivy::TantivyDocument;

use crate::analyzer;
use crate::schema::Fields;

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
        }
        if let Some(description) = &self.description {
            doc.add_text(f.description, description);
            doc.add_text(f.description_stemmed, description);
        }
        for topic in &self.topics {
            doc.add_text(f.topics, topic);
        }
        if let Some(readme) = &self.readme {
            doc.add_text(f.readme, readme);
            doc.add_text(f.readme_stemmed, readme);
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
        doc.add_text(f.html_url, &self.html_url);
        doc.add_u64(f.stars, self.stars);
        doc.add_u64(f.agora_stars, self.agora_stars);
        doc.add_text(f.visibility, &self.visibility);
        doc.add_u64(f.published, u64::from(self.published));
        // 0 is never a catalog id: it stands for "no department".
        doc.add_u64(f.department_id, self.department_id.unwrap_or(0));
        doc.add_u64(f.removed, u64::from(self.removed));
        doc
    }
}
