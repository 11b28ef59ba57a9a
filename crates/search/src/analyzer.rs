//! Text analysis. One analyzer for now: words split on anything that is not a letter or digit,
//! lower-cased and folded to ASCII, with no stemming and no stop words (stemming makes "tech" match
//! "team" in other portals, and stop words inside a name must still find it).

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

pub const TEXT_ANALYZER: &str = "agora_text";

pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn register(index: &Index) {
    index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
}

/// The terms the index would make of `text`, for building queries by hand.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = text_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        let term = stream.token().text.clone();
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    #[test]
    fn punctuation_only_gives_no_terms_and_accents_fold() {
        assert!(super::terms("\"\"' (( ** --").is_empty());
        assert_eq!(super::terms("Zürich Café-Bar"), ["zurich", "cafe", "bar"]);
    }
}
