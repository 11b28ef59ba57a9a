//! The catalog's storage behaviour, on both backends.

use crate::model::{ListingDraft, Maturity, RepositoryUpsert, Role, now, to_json};
use crate::testing::TestDatabase;
use crate::users::UserClaims;
use crate::viewer::Viewer;
use crate::{departments, forges, listings, repositories, stars, storage_test, users};

fn repository(
    forge_id: i64,
    external_id: &str,
    name: &str,
    visibility: &str,
    department_id: Option<i64>,
) -> RepositoryUpsert {
    RepositoryUpsert {
        forge_id,
        external_id: external_id.to_owned(),
        owner: "finance".to_owned(),
        name: name.to_owned(),
        full_name: format!("finance/{name}"),
        description: Some(format!("{name} does things")),
        html_url: format!("https://git.example.org/finance/{name}"),
        default_branch: Some("main".to_owned()),
        visibility: visibility.to_owned(),
        archived: false,
        fork: false,
        mirror: false,
        topics: to_json(&["pdf", "invoicing"]),
        primary_language: Some("Rust".to_owned()),
        languages: "{}".to_owned(),
        license: None,
        stars: 3,
        forks: 0,
        open_issues: 0,
        watchers: 3,
        readme: None,
        has_contributing: false,
        has_code_of_conduct: false,
        owners: "[]".to_owned(),
        department_id,
        metadata: "{}".to_owned(),
        participation: "[]".to_owned(),
        activity_score: None,
        forge_created_at: None,
        forge_updated_at: None,
        forge_pushed_at: None,
        synced_at: Some(now()),
        removed_at: None,
        updated_at: now(),
    }
}

