//! The index schema, in one place. Each field says why it has the options it has.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::TEXT_ANALYZER;

/// Bumped whenever a field changes: an index written with another version is rebuilt at start.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone)]
pub struct Fields {
    /// Catalog id: the key for upserts (INDEXED, to delete by it), FAST for cheap lookups.
    pub id: Field,
    /// Searched with the highest boost; stored to answer without a database round trip.
    pub name: Field,
    pub full_name: Field,
    pub title: Field,
    pub description: Field,
    /// Searched and stored; also shown as chips on results.
    pub topics: Field,
    /// Long text, searched but not stored (the catalog has it).
    pub readme: Field,
    /// Exact-match filters (STRING: one untokenised term), stored for display.
    pub language: Field,
    pub department: Field,
    pub department_name: Field,
    pub html_url: Field,
    /// Sort keys and display: FAST for ordering, STORED for the hit.
    pub stars: Field,
    pub agora_stars: Field,
    /// Visibility inputs (see `visibility`): INDEXED so the filter is a term query.
    pub visibility: Field,
    pub published: Field,
    pub department_id: Field,
    pub removed: Field,
}

pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let searchable = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | STORED | FAST),
        name: builder.add_text_field("name", searchable(true)),
        full_name: builder.add_text_field("full_name", searchable(true)),
        title: builder.add_text_field("title", searchable(true)),
        description: builder.add_text_field("description", searchable(true)),
        topics: builder.add_text_field("topics", searchable(true)),
        readme: builder.add_text_field("readme", searchable(false)),
        language: builder.add_text_field("language", STRING | STORED),
        department: builder.add_text_field("department", STRING | STORED),
        department_name: builder.add_text_field("department_name", STORED),
        html_url: builder.add_text_field("html_url", STORED),
        stars: builder.add_u64_field("stars", FAST | STORED),
        agora_stars: builder.add_u64_field("agora_stars", FAST | STORED),
        visibility: builder.add_text_field("visibility", STRING),
        published: builder.add_u64_field("published", INDEXED),
        department_id: builder.add_u64_field("department_id", INDEXED),
        removed: builder.add_u64_field("removed", INDEXED),
    };
    (builder.build(), fields)
}

impl Fields {
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Self> {
        let f = |name: &str| schema.get_field(name);
        Ok(Self {
            id: f("id")?,
            name: f("name")?,
            full_name: f("full_name")?,
            title: f("title")?,
            description: f("description")?,
            topics: f("topics")?,
            readme: f("readme")?,
            language: f("language")?,
            department: f("department")?,
            department_name: f("department_name")?,
            html_url: f("html_url")?,
            stars: f("stars")?,
            agora_stars: f("agora_stars")?,
            visibility: f("visibility")?,
            published: f("published")?,
            department_id: f("department_id")?,
            removed: f("removed")?,
        })
    }
}
