//! The identifier-aware tokenizer. Repository names are written `pdf-invoice`, `pdf_invoice`,
//! `PdfInvoice` or `vaxRecordsApi`, and people type them any of those ways or as plain words, so
//! each identifier is cut into its parts (on `-`, `_`, `.` and case changes) and also kept whole,
//! parts joined (`pdfinvoice`): a query in any of those spellings then meets the same terms. Any
//! other character that is not a letter or digit (spaces, `/`, quotes, commas) ends an identifier.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Characters that join the parts of one identifier rather than separate two words.
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

/// The identifiers in `text`, each as the byte ranges of its parts, in order.
pub(crate) fn identifiers(text: &str) -> Vec<Vec<(usize, usize)>> {
    let mut scanner = Scanner { text, offset: 0 };
    let mut identifiers = Vec::new();
    let mut parts = Vec::new();
    while scanner.next_identifier(&mut parts) {
        identifiers.push(parts.clone());
    }
    identifiers
}

/// Reads `text` one identifier at a time, without allocating: indexing tokenises every README
/// and snippets re-tokenise the stored ones on every search, so this loop is hot.
struct Scanner<'a> {
    text: &'a str,
    /// Byte offset of the first character not read yet.
    offset: usize,
}

impl Scanner<'_> {
    /// Replaces `parts` with the byte ranges of the next identifier's parts; false at the end.
    fn next_identifier(&mut self, parts: &mut Vec<(usize, usize)>) -> bool {
        parts.clear();
        // The part being read: its start and the last character seen in it.
        let mut part: Option<(usize, char)> = None;
        let rest = self.text.get(self.offset..).unwrap_or_default();
        let mut chars = rest.char_indices().peekable();
        while let Some((relative, c)) = chars.next() {
            let offset = self.offset + relative;
            if c.is_alphanumeric() {
                let next = chars.peek().map(|&(_, n)| n);
                match part {
                    Some((start, previous)) if case_boundary(previous, c, next) => {
                        parts.push((start, offset));
                        part = Some((offset, c));
                    }
                    Some((start, _)) => part = Some((start, c)),
                    None => part = Some((offset, c)),
                }
                continue;
            }
            if let Some((start, _)) = part.take() {
                parts.push((start, offset));
            }
            if !is_joiner(c) && !parts.is_empty() {
                self.offset = offset + c.len_utf8();
                return true;
            }
        }
        if let Some((start, _)) = part {
            parts.push((start, self.text.len()));
        }
        self.offset = self.text.len();
        !parts.is_empty()
    }
}

/// Whether a new part starts at `c`: `vaxRecords` (lower or digit, then upper) and `HTTPServer`
/// (the last capital of a run that a lower-case letter follows). Digits stay with their letters
/// (`log4j`, `s3`), since people type them that way.
fn case_boundary(previous: char, c: char, next: Option<char>) -> bool {
    if !c.is_uppercase() {
        return false;
    }
    previous.is_lowercase()
        || previous.is_numeric()
        || (previous.is_uppercase() && next.is_some_and(char::is_lowercase))
}

/// Emits, for each identifier, its joined form first (when it has several parts) and then its
/// parts. The joined form takes the position of the first part and spans all of them, like a
/// synonym, so positions stay increasing for every term.
#[derive(Clone, Default)]
pub struct IdentifierTokenizer;

/// Streams the tokens of one text, reusing one token (and its text buffer) for all of them.
pub struct IdentifierTokenStream<'a> {
    scanner: Scanner<'a>,
    /// The parts of the identifier being emitted, and how many of them were emitted.
    parts: Vec<(usize, usize)>,
    emitted: usize,
    /// Position of the next part.
    position: usize,
    current: Token,
}

impl Tokenizer for IdentifierTokenizer {
    type TokenStream<'a> = IdentifierTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> IdentifierTokenStream<'a> {
        IdentifierTokenStream {
            scanner: Scanner { text, offset: 0 },
            parts: Vec::new(),
            emitted: 0,
            position: 0,
            current: Token::default(),
        }
    }
}

impl IdentifierTokenStream<'_> {
    fn set(&mut self, from: usize, to: usize, position: usize, position_length: usize) {
        let token = &mut self.current;
        token.offset_from = from;
        token.offset_to = to;
        token.position = position;
        token.position_length = position_length;
        token.text.clear();
    }
}

impl TokenStream for IdentifierTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some(&(from, to)) = self.parts.get(self.emitted) {
            let position = self.position;
            self.set(from, to, position, 1);
            let text = self.scanner.text.get(from..to).unwrap_or_default();
            self.current.text.push_str(text);
            self.emitted += 1;
            self.position += 1;
            return true;
        }
        if !self.scanner.next_identifier(&mut self.parts) {
            return false;
        }
        self.emitted = 0;
        if let (true, Some(&(from, _)), Some(&(_, to))) =
            (self.parts.len() > 1, self.parts.first(), self.parts.last())
        {
            let (position, count) = (self.position, self.parts.len());
            self.set(from, to, position, count);
            for &(a, b) in &self.parts {
                let part = self.scanner.text.get(a..b).unwrap_or_default();
                self.current.text.push_str(part);
            }
            return true;
        }
        self.advance()
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
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = IdentifierTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn camel_and_pascal_case_split_and_stay_whole() {
        assert_eq!(
            texts("PdfInvoiceKit"),
            ["PdfInvoiceKit", "Pdf", "Invoice", "Kit"]
        );
        assert_eq!(
            texts("vaxRecordsApi"),
            ["vaxRecordsApi", "vax", "Records", "Api"]
        );
        assert_eq!(texts("HTTPServer"), ["HTTPServer", "HTTP", "Server"]);
        assert_eq!(texts("log4j s3"), ["log4j", "s3"]);
    }

    #[test]
    fn joiners_split_parts_and_other_punctuation_ends_identifiers() {
        assert_eq!(texts("pdf-invoice"), ["pdfinvoice", "pdf", "invoice"]);
        assert_eq!(texts("a_b.c"), ["abc", "a", "b", "c"]);
        assert_eq!(
            texts("sap/pdf-invoice"),
            ["sap", "pdfinvoice", "pdf", "invoice"]
        );
        assert_eq!(texts("\"quoted\", -- ..."), ["quoted"]);
        assert!(texts("\"\"' (( ** -- / .").is_empty());
    }

    #[test]
    fn joined_form_shares_the_first_part_position() {
        assert_eq!(
            tokens("the pdf-invoice kit"),
            [
                ("the".to_owned(), 0),
                ("pdfinvoice".to_owned(), 1),
                ("pdf".to_owned(), 1),
                ("invoice".to_owned(), 2),
                ("kit".to_owned(), 3),
            ]
        );
    }
}
