//! The OpenAPI document: served at `/api/openapi.json`, snapshotted, covering every route mounted
//! under `/api/v1` (and nothing that is not mounted), with every reference resolvable, and
//! describing what the handlers really answer — real answers, errors included, are checked
//! against the documented schemas, unknown fields refused.

use actix_web::test::TestRequest;
use agora_catalog::model::Role;
use agora_catalog::sync_runs;
use agora_catalog::testing::TestDatabase;
use serde_json::{Value, json};

use crate::app::{Reply, TestApp};
use crate::e2e_test;

fn document() -> Value {
    serde_json::to_value(agora_api::openapi::document()).unwrap()
}

#[actix_web::test]
async fn openapi_document_is_served_and_matches_its_snapshot() {
    let app = TestApp::empty(TestDatabase::sqlite());
    let reply = app.get("/api/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    let served = reply.json();
    assert_eq!(served, document());
    assert_eq!(served["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", served);
}

/// `(method, path)` of every handler attribute (`#[get("/x")]`…) in the route modules.
fn handler_routes() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/api/src/routes");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in source.lines().map(str::trim) {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) {
                    let path = rest.split('"').next().unwrap().to_owned();
                    routes.push((method.to_owned(), path));
                }
            }
        }
    }
    routes
}

/// A concrete URI for a route pattern.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| match segment {
            s if s.starts_with('{') && s.contains("id") => "1",
            s if s.starts_with('{') => "x",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the app routes `method uri` to a handler (the fallback answers "no route for …").
