//! Admins manage users and departments over the API: each refusal (401 without a login, 403 for
//! anyone but an admin, 400 for bad input, 404 for unknown ids, 409 for conflicts) is a problem
//! document, each effect is visible afterwards and in the audit trail, and a deactivated or
//! demoted user's existing token stops carrying what it used to.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use agora_catalog::model::Role;
use agora_catalog::testing::TestDatabase;
use serde_json::{Value, json};

use crate::app::{Reply, TestApp};
use crate::e2e_test;

fn request(method: Method, uri: &str, token: Option<&str>, body: Option<&Value>) -> TestRequest {
    let mut request = TestRequest::default().method(method).uri(uri);
    if let Some(token) = token {
        request = request.insert_header(("authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    request
}

async fn send(app: &TestApp, method: Method, uri: &str, token: &str, body: Option<Value>) -> Reply {
    app.call(request(method, uri, Some(token), body.as_ref()))
        .await
}

/// The id of the user with this subject, as the admin API lists them.
async fn user_id(app: &TestApp, admin: &str, subject: &str) -> i64 {
    let reply = app
        .get(&format!("/api/v1/admin/users?q={subject}"), Some(admin))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["subject"] == subject)
        .unwrap_or_else(|| panic!("{subject} not listed: {}", reply.text()))["id"]
        .as_i64()
        .unwrap()
}

/// The admin trail's events for one subject, oldest first: (action, actor_id).
async fn trail(app: &TestApp, admin: &str, kind: &str, id: i64) -> Vec<(String, Option<i64>)> {
    let reply = app
        .get(
            &format!("/api/v1/admin/audit?subject_type={kind}&subject_id={id}"),
            Some(admin),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let mut events: Vec<(String, Option<i64>)> = reply.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor_id"].as_i64(),
            )
        })
        .collect();
    events.reverse();
    events
}

