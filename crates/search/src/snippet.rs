//! Snippets: the best fragment of a hit's description and README around the words that matched,
//! as HTML that is safe to insert as is — every character of the source text escaped, and only
//! `<mark>`…`</mark>` added around matched words. tantivy's own `to_html` adds `<b>`; we build the
//! HTML from the fragment and its highlighted ranges instead, so the escaping is ours to test.

use std::ops::Range;

use serde::Serialize;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{Searcher, TantivyError};

/// Fragment lengths in characters: a description is shown almost whole, a README as a line or two.
const DESCRIPTION_CHARS: usize = 200;
const README_CHARS: usize = 240;

/// Highlighted fragments of one hit; a field is absent when none of its words matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippets {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readme: Option<String>,
}

/// One generator per field for a whole page of hits (creating one looks up each query term).
pub(crate) struct SnippetMaker {
    description: SnippetGenerator,
    readme: SnippetGenerator,
    /// The terms `readme` highlights (those the README field holds at all).
    readme_terms: Vec<String>,
}

impl SnippetMaker {
    /// Generators for the terms `query` matches in the unstemmed `description` and `readme`
    /// (stems and typos are not highlighted: they would mark words nobody typed).
    pub(crate) fn new(
        searcher: &Searcher,
        query: &dyn Query,
        description: Field,
        readme: Field,
    ) -> Result<Self, TantivyError> {
        let mut description = SnippetGenerator::create(searcher, query, description)?;
        description.set_max_num_chars(DESCRIPTION_CHARS);
        let mut readme_terms = Vec::new();
        let mut failed = None;
        query.query_terms(&mut |term, _| {
            if term.field() == readme
                && let Some(text) = term.value().as_str()
                && !readme_terms.iter().any(|t: &String| t == text)
            {
                match searcher.doc_freq(term) {
                    Ok(0) => {}
                    Ok(_) => readme_terms.push(text.to_owned()),
                    Err(e) => failed = Some(e),
                }
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let mut readme = SnippetGenerator::create(searcher, query, readme)?;
        readme.set_max_num_chars(README_CHARS);
        Ok(Self {
            description,
            readme,
            readme_terms,
        })
    }

    pub(crate) fn snippets(&self, description: Option<&str>, readme: Option<&str>) -> Snippets {
        Snippets {
            description: description.and_then(|text| html(&self.description.snippet(text))),
            readme: readme.and_then(|text| self.readme_snippet(text)),
        }
    }

    /// The README's snippet, cut from a window around its best run of matched words rather
    /// than from the whole text: tokenising every hit's README (kilobytes each) took a seventh
    /// of a search. The window is found by plain substring search, which is exact for ASCII
    /// text (every term the analyzer makes of it is a lower-cased substring, once the joiners
    /// `-`, `_`, `.` of an identifier are dropped); other text, and a window whose substring
    /// hits turn out to be inside longer words, take the whole-text path.
    fn readme_snippet(&self, text: &str) -> Option<String> {
        if text.is_ascii() {
            let lower = text.to_ascii_lowercase();
            let terms: Vec<&str> = self.readme_terms.iter().map(String::as_str).collect();
            match best_window(&lower, &terms, README_CHARS) {
                Window::NoMatch => {
                    let squeezed: String = lower.chars().filter(|&c| !is_joiner(c)).collect();
                    if !terms.iter().any(|t| squeezed.contains(t)) {
                        return None;
                    }
                }
                Window::Around(range) => {
                    if let Some(html) = text.get(range).and_then(|w| html(&self.readme.snippet(w)))
                    {
                        return Some(html);
                    }
                }
            }
        }
        html(&self.readme.snippet(text))
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

enum Window {
    /// No term occurs as a substring.
    NoMatch,
    /// Byte range (on whitespace, or the text's ends) to cut the snippet from.
    Around(Range<usize>),
}

/// The window of `lower` (lower-cased ASCII) from the occurrence of a term that has the most
/// distinct terms within `span` bytes after it (the earliest among equals) to `span` bytes
/// later, widened out to whitespace so the snippet generator sees whole words. Only the window
/// is tokenised, so it is kept to about one fragment.
fn best_window(lower: &str, terms: &[&str], span: usize) -> Window {
    /// Occurrences looked at per term: enough to find a dense spot, bounded for huge READMEs.
    const MAX_HITS_PER_TERM: usize = 32;
    let mut hits: Vec<(usize, usize)> = terms
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .flat_map(|(i, t)| {
            // SIMD substring search: a README is kilobytes, searched once per term per hit.
            memchr::memmem::find_iter(lower.as_bytes(), t.as_bytes())
                .take(MAX_HITS_PER_TERM)
                .map(move |at| (at, i))
        })
        .collect();
    if hits.is_empty() {
        return Window::NoMatch;
    }
    hits.sort_unstable();
    let mut best = (0, usize::MAX);
    for (k, &(at, _)) in hits.iter().enumerate() {
        let mut seen: Vec<usize> = hits[k..]
            .iter()
            .take_while(|(other, _)| *other < at + span)
            .map(|&(_, term)| term)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() > best.0 {
            best = (seen.len(), at);
        }
    }
    let at = best.1;
    let bytes = lower.as_bytes();
    // The snippet generator tiles the text into fragments of `span` from the window's start and
    // keeps the best one: starting at the run's first word, the first tile is the run.
    let mut start = at;
    while start > 0 && !bytes[start - 1].is_ascii_whitespace() {
        start -= 1;
    }
    let mut end = (at + span).min(bytes.len());
    while end < bytes.len() && !bytes[end].is_ascii_whitespace() {
        end += 1;
    }
    Window::Around(start..end)
}

/// The fragment as escaped HTML with `<mark>`ed words, or `None` when nothing in it matched.
fn html(snippet: &Snippet) -> Option<String> {
    let fragment = snippet.fragment();
    let marks = merged(snippet.highlighted());
    if marks.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(fragment.len() + marks.len() * 13);
    let mut from = 0;
    for mark in marks {
        // Ranges come from the tokenizer's byte offsets; one that is not on character
        // boundaries (it never should be) is skipped rather than panicking.
        let (Some(before), Some(marked)) =
            (fragment.get(from..mark.start), fragment.get(mark.clone()))
        else {
            continue;
        };
        escape_into(&mut out, before);
        out.push_str("<mark>");
        escape_into(&mut out, marked);
        out.push_str("</mark>");
        from = mark.end;
    }
    escape_into(&mut out, fragment.get(from..).unwrap_or_default());
    Some(out.trim().to_owned())
}

/// Sorted, non-overlapping ranges: an identifier is indexed whole and in parts (`PdfInvoice`,
/// `Pdf`, `Invoice`), so the marks for a query matching both overlap.
fn merged(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted: Vec<Range<usize>> = ranges.iter().filter(|r| !r.is_empty()).cloned().collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_around_the_densest_run_of_terms() {
        let text = format!(
            "{} ledger here {} pdf invoice ledger together {}",
            "x ".repeat(300),
            "y ".repeat(300),
            "z ".repeat(300)
        );
        let Window::Around(range) = best_window(&text, &["ledger", "pdf", "invoice"], 60) else {
            panic!("the terms occur");
        };
        let window = &text[range.clone()];
        assert!(window.contains("pdf invoice ledger together"), "{window}");
        assert!(!window.contains("ledger here"), "{window}");
        // Cut on whitespace: no word is split at either end.
        let bytes = text.as_bytes();
        assert!(range.start == 0 || bytes[range.start - 1].is_ascii_whitespace());
        assert!(range.end == bytes.len() || bytes[range.end].is_ascii_whitespace());
        assert!(matches!(
            best_window(&text, &["absent"], 60),
            Window::NoMatch
        ));
    }

    #[test]
    fn overlapping_marks_merge() {
        assert_eq!(merged(&[3..10, 0..13, 20..22, 21..25]), [0..13, 20..25]);
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        let mut out = String::new();
        escape_into(&mut out, r#"<a href="x">'&'</a>"#);
        assert_eq!(
            out,
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }
}