async fn is_routed(app: &TestApp, method: &str, uri: &str) -> bool {
    let request = match method {
        "get" => TestRequest::get(),
        "post" => TestRequest::post(),
        "put" => TestRequest::put(),
        "patch" => TestRequest::patch(),
        "delete" => TestRequest::delete(),
        other => panic!("method {other}"),
    };
    let reply = app.call(request.uri(uri)).await;
    !(reply.status == 404
        && reply.json()["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("no route for")))
}

#[actix_web::test]
async fn every_route_under_api_v1_is_documented_and_every_documented_route_exists() {
    let app = TestApp::empty(TestDatabase::sqlite());
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    let mut mounted = 0;
    for (method, path) in handler_routes() {
        let full = format!("/api/v1{path}");
        if !is_routed(&app, &method, &concrete(&full)).await {
            // Mounted elsewhere (pages, login, probes), or not at all.
            continue;
        }
        mounted += 1;
        assert!(
            paths
                .get(&full)
                .and_then(|item| item.get(&method))
                .is_some(),
            "{} {full} is served but missing from the OpenAPI document",
            method.to_uppercase()
        );
    }
    let documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(|method| (method.clone(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        mounted,
        documented.len(),
        "handlers mounted under /api/v1 and documented operations differ"
    );
    for (method, path) in &documented {
        assert!(path.starts_with("/api/v1/"), "{path}");
        assert!(
            is_routed(&app, method, &concrete(path)).await,
            "{} {path} is documented but not served",
            method.to_uppercase()
        );
    }
    assert!(mounted >= 22, "only {mounted} routes found under /api/v1");
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("external reference {reference}"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("dangling reference {reference}"))
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(reference)) => out.push(reference.clone()),
                    _ => collect_refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_every_operation_documents_its_errors() {
    let doc = document();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in &refs {
        resolve(&doc, reference);
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{name}: no success"
            );
            // Every operation can fail inside the server; every error is a problem document.
            assert!(responses.contains_key("500"), "{name}: no 500");
            for (status, response) in responses {
                if status.starts_with('2') {
                    continue;
                }
                let response = match response.get("$ref").and_then(Value::as_str) {
                    Some(reference) => resolve(&doc, reference),
                    None => response,
                };
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{name} {status}"
                );
            }
            let security = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: no security"));
            for requirement in security {
                for scheme in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(scheme), "{name}: scheme {scheme}");
                }
            }
            let anonymous = security.iter().any(|r| r.as_object().unwrap().is_empty());
            if !anonymous {
                assert!(
                    responses.contains_key("401"),
                    "{name}: needs a login, no 401"
                );
            }
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A small JSON Schema check, enough for what utoipa emits: `$ref`, `oneOf`/`anyOf`/`allOf`,
/// `type` (one or several), `enum`, `properties` + `required` (unknown fields refused unless
/// `additionalProperties` allows them), `items`.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return conforms(doc, resolve(doc, reference), value, at);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema.get(key).and_then(Value::as_array) {
            let errors: Vec<String> = choices
                .iter()
                .filter_map(|choice| conforms(doc, choice, value, at).err())
                .collect();
            if errors.len() == choices.len() {
                return Err(format!("{at}: matches no {key} branch: {errors:?}"));
            }
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            conforms(doc, part, value, at)?;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    let actual = json_type(value);
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let allowed = types.is_empty()
        || types.contains(&actual)
        || (actual == "integer" && types.contains(&"number"));
    if !allowed {
        return Err(format!("{at}: {actual} where the schema says {types:?}"));
    }
    if let Value::Object(fields) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        if properties.is_some() || additional.is_some() {
            for (key, field) in fields {
                let field_at = format!("{at}.{key}");
                match (properties.and_then(|p| p.get(key)), additional) {
                    (Some(property), _) => conforms(doc, property, field, &field_at)?,
                    (None, Some(Value::Bool(true))) => {}
                    (None, Some(extra)) if extra.is_object() => {
                        conforms(doc, extra, field, &field_at)?
                    }
                    _ => return Err(format!("{field_at}: not in the documented schema")),
                }
            }
        }
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !fields.contains_key(required) {
                return Err(format!("{at}.{required}: required but absent"));
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conforms(doc, item_schema, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Asserts that `reply` is one of the answers documented for `method path`, in its content type
/// and shape.
fn assert_documented(doc: &Value, method: &str, path: &str, reply: &Reply) {
    let name = format!(
        "{} {path} → {}",
        method.to_uppercase(),
        reply.status.as_u16()
    );
    let response = &doc["paths"][path][method]["responses"][reply.status.as_str()];
    assert!(!response.is_null(), "{name}: undocumented status");
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(doc, reference),
        None => response,
    };
    let schema = &response["content"][reply.content_type.as_str()]["schema"];
    assert!(
        !schema.is_null(),
        "{name}: content type {} is not documented",
        reply.content_type
    );
    if let Err(e) = conforms(doc, schema, &reply.json(), "body") {
        panic!("{name}: {e}\n{}", reply.text());
    }
}

async fn send(app: &TestApp, method: &str, uri: &str, token: &str, body: Option<Value>) -> Reply {
    let request = match method {
        "get" => TestRequest::get(),
        "post" => TestRequest::post(),
        "put" => TestRequest::put(),
        "delete" => TestRequest::delete(),
        other => panic!("method {other}"),
    }
    .uri(uri)
    .insert_header(("Authorization", format!("Bearer {token}")));
    let request = match body {
        Some(body) => request.set_json(body),
        None => request,
    };
    app.call(request).await
}

async fn real_answers_conform_to_the_documented_schemas(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let doc = document();
    let admin = app.token("root", None, Role::Admin);
    let member = app.token("ann", Some("platform"), Role::Employee);
    let id = app.project_id("finance/abacus-ledger").await;
    let project = format!("/api/v1/projects/{id}");
    // (method, documented path, uri, token, body)
    let calls: Vec<(&str, &str, String, &str, Option<Value>)> = vec![
        (
            "get",
            "/api/v1/search",
            "/api/v1/search?q=ledger&sort=stars".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/search",
            "/api/v1/search?sort=sideways".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/suggest",
            "/api/v1/suggest?q=aba".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/projects/{id}",
            project.clone(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/projects/{id}",
            "/api/v1/projects/999999".into(),
            &admin,
            None,
        ),
        (
            "put",
            "/api/v1/projects/{id}/listing",
            format!("{project}/listing"),
            &admin,
            Some(json!({"title": "Payments", "skills": ["Rust"], "maturity": "active"})),
        ),
        (
            "put",
            "/api/v1/projects/{id}/listing",
            format!("{project}/listing"),
            &member,
            Some(json!({"title": "Mine now"})),
        ),
        (
            "put",
            "/api/v1/projects/{id}/star",
            format!("{project}/star"),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/me/stars",
            "/api/v1/me/stars".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/projects/{id}/stargazers",
            format!("{project}/stargazers"),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/stars/top",
            "/api/v1/stars/top?limit=5".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/stars/trending",
            "/api/v1/stars/trending?limit=0".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/stars/trending",
            "/api/v1/stars/trending".into(),
            &admin,
            None,
        ),
        (
            "delete",
            "/api/v1/projects/{id}/star",
            format!("{project}/star"),
            &admin,
            None,
        ),
        (
            "post",
            "/api/v1/projects/{id}/access-requests",
            format!("{project}/access-requests"),
            &admin,
            Some(json!({"reason": "to fix a bug", "forge_username": "root-gh"})),
        ),
        (
            "get",
            "/api/v1/access-requests",
            "/api/v1/access-requests?role=owner".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/access-requests",
            "/api/v1/access-requests?role=owner".into(),
            &member,
            None,
        ),
        (
            "post",
            "/api/v1/admin/forges",
            "/api/v1/admin/forges".into(),
            &admin,
            Some(
                json!({"name": "ghe", "kind": "github", "base_url": "http://127.0.0.1:9", "token": "t",
                        "scope": {"org": "acme"}, "department_map": {"acme": "Finance"}}),
            ),
        ),
        (
            "post",
            "/api/v1/admin/forges",
            "/api/v1/admin/forges".into(),
            &admin,
            Some(
                json!({"name": "ghe", "kind": "github", "base_url": "http://127.0.0.1:9", "token": "t"}),
            ),
        ),
        (
            "get",
            "/api/v1/admin/forges",
            "/api/v1/admin/forges".into(),
            &member,
            None,
        ),
        (
            "get",
            "/api/v1/admin/forges/{name}/runs",
            "/api/v1/admin/forges/nope/runs".into(),
            &admin,
            None,
        ),
        (
            "get",
            "/api/v1/admin/audit",
            "/api/v1/admin/audit?limit=50".into(),
            &admin,
            None,
        ),
        (
            "delete",
            "/api/v1/projects/{id}/listing",
            format!("{project}/listing"),
            &admin,
            None,
        ),
        (
            "post",
            "/api/v1/hooks/{forge}",
            "/api/v1/hooks/ghe".into(),
            "not-a-token",
            Some(json!({})),
        ),
    ];
    for (method, path, uri, token, body) in calls {
        let reply = send(&app, method, &uri, token, body).await;
        assert_documented(&doc, method, path, &reply);
    }
    // A forge with a finished run, and the runs of it.
    app.indexer
        .catalog
        .write(|conn| {
            let forge = agora_catalog::forges::by_name(conn, "ghe")?.unwrap();
            let run = sync_runs::start(conn, forge.id, true)?;
            let counts = sync_runs::SyncCounts {
                listed: 3,
                ..Default::default()
            };
            sync_runs::finish(conn, run, "succeeded", &counts, &["one".to_owned()])
        })
        .await
        .unwrap();
    for (path, uri) in [
        ("/api/v1/admin/forges", "/api/v1/admin/forges"),
        (
            "/api/v1/admin/forges/{name}/runs",
            "/api/v1/admin/forges/ghe/runs",
        ),
    ] {
        let reply = send(&app, "get", uri, &admin, None).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_documented(&doc, "get", path, &reply);
    }
    // The request filed above, decided.
    let mine = send(&app, "get", "/api/v1/access-requests", &admin, None).await;
    assert_documented(&doc, "get", "/api/v1/access-requests", &mine);
    let request = mine.json()["access_requests"][0]["id"].as_i64().unwrap();
    for (action, body) in [
        ("deny", Some(json!({"note": "not now"}))),
        ("withdraw", None),
    ] {
        let reply = send(
            &app,
            "post",
            &format!("/api/v1/access-requests/{request}/{action}"),
            &admin,
            body,
        )
        .await;
        assert_documented(
            &doc,
            "post",
            &format!("/api/v1/access-requests/{{id}}/{action}"),
            &reply,
        );
    }
}
e2e_test!(real_answers_conform_to_the_documented_schemas);
