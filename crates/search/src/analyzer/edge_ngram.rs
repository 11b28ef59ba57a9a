//! Edge n-grams: every token becomes its leading prefixes (`abacus` → `a`, `ab`, … `abacus`), so a
//! word still being typed is an ordinary term lookup, scored by BM25 like any other, instead of
//! an automaton walk over the term dictionary at every keystroke.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

#[derive(Clone)]
pub struct EdgeNgramFilter {
    /// Shortest and longest prefix, in characters.
    min: usize,
    max: usize,
}

impl EdgeNgramFilter {
    pub fn new(min: usize, max: usize) -> Self {
        Self {
            min: min.max(1),
            max: max.max(min),
        }
    }
}

impl TokenFilter for EdgeNgramFilter {
    type Tokenizer<T: Tokenizer> = EdgeNgramWrapper<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> EdgeNgramWrapper<T> {
        EdgeNgramWrapper {
            filter: self,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct EdgeNgramWrapper<T> {
    filter: EdgeNgramFilter,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for EdgeNgramWrapper<T> {
    type TokenStream<'a> = EdgeNgramStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EdgeNgramStream {
            filter: self.filter.clone(),
            tail: self.inner.token_stream(text),
            source: String::new(),
            ends: Vec::new(),
            next: 0,
            current: Token::default(),
        }
    }
}

pub struct EdgeNgramStream<T> {
    filter: EdgeNgramFilter,
    tail: T,
    /// The token being cut into prefixes, and the byte ends of the prefixes still to emit.
    source: String,
    ends: Vec<usize>,
    next: usize,
    current: Token,
}

impl<T: TokenStream> TokenStream for EdgeNgramStream<T> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some(&end) = self.ends.get(self.next) {
                self.next += 1;
                self.current.text.clear();
                self.current.text.push_str(&self.source[..end]);
                return true;
            }
            if !self.tail.advance() {
                return false;
            }
            let token = self.tail.token();
            self.current.clone_from(token);
            self.source.clone_from(&token.text);
            self.ends = self
                .source
                .char_indices()
                .map(|(offset, c)| offset + c.len_utf8())
                .skip(self.filter.min - 1)
                .take(self.filter.max + 1 - self.filter.min)
                .collect();
            self.next = 0;
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};

    use super::*;

    fn prefixes(min: usize, max: usize, text: &str) -> Vec<String> {
        let mut analyzer = TextAnalyzer::builder(WhitespaceTokenizer::default())
            .filter(EdgeNgramFilter::new(min, max))
            .build();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn every_token_becomes_its_leading_prefixes_within_bounds() {
        assert_eq!(prefixes(1, 3, "abcd é"), ["a", "ab", "abc", "é"]);
        assert_eq!(prefixes(2, 20, "abc x"), ["ab", "abc"]);
    }
}
