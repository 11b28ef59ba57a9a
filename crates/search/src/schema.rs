//! The index schema, in one place. Each field says why it has the options it has; `query` says how
//! much each one weighs.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::{ENGLISH_ANALYZER, PREFIX_ANALYZER, WORDS_ANALYZER};

/// Bumped whenever a field or an analyzer changes: an index written with another version is
/// rebuilt at start.
/// 2: identifier-aware names, `name_prefix`, `name_exact`, stemmed copies of prose.
/// 3: filters and facets (FAST filter keys, raw `topic`, license, maturity, forge, contributing
///    guide), `activity_score` and `pushed_at` sort keys, `title_prefix` for suggestions, and the
///    stored `readme_text` for snippets.
/// 4: visibility as one FAST `audience` key read by the collectors (no filter query to build and
///    intersect per request); no stemmed README copy; no positions (nothing matches phrases).
/// 5: doc store blocks of `DOCSTORE_BLOCK_BYTES` (was tantivy's 16 KiB).
pub const SCHEMA_VERSION: u32 = 5;

/// Stored documents are compressed in blocks of about this size, and reading one hit
/// decompresses its whole block. A stored project is a few KiB (mostly its README's first
/// part), so 16 KiB blocks made each of a page's twenty hits decompress three or four other
/// projects too; at 4 KiB a hit's block is mostly itself, for a slightly larger store.
pub const DOCSTORE_BLOCK_BYTES: usize = 4 * 1024;

/// The settings every index is created with.
pub fn index_settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..tantivy::IndexSettings::default()
    }
}

/// The README is stored (for snippets) only up to this many bytes: READMEs run from a few lines
/// to hundreds of kilobytes of generated tables, and the doc store is read whole for every hit.
/// 32 KiB covers the prose of nearly every README; a match beyond it is still found (the whole
/// README is indexed) but gets no README snippet. Worst case 10 000 projects × 32 KiB = 320 MB
/// before the doc store's compression; typical READMEs are a few KiB, so tens of MB, roughly
/// halved by compression — the same order as the inverted index of the README itself.
pub const README_STORED_BYTES: usize = 32 * 1024;

