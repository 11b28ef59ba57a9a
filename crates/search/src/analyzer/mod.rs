//! Text analysis: three analyzers, registered on every index under the names the schema uses, and
//! the same steps applied to what people type so that query terms are built exactly as the index
//! built its terms. None removes stop words: `the-one-ledger` must stay findable by its words.
//!
//! - `agora_words`: identifiers split into parts and kept whole (see `identifier`), lower-cased,
//!   folded to ASCII. Names, title, topics and the unstemmed copies of description and README.
//! - `agora_prefix`: `agora_words`, then the edge n-grams of each term, for search-as-you-type on
//!   names.
//! - `agora_english`: `agora_words`, then the English Snowball stemmer, so `invoices` finds
//!   `invoice` in prose. Only on extra copies of description and README, weighted below the
//!   unstemmed copies, never on names (a stem is not a name).

mod edge_ngram;
mod identifier;

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer, TextAnalyzer,
};

pub use edge_ngram::EdgeNgramFilter;
pub use identifier::IdentifierTokenizer;

pub const WORDS_ANALYZER: &str = "agora_words";
pub const PREFIX_ANALYZER: &str = "agora_prefix";
pub const ENGLISH_ANALYZER: &str = "agora_english";

/// Longer tokens are base64 blobs or hashes in READMEs, not words anyone types.
const MAX_TOKEN_BYTES: usize = 64;
/// Prefixes from one character (the first keystroke already narrows the list) up to this many;
/// longer names are found by their whole words.
pub const PREFIX_MAX_CHARS: usize = 20;

pub fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(IdentifierTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn prefix_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(IdentifierTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(EdgeNgramFilter::new(1, PREFIX_MAX_CHARS))
        .build()
}

pub fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(IdentifierTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn register(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(WORDS_ANALYZER, words_analyzer());
    tokenizers.register(PREFIX_ANALYZER, prefix_analyzer());
    tokenizers.register(ENGLISH_ANALYZER, english_analyzer());
}

/// One identifier of a query (`pdf-invoice`, `PdfInvoice` or a plain word), as index terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// Its parts, lower-cased and folded, as `agora_words` indexes them.
    pub parts: Vec<String>,
}

impl QueryWord {
    /// The parts joined, as `agora_words` indexes a whole identifier.
    pub fn joined(&self) -> String {
        self.parts.concat()
    }
}

/// The identifiers of what someone typed, in order, with the terms the index would hold for
/// them. Punctuation and quotes alone give none.
pub fn query_words(text: &str) -> Vec<QueryWord> {
    identifier::identifiers(text)
        .into_iter()
        .map(|parts| QueryWord {
            parts: parts
                .into_iter()
                .map(|(from, to)| normalize(&text[from..to]))
                .filter(|part| !part.is_empty() && part.len() < MAX_TOKEN_BYTES)
                .collect(),
        })
        .filter(|word| !word.parts.is_empty())
        .collect()
}

/// One part as the index holds it: lower-cased and folded to ASCII.
fn normalize(part: &str) -> String {
    single_token(
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
        part,
    )
}

/// One normalized part as `agora_english` indexes it.
pub fn stem(part: &str) -> String {
    single_token(
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .build(),
        part,
    )
}

fn single_token(mut analyzer: TextAnalyzer, text: &str) -> String {
    let mut stream = analyzer.token_stream(text);
    let mut out = String::new();
    while stream.advance() {
        out.push_str(&stream.token().text);
    }
    out
}

/// The key of a whole name, `name_exact`'s only term: every part, joined, so that `tech-radar`,
/// `TechRadar`, `tech_radar` and the query `tech radar` all have the key `techradar`.
pub fn name_key(text: &str) -> String {
    query_words(text).iter().map(QueryWord::joined).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn punctuation_only_gives_no_words_and_accents_fold() {
        assert!(query_words("\"\"' (( ** --").is_empty());
        assert_eq!(
            analyze(words_analyzer(), "Zürich Café-Bar"),
            ["zurich", "cafebar", "cafe", "bar"]
        );
    }

    #[test]
    fn names_split_on_case_and_joiners_and_keep_the_whole() {
        assert_eq!(
            analyze(words_analyzer(), "PdfInvoiceKit"),
            ["pdfinvoicekit", "pdf", "invoice", "kit"]
        );
        assert_eq!(
            analyze(words_analyzer(), "vaxRecordsApi"),
            ["vaxrecordsapi", "vax", "records", "api"]
        );
        assert_eq!(name_key("Tech Radar"), "techradar");
        assert_eq!(name_key("tech_radar"), name_key("TechRadar"));
    }

    #[test]
    fn query_words_keep_identifiers_together() {
        let words = query_words("PdfInvoice kit");
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].parts, ["pdf", "invoice"]);
        assert_eq!(words[0].joined(), "pdfinvoice");
        assert_eq!(words[1].parts, ["kit"]);
    }

    #[test]
    fn stemming_never_merges_tech_with_team_or_stars_with_stores() {
        assert_ne!(stem("tech"), stem("team"));
        assert_ne!(stem("stars"), stem("stores"));
        assert_eq!(stem("invoices"), stem("invoice"));
        assert!(analyze(english_analyzer(), "The teams").contains(&"the".to_owned()));
    }
}
