//! Filters, facets, sorts and snippets of `GET /api/v1/search` over the demo catalog.

use agora_catalog::testing::TestDatabase;
use serde_json::Value;

use crate::app::TestApp;
use crate::e2e_test;

/// Enough of percent-encoding for the demo's facet values (`C#`, `Apache-2.0`).
fn encode(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('#', "%23")
        .replace('+', "%2B")
        .replace('&', "%26")
        .replace(' ', "%20")
        .replace(',', "%2C")
}

fn facet(body: &Value, name: &str) -> Vec<(String, u64)> {
    body["facets"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no `{name}` facet: {body}"))
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn count(body: &Value, name: &str, value: &str) -> u64 {
    facet(body, name)
        .into_iter()
        .find(|(v, _)| v == value)
        .map_or(0, |(_, c)| c)
}

async fn search_returns_facets_that_match_its_filters(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let all = app.get("/api/v1/search?limit=100", None).await.json();
    assert!(all["took_ms"].is_u64(), "{}", all["took_ms"]);
    let total = all["total"].as_u64().unwrap();
    for name in ["language", "topic", "department", "license", "maturity"] {
        assert!(all["facets"][name].is_array(), "facet {name}");
    }
    // Eight departments, each with a count that is its share of the total.
    let departments = facet(&all, "department");
    assert_eq!(departments.len(), 8, "{departments:?}");
    assert_eq!(departments.iter().map(|(_, c)| c).sum::<u64>(), total);
    // The demo has no maturity (imports are not rated): an empty facet, not a missing one.
    assert!(facet(&all, "maturity").is_empty());

    // The count beside a value is the total that choosing it gives.
    for name in ["language", "department", "license", "topic"] {
        for (value, expected) in facet(&all, name).into_iter().take(4) {
            let uri = format!("/api/v1/search?{name}={}&limit=100", encode(&value));
            let chosen = app.get(&uri, None).await.json();
            assert_eq!(chosen["total"], expected, "{uri}");
            let field = if name == "topic" { "topics" } else { name };
            for hit in chosen["hits"].as_array().unwrap() {
                let matches = match &hit[field] {
                    Value::Array(topics) => topics.iter().any(|t| t == value.as_str()),
                    other => other == value.as_str(),
                };
                assert!(matches, "{uri}: {hit}");
            }
        }
    }
    assert_eq!(count(&all, "language", "C#"), 2);
    let csharp = app.get("/api/v1/search?language=C%23", None).await.json();
    assert_eq!(csharp["total"], 2);

    // Values of one filter are ORed, in either spelling; filters are ANDed.
    let (go, python) = (
        count(&all, "language", "Go"),
        count(&all, "language", "Python"),
    );
    assert!(go > 0 && python > 0);
    for uri in [
        "/api/v1/search?language=Go,Python",
        "/api/v1/search?language=Go&language=Python",
    ] {
        let either = app.get(uri, None).await.json();
        assert_eq!(either["total"].as_u64().unwrap(), go + python, "{uri}");
        // The language facet ignores its own filter: other languages are still offered.
        assert_eq!(
            count(&either, "language", "Rust"),
            count(&all, "language", "Rust")
        );
    }
    let go_in_data = app
        .get(
            "/api/v1/search?language=Go&department=data-platform&limit=100",
            None,
        )
        .await
        .json();
    let hits = go_in_data["hits"].as_array().unwrap();
    assert_eq!(go_in_data["total"].as_u64().unwrap() as usize, hits.len());
    assert!(hits.len() as u64 <= go);
    assert!(
        hits.iter()
            .all(|h| h["language"] == "Go" && h["department"] == "data-platform")
    );
    assert_eq!(
        count(&go_in_data, "department", "data-platform"),
        hits.len() as u64
    );

    // Filters apply to typed queries too, and hits carry highlighted snippets.
    let invoices = app
        .get("/api/v1/search?q=invoice&language=Java", None)
        .await
        .json();
    let hits = invoices["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["language"] == "Java"));
    assert!(
        hits.iter().any(|h| {
            let s = &h["snippets"];
            [&s["description"], &s["readme"]]
                .iter()
                .any(|v| v.as_str().is_some_and(|t| t.contains("<mark>")))
        }),
        "{invoices}"
    );
    for key in ["license", "has_contributing", "activity_score", "snippets"] {
        assert!(hits[0].get(key).is_some(), "hit lacks `{key}`");
    }

    // The other filters and sorts answer normally.
    for uri in [
        "/api/v1/search?has_contributing=true",
        "/api/v1/search?maturity=mature,experimental",
        "/api/v1/search?sort=recent",
        "/api/v1/search?sort=activity&q=kafka",
        "/api/v1/search?sort=stars&license=MIT",
    ] {
        let reply = app.get(uri, None).await;
        assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
    }
    let mit = app
        .get("/api/v1/search?license=MIT&limit=100", None)
        .await
        .json();
    assert_eq!(mit["total"], count(&all, "license", "MIT"));
    assert!(
        mit["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["license"] == "MIT")
    );
}
e2e_test!(search_returns_facets_that_match_its_filters);

async fn bad_filter_and_sort_values_are_problems(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    for query in [
        "sort=sideways",
        "sort=STARS",
        "maturity=ancient",
        "maturity=mature,ancient",
        "has_contributing=maybe",
        "has_contributing=true&has_contributing=false",
        "forge=ghe",
        "limit=abc",
    ] {
        let problem = app
            .get(&format!("/api/v1/search?{query}"), None)
            .await
            .problem(400);
        assert_eq!(problem["code"], "bad_request", "{query}");
    }
    let detail = app
        .get("/api/v1/search?maturity=ancient", None)
        .await
        .problem(400)["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("experimental"), "{detail}");
    // The page shows the message instead of failing.
    let page = app.get("/?sort=sideways", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("sideways"));
}
e2e_test!(bad_filter_and_sort_values_are_problems);