#[derive(Debug, Clone)]
pub struct Fields {
    /// Catalog id: the key for upserts (INDEXED, to delete by it), FAST for cheap lookups.
    pub id: Field,
    /// `agora_words` (identifier parts + the whole identifier), frequencies for BM25 (no
    /// positions: no query matches phrases, and snippets re-tokenise the stored text); stored to
    /// answer without a database round trip. Never stemmed, never stop-worded: a name is a name.
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
    /// `agora_prefix` of the title, terms only, not stored: suggestions as the title is typed
    /// (never used by `search`, where a title word weighs below a name prefix).
    pub title_prefix: Field,
    /// Unstemmed prose (`agora_words`), stored for display; weighted above its stemmed copy.
    pub description: Field,
    /// The same text, `agora_english` (stemmed), not stored: recall for inflections.
    pub description_stemmed: Field,
    /// Searched and stored; also shown as chips on results. Topics are identifiers
    /// (`machine-learning`), hence `agora_words`.
    pub topics: Field,
    /// Each topic as it is written, one untokenised term (STRING), FAST for facet counts: the
    /// exact filter beside the analysed `topics` (`machine-learning` must not also match
    /// `machine`).
    pub topic: Field,
    /// Long text, `agora_words`, searched, frequencies only (positions would double the
    /// postings of the biggest field for no query that uses them). Not stored: `readme_text`
    /// holds the stored (capped) copy. No stemmed copy either: READMEs are most of the text
    /// indexed, a stemmed second copy doubled the indexing time and every word's query cost,
    /// and the weakest signal of all (a README word's inflection) did not earn that.
    pub readme: Field,
    /// The first `README_STORED_BYTES` of the README, stored only (never indexed): the text
    /// snippets are cut from, highlighted with the terms matched in `readme`.
    pub readme_text: Field,
    /// Exact-match filters (STRING: one untokenised term), stored for display, FAST for facet
    /// counts (a FAST text field keeps the raw value in a columnar dictionary).
    pub language: Field,
    pub department: Field,
    /// SPDX id as the forge reports it.
    pub license: Field,
    /// The listing's maturity (`experimental`, `active`, `mature`, `deprecated`).
    pub maturity: Field,
    /// Filters without facets: INDEXED for the term filter, stored for display. The forge by its
    /// catalog id (the API names forges); `has_contributing` as 0/1.
    pub forge_id: Field,
    pub has_contributing: Field,
    /// Display only: stored, never searched.
    pub department_name: Field,
    pub html_url: Field,
    /// Sort keys, the popularity prior and display: FAST for ordering and scoring, STORED for
    /// the hit.
    pub stars: Field,
    pub agora_stars: Field,
    /// The sync's activity score (0 until it has one): the `activity` sort and a small part of the
    /// popularity prior. FAST and STORED like the stars.
    pub activity_score: Field,
    /// Last push, unix seconds: the `recent` sort (FAST; projects without one sort last).
    pub pushed_at: Field,
    /// Who may see the project (see `visibility::audience_key`): 0 for every member, a
    /// department id for an unpublished private project of that department, a reserved value
    /// for one that only admins see, another for a removed one. FAST, because the collectors
    /// read it beside each match instead of intersecting a filter query built per request.
    pub audience: Field,
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
    use IndexRecordOption::WithFreqs;
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | STORED | FAST),
        name: builder.add_text_field("name", text(WORDS_ANALYZER, WithFreqs, true)),
        name_prefix: builder.add_text_field("name_prefix", text(PREFIX_ANALYZER, WithFreqs, false)),
        name_exact: builder.add_text_field("name_exact", STRING),
        full_name: builder.add_text_field("full_name", text(WORDS_ANALYZER, WithFreqs, true)),
        title: builder.add_text_field("title", text(WORDS_ANALYZER, WithFreqs, true)),
        title_prefix: builder
            .add_text_field("title_prefix", text(PREFIX_ANALYZER, WithFreqs, false)),
        description: builder.add_text_field("description", text(WORDS_ANALYZER, WithFreqs, true)),
        description_stemmed: builder.add_text_field(
            "description_stemmed",
            text(ENGLISH_ANALYZER, WithFreqs, false),
        ),
        topics: builder.add_text_field("topics", text(WORDS_ANALYZER, WithFreqs, true)),
        topic: builder.add_text_field("topic", STRING | FAST),
        readme: builder.add_text_field("readme", text(WORDS_ANALYZER, WithFreqs, false)),
        readme_text: builder.add_text_field("readme_text", STORED),
        language: builder.add_text_field("language", STRING | STORED | FAST),
        department: builder.add_text_field("department", STRING | STORED | FAST),
        license: builder.add_text_field("license", STRING | STORED | FAST),
        maturity: builder.add_text_field("maturity", STRING | STORED | FAST),
        forge_id: builder.add_u64_field("forge_id", INDEXED | STORED),
        has_contributing: builder.add_u64_field("has_contributing", INDEXED | STORED),
        department_name: builder.add_text_field("department_name", STORED),
        html_url: builder.add_text_field("html_url", STORED),
        stars: builder.add_u64_field("stars", FAST | STORED),
        agora_stars: builder.add_u64_field("agora_stars", FAST | STORED),
        activity_score: builder.add_u64_field("activity_score", FAST | STORED),
        pushed_at: builder.add_i64_field("pushed_at", FAST | STORED),
        audience: builder.add_u64_field("audience", FAST),
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
            title_prefix: f("title_prefix")?,
            description: f("description")?,
            description_stemmed: f("description_stemmed")?,
            topics: f("topics")?,
            topic: f("topic")?,
            readme: f("readme")?,
            readme_text: f("readme_text")?,
            language: f("language")?,
            department: f("department")?,
            license: f("license")?,
            maturity: f("maturity")?,
            forge_id: f("forge_id")?,
            has_contributing: f("has_contributing")?,
            department_name: f("department_name")?,
            html_url: f("html_url")?,
            stars: f("stars")?,
            agora_stars: f("agora_stars")?,
            activity_score: f("activity_score")?,
            pushed_at: f("pushed_at")?,
            audience: f("audience")?,
        })
    }
}
