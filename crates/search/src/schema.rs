//! The index schema, in one place. Each field says why it has the options it has; `query` says how
//! much each one weighs.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::{ENGLISH_ANALYZER, PREFIX_ANALYZER, WORDS_ANALYZER};

/// Bumped whenever a field or an analyzer changes: an index written with another version is
/// rebuilt at start.
/// 2: identifier-aware names, `name_prefix`, `name_exact`, stemmed copies of prose.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone)]
pub struct Fields {
    /// Catalog id: the key for upserts (INDEXED, to delete by it), FAST for cheap lookups.
    pub id: Field,
    /// `agora_words` (identifier parts + the whole identifier), with positions for phrase and
    /// snippet work; stored to answer without a database round trip. Never stemmed, never
    /// stop-worded: a name is a name.
    pub name: Field,
    /// `agora_prefix`, terms only (no positions: prefixes are never matched as phrases), not
    /// stored: the search-as-you-type path for the last word typed.
    pub name_prefix: Field,
    /// The whole name as one key (`techradar` for `tech-radar` or `TechRadar`; STRING, not
    /// stored): matched only when the whole query is the name, for the strongest boost.
    pub name_exact: Field,
    /// `owner/name`, `agora_words`, stored: finds a project by its owner; frequencies only,
    /// since nobody searches it as a phrase.
    pub full_name: Field,
    /// Display title: short and name-like, so `agora_words` without stemming; stored.
    pub title: Field,
    /// Unstemmed prose (`agora_words`), stored for display; weighted above its stemmed copy.
    pub description: Field,
    /// The same text, `agora_english` (stemmed), not stored: recall for inflections.
    pub description_stemmed: Field,
    /// Searched and stored; also shown as chips on results. Topics are identifiers
    /// (`machine-learning`), hence `agora_words`.
    pub topics: Field,
    /// Long text, `agora_words`, searched but not stored (the catalog has it).
    pub readme: Field,
    /// The README stemmed (`agora_english`), not stored, the weakest signal of all.
    pub readme_stemmed: Field,
    /// Exact-match filters (STRING: one untokenised term), stored for display.
    pub language: Field,
    pub department: Field,
    pub department_name: Field,
    pub html_url: Field,
    /// Sort keys, the popularity prior and display: FAST for ordering and scoring, STORED for
    /// the hit.
    pub stars: Field,
    pub agora_stars: Field,
    /// Visibility inputs (see `visibility`): INDEXED so the filter is a term query.
    pub visibility: Field,
    pub published: Field,
    pub department_id: Field,
    pub removed: Field,
}

fn text(analyzer: &str, record: IndexRecordOption, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(analyzer)
        .set_index_option(record);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

pub fn build() -> (Schema, Fields) {
    use IndexRecordOption::{WithFreqs, WithFreqsAndPositions};
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | STORED | FAST),
        name: builder.add_text_field("name", text(WORDS_ANALYZER, WithFreqsAndPositions, true)),
        name_prefix: builder.add_text_field("name_prefix", text(PREFIX_ANALYZER, WithFreqs, false)),
        name_exact: builder.add_text_field("name_exact", STRING),
        full_name: builder.add_text_field("full_name", text(WORDS_ANALYZER, WithFreqs, true)),
        title: builder.add_text_field("title", text(WORDS_ANALYZER, WithFreqsAndPositions, true)),
        description: builder.add_text_field(
            "description",
            text(WORDS_ANALYZER, WithFreqsAndPositions, true),
        ),
        description_stemmed: builder.add_text_field(
            "description_stemmed",
            text(ENGLISH_ANALYZER, WithFreqs, false),
        ),
        topics: builder.add_text_field("topics", text(WORDS_ANALYZER, WithFreqs, true)),
        readme: builder
            .add_text_field("readme", text(WORDS_ANALYZER, WithFreqsAndPositions, false)),
        readme_stemmed: builder
            .add_text_field("readme_stemmed", text(ENGLISH_ANALYZER, WithFreqs, false)),
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
            name_prefix: f("name_prefix")?,
            name_exact: f("name_exact")?,
            full_name: f("full_name")?,
            title: f("title")?,
            description: f("description")?,
            description_stemmed: f("description_stemmed")?,
            topics: f("topics")?,
            readme: f("readme")?,
            readme_stemmed: f("readme_stemmed")?,
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