async fn upsert_by_forge_id_updates_in_place_and_keeps_stars(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let forge =
                forges::ensure(conn, "ghe", crate::model::ForgeKind::Github, "https://ghe")?;
            let finance = departments::ensure(conn, "finance", "Finance")?;
            let id = repositories::upsert(
                conn,
                &repository(forge.id, "42", "invoices", "internal", Some(finance.id)),
            )?;
            let user = users::upsert(
                conn,
                &UserClaims {
                    subject: "ana".into(),
                    display_name: "Ana".into(),
                    email: None,
                    department_id: None,
                    role: Role::Employee,
                },
            )?;
            assert!(stars::star(conn, user.id, id)?);
            // The forge renamed it: same forge id, new name.
            let renamed = repositories::upsert(
                conn,
                &repository(forge.id, "42", "billing", "internal", Some(finance.id)),
            )?;
            assert_eq!(
                renamed, id,
                "the same forge id must keep the same catalog entry"
            );
            let stored = repositories::by_id(conn, id)?.unwrap();
            assert_eq!(stored.full_name, "finance/billing");
            assert_eq!(stars::count_for(conn, id)?, 1, "stars survive a rename");
            assert_eq!(repositories::count(conn)?, 1);
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(upsert_by_forge_id_updates_in_place_and_keeps_stars);

async fn starring_twice_is_idempotent_and_unstar_reports_absence(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let forge = forges::ensure(conn, "f", crate::model::ForgeKind::Gitea, "https://gitea")?;
            let id = repositories::upsert(conn, &repository(forge.id, "1", "a", "public", None))?;
            let user = users::upsert(
                conn,
                &UserClaims {
                    subject: "u".into(),
                    display_name: "U".into(),
                    email: None,
                    department_id: None,
                    role: Role::Employee,
                },
            )?;
            assert!(stars::star(conn, user.id, id)?);
            assert!(!stars::star(conn, user.id, id)?);
            assert_eq!(stars::count_for(conn, id)?, 1);
            assert!(stars::unstar(conn, user.id, id)?);
            assert!(!stars::unstar(conn, user.id, id)?);
            assert_eq!(stars::count_for(conn, id)?, 0);
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(starring_twice_is_idempotent_and_unstar_reports_absence);

async fn unpublished_private_repo_is_invisible_to_other_departments(db: TestDatabase) {
    let (finance_id, hr_id, private_id) = db
        .catalog
        .write(|conn| {
            let forge = forges::ensure(conn, "f", crate::model::ForgeKind::Gitlab, "https://gl")?;
            let finance = departments::ensure(conn, "finance", "Finance")?;
            let hr = departments::ensure(conn, "hr", "HR")?;
            let private_id = repositories::upsert(
                conn,
                &repository(forge.id, "7", "secret", "private", Some(finance.id)),
            )?;
            Ok((finance.id, hr.id, private_id))
        })
        .await
        .unwrap();
    let outsider = Viewer {
        user_id: Some(1),
        department_id: Some(hr_id),
        role: Role::Lead,
    };
    let insider = Viewer {
        user_id: Some(2),
        department_id: Some(finance_id),
        role: Role::Employee,
    };
    let admin = Viewer {
        user_id: Some(3),
        department_id: None,
        role: Role::Admin,
    };
    for (viewer, visible) in [
        (&outsider, false),
        (&Viewer::anonymous(), false),
        (&insider, true),
        (&admin, true),
    ] {
        let viewer = *viewer;
        let found = db
            .catalog
            .read(move |conn| Ok(repositories::visible_project(conn, private_id, &viewer).is_ok()))
            .await
            .unwrap();
        assert_eq!(found, visible);
    }
    // Once published, its listing is visible to everyone, and code access must be requested.
    db.catalog
        .write(move |conn| {
            listings::publish(
                conn,
                private_id,
                Some(finance_id),
                None,
                &ListingDraft {
                    title: Some("Secret sauce".into()),
                    maturity: Some(Maturity::Active),
                    skills: vec!["Rust".into()],
                    ..ListingDraft::default()
                },
            )
        })
        .await
        .unwrap();
    let project = db
        .catalog
        .read(move |conn| repositories::visible_project(conn, private_id, &outsider))
        .await
        .unwrap();
    assert_eq!(
        project.listing.as_ref().unwrap().skills().unwrap(),
        ["Rust"]
    );
    assert!(project.requires_access_request(&outsider));
    assert!(!project.requires_access_request(&insider));
}
storage_test!(unpublished_private_repo_is_invisible_to_other_departments);

async fn departments_and_users_are_created_once(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let a = departments::ensure(conn, "Customer Service", "Customer Service")?;
            let b = departments::ensure(conn, "customer-service", "whatever")?;
            assert_eq!(a.id, b.id);
            assert_eq!(a.slug, "customer-service");
            let claims = UserClaims {
                subject: "bo".into(),
                display_name: "Bo".into(),
                email: Some("bo@example.org".into()),
                department_id: Some(a.id),
                role: Role::Employee,
            };
            let first = users::upsert(conn, &claims)?;
            let promoted = users::upsert(
                conn,
                &UserClaims {
                    role: Role::Lead,
                    ..claims
                },
            )?;
            assert_eq!(first.id, promoted.id);
            assert_eq!(promoted.role(), Role::Lead);
            users::set_forge_username(conn, first.id, "ghe", "bo-gh")?;
            let names = users::by_id(conn, first.id)?.unwrap().forge_usernames()?;
            assert_eq!(names.get("ghe").map(String::as_str), Some("bo-gh"));
            assert!(departments::ensure(conn, "--", "").is_err());
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(departments_and_users_are_created_once);

async fn projects_page_walks_every_repository_once_with_star_counts(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let forge = forges::ensure(conn, "f", crate::model::ForgeKind::Github, "https://gh")?;
            let user = users::upsert(
                conn,
                &UserClaims {
                    subject: "s".into(),
                    display_name: "S".into(),
                    email: None,
                    department_id: None,
                    role: Role::Employee,
                },
            )?;
            for i in 0..25 {
                let id = repositories::upsert(
                    conn,
                    &repository(forge.id, &i.to_string(), &format!("r{i}"), "internal", None),
                )?;
                if i % 5 == 0 {
                    stars::star(conn, user.id, id)?;
                }
            }
            Ok(())
        })
        .await
        .unwrap();
    let mut after = 0;
    let mut seen = Vec::new();
    let mut starred = 0;
    loop {
        let page = db
            .catalog
            .read(move |conn| repositories::projects_page(conn, after, 10))
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.repository.id;
        starred += page.iter().filter(|p| p.agora_stars == 1).count();
        seen.extend(page.into_iter().map(|p| p.repository.name));
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(starred, 5);
}
storage_test!(projects_page_walks_every_repository_once_with_star_counts);
