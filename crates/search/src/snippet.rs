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
        let mut readme = SnippetGenerator::create(searcher, query, readme)?;
        readme.set_max_num_chars(README_CHARS);
        Ok(Self {
            description,
            readme,
        })
    }

    pub(crate) fn snippets(&self, description: Option<&str>, readme: Option<&str>) -> Snippets {
        Snippets {
            description: description.and_then(|text| html(&self.description.snippet(text))),
            readme: readme.and_then(|text| html(&self.readme.snippet(text))),
        }
    }
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
