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

fn employee(conn: &mut crate::DbConnection, subject: &str) -> i64 {
    users::upsert(
        conn,
        &UserClaims {
            subject: subject.into(),
            display_name: subject.into(),
            email: None,
            department_id: None,
            role: Role::Employee,
        },
    )
    .unwrap()
    .id
}

const ORIGINAL: &str = "github.example.org/acme/widgets";
const MIRROR: &str = "gitea.example.org/acme/widgets";

/// A GitHub original and a Gitea mirror of it: (original id, mirror id, gitea forge name).
fn original_and_mirror(conn: &mut crate::DbConnection) -> (i64, i64) {
    let github = forges::ensure(conn, "gh", crate::model::ForgeKind::Github, "https://gh").unwrap();
    let gitea = forges::ensure(conn, "tea", crate::model::ForgeKind::Gitea, "https://tea").unwrap();
    let original =
        repositories::upsert(conn, &repository(github.id, "1", "widgets", "public", None)).unwrap();
    let mut mirror = repository(gitea.id, "7", "widgets", "public", None);
    mirror.html_url = "https://gitea.example.org/acme/widgets".to_owned();
    mirror.mirror = true;
    let mirror = repositories::upsert(conn, &mirror).unwrap();
    (original, mirror)
}

async fn a_mirror_synced_after_its_original_joins_its_project_with_its_stars_and_requests(
    db: TestDatabase,
) {
    db.catalog
        .write(|conn| {
            let (original, mirror) = original_and_mirror(conn);
            assert!(
                repositories::record_source_keys(conn, original, Some(ORIGINAL), None)?.is_empty()
            );
            // Before the link, the mirror is a project of its own: starred and requested there.
            let (ana, bob, cy) = (
                employee(conn, "ana"),
                employee(conn, "bob"),
                employee(conn, "cy"),
            );
            stars::star(conn, ana, mirror)?;
            stars::star(conn, cy, mirror)?;
            stars::star(conn, cy, original)?;
            let request =
                crate::access_requests::create(conn, bob, mirror, "I need the widgets", None)?;

            let changed =
                repositories::record_source_keys(conn, mirror, Some(MIRROR), Some(ORIGINAL))?;

            assert_eq!(changed, vec![original.min(mirror), original.max(mirror)]);
            let project = repositories::project(conn, original)?.unwrap();
            let sources: Vec<_> = project
                .sources
                .iter()
                .map(|s| (s.forge_name.as_str(), s.forge_kind.as_str(), s.mirror))
                .collect();
            assert_eq!(sources, [("gh", "github", false), ("tea", "gitea", true)]);
            assert_eq!(
                project.sources[1].html_url,
                "https://gitea.example.org/acme/widgets"
            );
            // Ana's star moved; Cy's second star stays on the mirror row, not deleted, not counted twice.
            assert_eq!(project.agora_stars, 2);
            assert_eq!(stars::count_for(conn, mirror)?, 1);
            let moved = crate::access_requests::by_id(conn, request.id)?.unwrap();
            assert_eq!(
                moved.repository_id, original,
                "the primary owns the open request"
            );
            let as_mirror = repositories::project(conn, mirror)?.unwrap();
            assert_eq!(as_mirror.mirror_of, Some(original));
            assert_eq!(as_mirror.sources, project.sources);
            assert!(!as_mirror.is_visible_to(&Viewer::system()));
            assert!(repositories::visible_project(conn, mirror, &Viewer::anonymous()).is_err());
            assert_eq!(repositories::project_id_of(conn, mirror)?, original);
            let page: Vec<i64> = repositories::projects_page(conn, 0, 10)?
                .iter()
                .map(|p| p.repository.id)
                .collect();
            assert_eq!(page, vec![original], "one project, not two");
            assert_eq!(repositories::count(conn)?, 2, "linking deletes no row");
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(a_mirror_synced_after_its_original_joins_its_project_with_its_stars_and_requests);

async fn an_original_synced_after_its_mirror_adopts_it_and_unlinking_gives_it_back(
    db: TestDatabase,
) {
    db.catalog
        .write(|conn| {
            let (original, mirror) = original_and_mirror(conn);
            // The mirror first: its upstream is unknown, so it stays a project of its own.
            assert!(
                repositories::record_source_keys(conn, mirror, Some(MIRROR), Some(ORIGINAL))?
                    .is_empty()
            );
            let alone = repositories::project(conn, mirror)?.unwrap();
            assert_eq!(alone.mirror_of, None);
            assert_eq!(alone.sources.len(), 1);
            assert!(alone.is_visible_to(&Viewer::anonymous()));

            let changed = repositories::record_source_keys(conn, original, Some(ORIGINAL), None)?;

            assert!(changed.contains(&mirror) && changed.contains(&original));
            assert_eq!(
                repositories::project(conn, mirror)?.unwrap().mirror_of,
                Some(original)
            );
            assert_eq!(
                repositories::project(conn, original)?
                    .unwrap()
                    .sources
                    .len(),
                2
            );
            // Re-syncing either side changes nothing.
            assert!(
                repositories::record_source_keys(conn, original, Some(ORIGINAL), None)?.is_empty()
            );
            assert!(
                repositories::record_source_keys(conn, mirror, Some(MIRROR), Some(ORIGINAL))?
                    .is_empty()
            );

            // The forge no longer calls it a mirror: it is a project of its own again.
            let changed = repositories::record_source_keys(conn, mirror, Some(MIRROR), None)?;

            assert!(changed.contains(&mirror) && changed.contains(&original));
            assert_eq!(
                repositories::project(conn, mirror)?.unwrap().mirror_of,
                None
            );
            assert_eq!(
                repositories::project(conn, original)?
                    .unwrap()
                    .sources
                    .len(),
                1
            );
            assert_eq!(repositories::projects_page(conn, 0, 10)?.len(), 2);
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(an_original_synced_after_its_mirror_adopts_it_and_unlinking_gives_it_back);

async fn mirrors_link_to_the_end_of_a_chain_never_in_a_cycle_and_outlive_a_removed_primary(
    db: TestDatabase,
) {
    db.catalog
        .write(|conn| {
            let (original, mirror) = original_and_mirror(conn);
            let gitlab =
                forges::ensure(conn, "lab", crate::model::ForgeKind::Gitlab, "https://lab")?;
            let second = repositories::upsert(
                conn,
                &repository(gitlab.id, "9", "widgets", "internal", None),
            )?;
            repositories::record_source_keys(conn, original, Some(ORIGINAL), None)?;
            repositories::record_source_keys(conn, mirror, Some(MIRROR), Some(ORIGINAL))?;
            // A mirror of the mirror joins the same project, not a project inside a project.
            repositories::record_source_keys(conn, second, Some("lab/acme/widgets"), Some(MIRROR))?;
            assert_eq!(
                repositories::project(conn, second)?.unwrap().mirror_of,
                Some(original)
            );
            assert_eq!(
                repositories::project(conn, original)?
                    .unwrap()
                    .sources
                    .len(),
                3
            );
            // Two repositories each calling the other its upstream: one stays the project.
            repositories::record_source_keys(conn, original, Some(ORIGINAL), Some(MIRROR))?;
            assert_eq!(
                repositories::project(conn, original)?.unwrap().mirror_of,
                None
            );
            assert_eq!(repositories::projects_page(conn, 0, 10)?.len(), 1);

            // The original is gone from its forge: its mirrors stand on their own again.
            repositories::mark_removed(conn, original)?;
            let mut released = repositories::release_mirrors(conn, original)?;
            released.sort_unstable();
            assert_eq!(released, vec![mirror.min(second), mirror.max(second)]);
            assert_eq!(
                repositories::project(conn, mirror)?.unwrap().mirror_of,
                None
            );
            // On their next sync they do not link back to the removed repository; the mirror of
            // the mirror joins the one still there.
            repositories::record_source_keys(conn, mirror, Some(MIRROR), Some(ORIGINAL))?;
            assert_eq!(
                repositories::project(conn, mirror)?.unwrap().mirror_of,
                None
            );
            assert_eq!(
                repositories::project(conn, second)?.unwrap().mirror_of,
                Some(mirror)
            );
            assert_eq!(
                repositories::project(conn, original)?.unwrap().mirror_of,
                None
            );
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(mirrors_link_to_the_end_of_a_chain_never_in_a_cycle_and_outlive_a_removed_primary);
