//! Property: a hit carries highlighted fragments of its description and README around the typed
//! words, as HTML in which the source text is always escaped and the only tags are `<mark>`.

use crate::schema::README_STORED_BYTES;
use crate::tests::fixture::{index, project, search_as};
use crate::{Audience, ProjectDocument, SearchHit, SearchIndex};

fn catalog() -> SearchIndex {
    index(vec![
        ProjectDocument {
            description: Some(
                "Renders <script>alert('x')</script> & PDF invoices for the finance group"
                    .to_owned(),
            ),
            readme: Some(
                "# Invoice kit\n\nInstall it, then call <b onclick=\"steal()\">render</b> on each \
                 invoice. The InvoiceRenderer does the rest."
                    .to_owned(),
            ),
            ..project(1, "pdf-kit")
        },
        ProjectDocument {
            description: Some("Plans the delivery routes of the vans".to_owned()),
            readme: Some(format!(
                "{} the word invoice only appears after the stored part",
                "filler text ".repeat(README_STORED_BYTES / 12 + 10)
            )),
            ..project(2, "route-planner")
        },
    ])
}

fn hit(index: &SearchIndex, text: &str, id: u64) -> SearchHit {
    search_as(index, text, Audience::Everything)
        .hits
        .into_iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("{id} not found for {text:?}"))
}

/// Only `<mark>` and `</mark>` remain once they are taken out.
fn assert_only_marks(html: &str) {
    let bare = html.replace("<mark>", "").replace("</mark>", "");
    assert!(!bare.contains('<') && !bare.contains('>'), "{html}");
}

#[test]
fn description_snippet_marks_the_word_and_escapes_the_markup() {
    let index = catalog();
    let description = hit(&index, "invoices", 1).snippets.description.unwrap();
    assert!(
        description.contains("<mark>invoices</mark>"),
        "{description}"
    );
    assert!(
        description.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; PDF"),
        "{description}"
    );
    assert!(!description.contains("<script"), "{description}");
    assert_only_marks(&description);
}

#[test]
fn readme_snippet_marks_every_form_of_the_word_and_escapes_the_markup() {
    let index = catalog();
    let readme = hit(&index, "invoice", 1).snippets.readme.unwrap();
    assert!(readme.contains("<mark>Invoice</mark> kit"), "{readme}");
    // The part of an identifier is marked inside it.
    assert!(readme.contains("<mark>Invoice</mark>Renderer"), "{readme}");
    assert!(
        readme.contains("&lt;b onclick=&quot;steal()&quot;&gt;"),
        "{readme}"
    );
    assert_only_marks(&readme);
}

#[test]
fn a_field_without_the_word_has_no_snippet() {
    let index = catalog();
    let snippets = hit(&index, "render", 1).snippets;
    assert!(snippets.readme.is_some());
    assert!(snippets.description.is_none(), "{snippets:?}");
    assert_eq!(
        search_as(&index, "", Audience::Everything).hits[0].snippets,
        Default::default()
    );
}

#[test]
fn a_match_beyond_the_stored_readme_is_found_without_a_readme_snippet() {
    let index = catalog();
    let far = hit(&index, "appears", 2);
    assert!(far.snippets.readme.is_none());
}

#[test]
fn snippets_serialise_only_what_they_have() {
    let index = catalog();
    let json = serde_json::to_value(hit(&index, "render", 1)).unwrap();
    assert!(json["snippets"]["readme"].is_string());
    assert!(json["snippets"].get("description").is_none());
}

/// The README snippet is cut around the matched words wherever they are, in any spelling of an
/// identifier, in ASCII and in other text alike.
#[test]
fn readme_snippets_come_from_deep_in_long_readmes_in_every_spelling() {
    let filler = "Nothing to see in this paragraph at all. ".repeat(150);
    let index = index(vec![
        ProjectDocument {
            readme: Some(format!(
                "{filler}\n\nUse the pdf-invoice renderer for the monthly run.\n\n{filler} The \
                 ledgers are kept elsewhere."
            )),
            ..project(1, "ledger-kit")
        },
        ProjectDocument {
            readme: Some(format!(
                "{filler}\n\nDer Rechnungsdrucker läuft mit PdfInvoice für die Buchhaltung.\n\n{filler}"
            )),
            ..project(2, "drucker")
        },
    ]);
    for typed in ["pdf invoice", "pdf-invoice", "PdfInvoice", "pdfinvoice"] {
        for id in [1, 2] {
            let readme = hit(&index, typed, id)
                .snippets
                .readme
                .unwrap_or_else(|| panic!("no README snippet of {id} for {typed:?}"));
            assert!(readme.contains("<mark>"), "{typed:?}: {readme}");
            assert!(readme.contains("nvoice</mark>"), "{typed:?}: {readme}");
            assert_only_marks(&readme);
        }
    }
    // A word found (here, in the name) that the README holds only inside a longer word
    // gives no README snippet.
    let by_name = hit(&index, "ledger", 1);
    assert_eq!(by_name.snippets.readme, None);
}