async fn every_admin_endpoint_refuses_anonymous_callers_and_non_admins(db: TestDatabase) {
    let app = TestApp::empty(db);
    let admin = app.token("root", None, Role::Admin);
    // A user and a department to aim at, so the refusals are not 404s in disguise.
    let created = send(
        &app,
        Method::POST,
        "/api/v1/admin/departments",
        &admin,
        Some(json!({"slug": "finance", "name": "Finance"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let department = created.json()["id"].as_i64().unwrap();
    let target = user_id(&app, &admin, "root").await;

    let employee = app.token("emma", Some("finance"), Role::Employee);
    let lead = app.token("leo", Some("finance"), Role::Lead);
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/admin/users".into(), None),
        (
            Method::POST,
            "/api/v1/admin/users".into(),
            Some(json!({"subject": "mallory", "role": "admin"})),
        ),
        (Method::GET, format!("/api/v1/admin/users/{target}"), None),
        (
            Method::PATCH,
            format!("/api/v1/admin/users/{target}"),
            Some(json!({"role": "employee"})),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{target}/deactivate"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{target}/reactivate"),
            None,
        ),
        (Method::GET, "/api/v1/admin/departments".into(), None),
        (
            Method::POST,
            "/api/v1/admin/departments".into(),
            Some(json!({"slug": "evil", "name": "Evil"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/admin/departments/{department}"),
            Some(json!({"name": "Renamed"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/departments/{department}"),
            None,
        ),
    ];
    for (method, uri, body) in &endpoints {
        let anonymous = app
            .call(request(method.clone(), uri, None, body.as_ref()))
            .await;
        anonymous.problem(401);
        for (who, token) in [("employee", &employee), ("lead", &lead)] {
            let reply = app
                .call(request(method.clone(), uri, Some(token), body.as_ref()))
                .await;
            let problem = reply.problem(403);
            assert_eq!(problem["code"], "forbidden", "{who} {method} {uri}");
        }
    }
    // None of the refused calls changed anything.
    let users = app.get("/api/v1/admin/users", Some(&admin)).await.json();
    let subjects: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["emma", "leo", "root"]);
    assert!(
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["active"] == true)
    );
    assert_eq!(users["users"][2]["role"], "admin");
    let departments = app
        .get("/api/v1/admin/departments", Some(&admin))
        .await
        .json();
    assert_eq!(departments["departments"][0]["name"], "Finance");
    assert_eq!(departments["departments"].as_array().unwrap().len(), 1);
}
e2e_test!(every_admin_endpoint_refuses_anonymous_callers_and_non_admins);

async fn admins_create_find_and_update_users_with_precise_refusals(db: TestDatabase) {
    let app = TestApp::empty(db);
    let admin = app.token("root", None, Role::Admin);
    let finance = send(
        &app,
        Method::POST,
        "/api/v1/admin/departments",
        &admin,
        Some(json!({"slug": "finance", "name": "Finance"})),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();

    let reply = send(
        &app,
        Method::POST,
        "/api/v1/admin/users",
        &admin,
        Some(json!({
            "subject": "ana", "display_name": "Ana Lopez", "email": "ana@example.org",
            "department_id": finance, "role": "lead"
        })),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let ana = reply.json();
    assert_eq!(ana["subject"], "ana");
    assert_eq!(ana["role"], "lead");
    assert_eq!(ana["department"]["slug"], "finance");
    assert_eq!(ana["source"], "local");
    assert_eq!(ana["active"], true);
    let ana_id = ana["id"].as_i64().unwrap();

    // Bad input: 400 problems that name what is wrong; nothing is created.
    let refusals = [
        (json!({"subject": "ana"}), 409, "already exists"),
        (json!({"subject": "two words"}), 400, "subject"),
        (json!({"subject": "oidc:https://idp#ana"}), 400, "reserved"),
        (json!({"subject": "lea", "role": "lead"}), 400, "department"),
        (
            json!({"subject": "lea", "department_id": finance + 99}),
            400,
            "does not exist",
        ),
        (
            json!({"subject": "lea", "role": "boss"}),
            400,
            "unknown variant",
        ),
        (json!({"subject": "lea", "email": "nope"}), 400, "email"),
        (
            json!({"subject": "lea", "admin": true}),
            400,
            "unknown field",
        ),
    ];
    for (body, status, words) in refusals {
        let reply = send(
            &app,
            Method::POST,
            "/api/v1/admin/users",
            &admin,
            Some(body.clone()),
        )
        .await;
        let problem = reply.problem(status);
        assert!(
            problem["detail"].as_str().unwrap().contains(words),
            "{body}: {problem}"
        );
    }

    // Reading: one, unknown, and the list with its filters.
    let one = app
        .get(&format!("/api/v1/admin/users/{ana_id}"), Some(&admin))
        .await;
    assert_eq!(one.json()["display_name"], "Ana Lopez");
    app.get("/api/v1/admin/users/999999", Some(&admin))
        .await
        .problem(404);
    app.get("/api/v1/admin/users/not-a-number", Some(&admin))
        .await
        .problem(400);
    for (query, expected) in [
        (format!("department_id={finance}"), vec!["ana"]),
        ("role=admin".to_owned(), vec!["root"]),
        ("q=LOPEZ".to_owned(), vec!["ana"]),
        ("status=deactivated".to_owned(), vec![]),
        ("limit=1&offset=1".to_owned(), vec!["root"]),
    ] {
        let reply = app
            .get(&format!("/api/v1/admin/users?{query}"), Some(&admin))
            .await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text());
        let subjects: Vec<String> = reply.json()["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["subject"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(subjects, expected, "{query}");
    }
    assert_eq!(
        app.get("/api/v1/admin/users?limit=1", Some(&admin))
            .await
            .json()["total"],
        2
    );
    for bad in [
        "role=boss",
        "status=gone",
        "limit=0",
        "limit=9999",
        "offset=-1",
        "colour=red",
    ] {
        app.get(&format!("/api/v1/admin/users?{bad}"), Some(&admin))
            .await
            .problem(400);
    }

    // Changing: only what is sent; null clears; forge accounts merge.
    let reply = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{ana_id}"),
        &admin,
        Some(json!({
            "display_name": "Ana L.", "email": null, "role": "employee",
            "forge_usernames": {"gitlab": "ana-gl", "github": "ana-gh"}
        })),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let changed = reply.json();
    assert_eq!(changed["display_name"], "Ana L.");
    assert_eq!(changed["email"], Value::Null);
    assert_eq!(changed["role"], "employee");
    assert_eq!(changed["department"]["slug"], "finance");
    assert_eq!(
        changed["forge_usernames"],
        json!({"github": "ana-gh", "gitlab": "ana-gl"})
    );
    let reply = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{ana_id}"),
        &admin,
        Some(json!({"department_id": null, "forge_usernames": {"github": null}})),
    )
    .await;
    assert_eq!(reply.json()["department"], Value::Null);
    assert_eq!(reply.json()["forge_usernames"], json!({"gitlab": "ana-gl"}));

    for (body, status) in [
        (json!({}), 400),
        (json!({"role": "lead"}), 400),
        (json!({"subject": "renamed"}), 400),
        (json!({"department_id": finance + 99}), 400),
    ] {
        send(
            &app,
            Method::PATCH,
            &format!("/api/v1/admin/users/{ana_id}"),
            &admin,
            Some(body),
        )
        .await
        .problem(status);
    }
    send(
        &app,
        Method::PATCH,
        "/api/v1/admin/users/999999",
        &admin,
        Some(json!({"role": "lead"})),
    )
    .await
    .problem(404);

    let root = user_id(&app, &admin, "root").await;
    assert_eq!(
        trail(&app, &admin, "user", ana_id).await,
        [
            ("user.created".to_owned(), Some(root)),
            ("user.updated".to_owned(), Some(root)),
            ("user.updated".to_owned(), Some(root)),
        ]
    );
}
e2e_test!(admins_create_find_and_update_users_with_precise_refusals);

async fn a_deactivated_users_token_is_refused_until_reactivation(db: TestDatabase) {
    let app = TestApp::empty(db);
    let admin = app.token("root", None, Role::Admin);
    let ana_token = app.token("ana", None, Role::Employee);
    assert_eq!(
        app.get("/api/v1/me/stars", Some(&ana_token)).await.status,
        200
    );
    let ana = user_id(&app, &admin, "ana").await;

    let reply = send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{ana}/deactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["active"], false);
    assert!(reply.json()["deactivated_at"].is_string());

    // The token she already holds, and a fresh one, are both refused.
    let problem = app
        .get("/api/v1/me/stars", Some(&ana_token))
        .await
        .problem(401);
    assert!(
        problem["detail"].as_str().unwrap().contains("deactivated"),
        "{problem}"
    );
    let fresh = app.token("ana", None, Role::Employee);
    app.get("/api/v1/me/stars", Some(&fresh)).await.problem(401);
    // Twice is a conflict; an unknown id is a 404.
    send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{ana}/deactivate"),
        &admin,
        None,
    )
    .await
    .problem(409);
    send(
        &app,
        Method::POST,
        "/api/v1/admin/users/999999/deactivate",
        &admin,
        None,
    )
    .await
    .problem(404);
    let listed = app
        .get("/api/v1/admin/users?status=deactivated", Some(&admin))
        .await
        .json();
    assert_eq!(listed["users"][0]["subject"], "ana");

    let reply = send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{ana}/reactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(reply.json()["active"], true, "{}", reply.text());
    assert_eq!(
        app.get("/api/v1/me/stars", Some(&ana_token)).await.status,
        200
    );
    send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{ana}/reactivate"),
        &admin,
        None,
    )
    .await
    .problem(409);

    let root = user_id(&app, &admin, "root").await;
    assert_eq!(
        trail(&app, &admin, "user", ana).await,
        [
            ("user.deactivated".to_owned(), Some(root)),
            ("user.reactivated".to_owned(), Some(root)),
        ]
    );
}
e2e_test!(a_deactivated_users_token_is_refused_until_reactivation);

async fn a_demoted_admins_token_loses_its_admin_power(db: TestDatabase) {
    let app = TestApp::empty(db);
    let root = app.token("root", None, Role::Admin);
    let ops = app.token("ops", None, Role::Admin);
    assert_eq!(app.get("/api/v1/admin/users", Some(&ops)).await.status, 200);
    let ops_id = user_id(&app, &root, "ops").await;
    let reply = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{ops_id}"),
        &root,
        Some(json!({"role": "employee"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // The token still says admin; the catalog, which admins manage, says otherwise.
    app.get("/api/v1/admin/users", Some(&ops))
        .await
        .problem(403);
    let again = app.token("ops", None, Role::Admin);
    app.get("/api/v1/admin/users", Some(&again))
        .await
        .problem(403);
}
e2e_test!(a_demoted_admins_token_loses_its_admin_power);

async fn the_last_active_admin_cannot_be_demoted_or_deactivated(db: TestDatabase) {
    let app = TestApp::empty(db);
    let admin = app.token("root", None, Role::Admin);
    let root = user_id(&app, &admin, "root").await;
    let problem = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{root}"),
        &admin,
        Some(json!({"role": "employee"})),
    )
    .await
    .problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("last active admin"),
        "{problem}"
    );
    send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{root}/deactivate"),
        &admin,
        None,
    )
    .await
    .problem(409);
    // Still an admin, still in.
    assert_eq!(
        app.get("/api/v1/admin/users", Some(&admin)).await.status,
        200
    );

    // With a second admin, the first may step down.
    let created = send(
        &app,
        Method::POST,
        "/api/v1/admin/users",
        &admin,
        Some(json!({"subject": "ops", "role": "admin"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let reply = send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{root}/deactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    app.get("/api/v1/admin/users", Some(&admin))
        .await
        .problem(401);
}
e2e_test!(the_last_active_admin_cannot_be_demoted_or_deactivated);

async fn departments_are_managed_and_deleted_only_when_unused(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let admin = app.token("root", None, Role::Admin);
    let reply = send(
        &app,
        Method::POST,
        "/api/v1/admin/departments",
        &admin,
        Some(json!({"slug": "legal", "name": "Legal"})),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let legal = reply.json();
    assert_eq!(
        (legal["users"].as_i64(), legal["repositories"].as_i64()),
        (Some(0), Some(0))
    );
    let legal_id = legal["id"].as_i64().unwrap();

    for (body, status) in [
        (json!({"slug": "legal", "name": "Again"}), 409),
        (json!({"slug": "Legal Team", "name": "Legal"}), 400),
        (json!({"slug": "ok", "name": ""}), 400),
        (json!({"slug": "ok"}), 400),
    ] {
        send(
            &app,
            Method::POST,
            "/api/v1/admin/departments",
            &admin,
            Some(body),
        )
        .await
        .problem(status);
    }

    // The demo catalog files repositories under departments: they are counted.
    let listed = app
        .get("/api/v1/admin/departments", Some(&admin))
        .await
        .json();
    let finance = listed["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["slug"] == "finance")
        .unwrap()
        .clone();
    assert!(finance["repositories"].as_i64().unwrap() > 0, "{finance}");
    let finance_id = finance["id"].as_i64().unwrap();

    let reply = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/departments/{legal_id}"),
        &admin,
        Some(json!({"name": "Legal & Compliance"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["name"], "Legal & Compliance");
    assert_eq!(reply.json()["slug"], "legal");
    send(
        &app,
        Method::PATCH,
        "/api/v1/admin/departments/999999",
        &admin,
        Some(json!({"name": "X"})),
    )
    .await
    .problem(404);

    // In use: a conflict that says by what; the repositories keep their department.
    let problem = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/departments/{finance_id}"),
        &admin,
        None,
    )
    .await
    .problem(409);
    assert!(
        problem["detail"].as_str().unwrap().contains("repositor"),
        "{problem}"
    );
    let still = app
        .get("/api/v1/admin/departments", Some(&admin))
        .await
        .json();
    assert!(
        still["departments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["slug"] == "finance")
    );

    // A department with a user in it is in use too.
    send(
        &app,
        Method::POST,
        "/api/v1/admin/users",
        &admin,
        Some(json!({"subject": "lou", "department_id": legal_id})),
    )
    .await;
    send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/departments/{legal_id}"),
        &admin,
        None,
    )
    .await
    .problem(409);
    let lou = user_id(&app, &admin, "lou").await;
    send(
        &app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{lou}"),
        &admin,
        Some(json!({"department_id": null})),
    )
    .await;
    let reply = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/departments/{legal_id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/departments/{legal_id}"),
        &admin,
        None,
    )
    .await
    .problem(404);

    let root = user_id(&app, &admin, "root").await;
    let events = trail(&app, &admin, "department", legal_id).await;
    assert_eq!(
        events,
        [
            ("department.created".to_owned(), Some(root)),
            ("department.renamed".to_owned(), Some(root)),
            ("department.deleted".to_owned(), Some(root)),
        ]
    );
}
e2e_test!(departments_are_managed_and_deleted_only_when_unused);
