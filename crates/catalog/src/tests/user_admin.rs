//! Admins managing users and departments, on both backends: the rules (a lead needs an existing
//! department, the last active admin stays, a department in use is not deleted, subjects are
//! unique and local ones stay out of the provider's namespace) and the audit event of each step.

use std::collections::BTreeMap;

use diesel::{ExpressionMethods, RunQueryDsl};

use crate::audit::{self, AuditFilter};
use crate::db::DbConnection;
use crate::error::CatalogError;
use crate::model::{ForgeKind, Role, now, to_json};
use crate::testing::TestDatabase;
use crate::users::{NewUser, UserChanges, UserClaims, UserFilter, UserStatus};
use crate::{departments, forges, repositories, storage_test, users};

fn new_user(subject: &str, role: Role, department_id: Option<i64>) -> NewUser {
    NewUser {
        subject: subject.to_owned(),
        display_name: subject.to_uppercase(),
        email: Some(format!("{subject}@example.org")),
        department_id,
        role,
    }
}

fn actions(conn: &mut DbConnection) -> Vec<(String, String, Option<String>)> {
    let mut events = audit::recent(conn, 100).unwrap();
    events.reverse();
    events
}

fn is_conflict<T: std::fmt::Debug>(result: Result<T, CatalogError>) -> bool {
    matches!(result, Err(CatalogError::Conflict(_)))
}

fn is_invalid<T: std::fmt::Debug>(result: Result<T, CatalogError>, field: &str) -> bool {
    matches!(result, Err(CatalogError::Invalid { field: f, .. }) if f == field)
}

async fn created_users_follow_the_rules_and_are_audited(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let finance = departments::create(conn, None, "finance", "Finance")?;
            let root = users::create(conn, None, &new_user("root", Role::Admin, None))?;
            let ana = users::create(
                conn,
                Some(root.id),
                &new_user("ana", Role::Lead, Some(finance.id)),
            )?;
            assert_eq!(
                (ana.display_name.as_str(), ana.role(), ana.department_id),
                ("ANA", Role::Lead, Some(finance.id))
            );
            assert!(ana.is_active());
            // Taken subject: a conflict, not a second row.
            assert!(is_conflict(users::create(
                conn,
                Some(root.id),
                &new_user("ana", Role::Employee, None)
            )));
            // A lead without a department, or with one that does not exist.
            assert!(is_invalid(
                users::create(conn, None, &new_user("lea", Role::Lead, None)),
                "department"
            ));
            assert!(is_invalid(
                users::create(
                    conn,
                    None,
                    &new_user("lea", Role::Lead, Some(finance.id + 99))
                ),
                "department"
            ));
            // Local subjects cannot take the provider's namespace, nor be blank.
            assert!(is_invalid(
                users::create(
                    conn,
                    None,
                    &new_user(
                        &users::provider_subject("https://idp", "ana"),
                        Role::Employee,
                        None
                    )
                ),
                "subject"
            ));
            assert!(is_invalid(
                users::create(conn, None, &new_user("  ", Role::Employee, None)),
                "subject"
            ));
            let mut bad_email = new_user("eve", Role::Employee, None);
            bad_email.email = Some("not-an-address".into());
            assert!(is_invalid(users::create(conn, None, &bad_email), "email"));
            let mut unnamed = new_user("bo", Role::Employee, None);
            unnamed.display_name = "  ".into();
            assert_eq!(users::create(conn, None, &unnamed)?.display_name, "bo");

            let events = actions(conn);
            let ana_id = ana.id.to_string();
            assert!(events.contains(&("user.created".to_owned(), "user".to_owned(), Some(ana_id))));
            assert_eq!(
                events
                    .iter()
                    .filter(|(action, _, _)| action == "user.created")
                    .count(),
                3,
                "{events:?}"
            );
            let by_root = audit::search(
                conn,
                &AuditFilter {
                    actor_id: Some(root.id),
                    ..AuditFilter::default()
                },
                10,
            )?;
            assert_eq!(by_root.len(), 1);
            assert_eq!(by_root[0].department_id, Some(finance.id));
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(created_users_follow_the_rules_and_are_audited);

async fn the_last_active_admin_cannot_be_demoted_or_deactivated(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let root = users::create(conn, None, &new_user("root", Role::Admin, None))?;
            let demote = UserChanges {
                role: Some(Role::Employee),
                ..UserChanges::default()
            };
            assert!(is_conflict(users::update(
                conn,
                Some(root.id),
                root.id,
                &demote
            )));
            assert!(is_conflict(users::deactivate(conn, Some(root.id), root.id)));

            // With a second admin, either step is fine, but not both.
            let ops = users::create(conn, None, &new_user("ops", Role::Admin, None))?;
            let demoted = users::update(conn, Some(ops.id), root.id, &demote)?;
            assert_eq!(demoted.role(), Role::Employee);
            assert!(is_conflict(users::deactivate(conn, Some(ops.id), ops.id)));

            // A deactivated admin does not count as the other admin.
            let promote = UserChanges {
                role: Some(Role::Admin),
                ..UserChanges::default()
            };
            users::update(conn, Some(ops.id), root.id, &promote)?;
            users::deactivate(conn, Some(ops.id), root.id)?;
            assert!(is_conflict(users::update(
                conn,
                Some(ops.id),
                ops.id,
                &demote
            )));
            assert!(is_conflict(users::deactivate(conn, Some(ops.id), ops.id)));
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(the_last_active_admin_cannot_be_demoted_or_deactivated);

async fn updates_change_only_what_is_asked_and_record_the_difference(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let finance = departments::create(conn, None, "finance", "Finance")?;
            let payments = departments::create(conn, None, "payments", "Payments")?;
            let root = users::create(conn, None, &new_user("root", Role::Admin, None))?;
            let ana = users::create(
                conn,
                None,
                &new_user("ana", Role::Employee, Some(finance.id)),
            )?;
            users::set_forge_username(conn, ana.id, "gitlab", "ana-gl")?;
            users::set_forge_username(conn, ana.id, "github", "ana-gh")?;

            let changes = UserChanges {
                display_name: Some("Ana Lopez".into()),
                role: Some(Role::Lead),
                department_id: Some(Some(payments.id)),
                forge_usernames: BTreeMap::from([
                    ("gitea".to_owned(), Some("alopez".to_owned())),
                    ("github".to_owned(), None),
                ]),
                ..UserChanges::default()
            };
            let updated = users::update(conn, Some(root.id), ana.id, &changes)?;
            assert_eq!(updated.display_name, "Ana Lopez");
            assert_eq!(updated.role(), Role::Lead);
            assert_eq!(updated.department_id, Some(payments.id));
            assert_eq!(updated.email.as_deref(), Some("ana@example.org"));
            assert_eq!(
                updated.forge_usernames()?,
                BTreeMap::from([
                    ("gitea".to_owned(), "alopez".to_owned()),
                    ("gitlab".to_owned(), "ana-gl".to_owned()),
                ])
            );
            let event = &audit::search(
                conn,
                &AuditFilter {
                    action: Some("user.updated".into()),
                    ..AuditFilter::default()
                },
                10,
            )?[0];
            assert_eq!(event.actor_id, Some(root.id));
            let details: serde_json::Value = serde_json::from_str(&event.details).unwrap();
            let changed: Vec<&String> = details["changes"].as_object().unwrap().keys().collect();
            assert_eq!(
                changed,
                ["department_id", "display_name", "forge_usernames", "role"]
            );
            assert_eq!(details["changes"]["role"]["from"], "employee");
            assert_eq!(details["changes"]["role"]["to"], "lead");

            // A lead cannot leave their department empty; an unknown department is refused.
            let no_department = UserChanges {
                department_id: Some(None),
                ..UserChanges::default()
            };
            assert!(is_invalid(
                users::update(conn, None, ana.id, &no_department),
                "department"
            ));
            let unknown = UserChanges {
                department_id: Some(Some(payments.id + 99)),
                ..UserChanges::default()
            };
            assert!(is_invalid(
                users::update(conn, None, ana.id, &unknown),
                "department"
            ));
            // Nothing changed: no event.
            let before = actions(conn).len();
            let same = UserChanges {
                role: Some(Role::Lead),
                ..UserChanges::default()
            };
            users::update(conn, None, ana.id, &same)?;
            assert_eq!(actions(conn).len(), before);
            assert!(matches!(
                users::update(conn, None, 999_999, &same),
                Err(CatalogError::NotFound { entity: "user" })
            ));
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(updates_change_only_what_is_asked_and_record_the_difference);

async fn provider_users_keep_the_profile_their_provider_gives(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let subject = users::provider_subject("https://idp.example", "ana");
            let ana = users::upsert(
                conn,
                &UserClaims {
                    subject: subject.clone(),
                    display_name: "Ana".into(),
                    email: None,
                    department_id: None,
                    role: Role::Employee,
                },
            )?;
            // A local user with the bare `sub` is someone else.
            let local = users::create(conn, None, &new_user("ana", Role::Employee, None))?;
            assert_ne!(local.id, ana.id);
            let promote = UserChanges {
                role: Some(Role::Admin),
                ..UserChanges::default()
            };
            assert!(is_conflict(users::update(conn, None, ana.id, &promote)));
            // What Agora alone knows is still the admins' to change.
            let link = UserChanges {
                forge_usernames: BTreeMap::from([("gitlab".to_owned(), Some("ana".to_owned()))]),
                ..UserChanges::default()
            };
            users::update(conn, None, ana.id, &link)?;
            users::deactivate(conn, None, ana.id)?;
            assert!(!users::by_id(conn, ana.id)?.unwrap().is_active());
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(provider_users_keep_the_profile_their_provider_gives);

async fn deactivation_is_reversible_audited_and_survives_logins(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let root = users::create(conn, None, &new_user("root", Role::Admin, None))?;
            let ana = users::create(conn, None, &new_user("ana", Role::Employee, None))?;
            let off = users::deactivate(conn, Some(root.id), ana.id)?;
            assert!(off.deactivated_at.is_some());
            assert!(is_conflict(users::deactivate(conn, Some(root.id), ana.id)));
            // A login that brings claims does not switch the user back on.
            let claims = UserClaims {
                subject: "ana".into(),
                display_name: "Ana".into(),
                email: None,
                department_id: None,
                role: Role::Employee,
            };
            assert!(!users::upsert(conn, &claims)?.is_active());
            let on = users::reactivate(conn, Some(root.id), ana.id)?;
            assert!(on.is_active());
            assert!(is_conflict(users::reactivate(conn, Some(root.id), ana.id)));
            let trail: Vec<String> = actions(conn)
                .into_iter()
                .filter(|(_, kind, id)| kind == "user" && *id == Some(ana.id.to_string()))
                .map(|(action, _, _)| action)
                .collect();
            assert_eq!(
                trail,
                ["user.created", "user.deactivated", "user.reactivated"]
            );
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(deactivation_is_reversible_audited_and_survives_logins);

async fn users_are_listed_by_filter_and_page(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let finance = departments::create(conn, None, "finance", "Finance")?;
            for i in 0..12 {
                let department = (i % 2 == 0).then_some(finance.id);
                let mut user = new_user(&format!("user{i:02}"), Role::Employee, department);
                if i == 7 {
                    user.display_name = "Zoë 100%_Real".into();
                    user.email = None;
                }
                users::create(conn, None, &user)?;
            }
            users::create(conn, None, &new_user("lead", Role::Lead, Some(finance.id)))?;
            let off = users::by_subject(conn, "user03")?.unwrap();
            users::deactivate(conn, None, off.id)?;
            Ok(())
        })
        .await
        .unwrap();
    let list = |filter: UserFilter, offset: i64, limit: i64| {
        let catalog = db.catalog.clone();
        async move {
            let (page, total) = catalog
                .read(move |conn| users::list(conn, &filter, offset, limit))
                .await
                .unwrap();
            (
                page.into_iter().map(|u| u.subject).collect::<Vec<_>>(),
                total,
            )
        }
    };
    let (first, total) = list(UserFilter::default(), 0, 5).await;
    assert_eq!(total, 13);
    assert_eq!(first, ["lead", "user00", "user01", "user02", "user03"]);
    let (last, _) = list(UserFilter::default(), 10, 5).await;
    assert_eq!(last, ["user09", "user10", "user11"]);

    let finance = db
        .catalog
        .read(|conn| departments::by_slug(conn, "finance"))
        .await
        .unwrap()
        .unwrap();
    let in_finance = UserFilter {
        department_id: Some(finance.id),
        ..UserFilter::default()
    };
    assert_eq!(list(in_finance.clone(), 0, 50).await.1, 7);
    let leads = UserFilter {
        role: Some(Role::Lead),
        ..in_finance
    };
    assert_eq!(list(leads, 0, 50).await.0, ["lead"]);
    // Text: case-insensitive, over subject, name and email; LIKE wildcards are literal.
    for (text, expected) in [
        ("USER1", vec!["user10", "user11"]),
        ("zoë 100%", vec!["user07"]),
        ("0%_", vec!["user07"]),
        ("user05@EXAMPLE", vec!["user05"]),
        ("%", vec!["user07"]),
    ] {
        let filter = UserFilter {
            text: Some(text.to_owned()),
            ..UserFilter::default()
        };
        assert_eq!(list(filter, 0, 50).await.0, expected, "{text}");
    }
    let deactivated = UserFilter {
        status: UserStatus::Deactivated,
        ..UserFilter::default()
    };
    assert_eq!(list(deactivated, 0, 50).await.0, ["user03"]);
    let active = UserFilter {
        status: UserStatus::Active,
        ..UserFilter::default()
    };
    assert_eq!(list(active, 0, 50).await.1, 12);
}
storage_test!(users_are_listed_by_filter_and_page);

fn repository(forge_id: i64, department_id: Option<i64>) -> crate::model::RepositoryUpsert {
    crate::model::RepositoryUpsert {
        forge_id,
        external_id: "1".into(),
        owner: "fin".into(),
        name: "ledger".into(),
        full_name: "fin/ledger".into(),
        description: None,
        html_url: "https://git.example.org/fin/ledger".into(),
        default_branch: None,
        visibility: "internal".into(),
        archived: false,
        fork: false,
        mirror: false,
        topics: "[]".into(),
        primary_language: None,
        languages: "{}".into(),
        license: None,
        stars: 0,
        forks: 0,
        open_issues: 0,
        watchers: 0,
        readme: None,
        has_contributing: false,
        has_code_of_conduct: false,
        owners: "[]".into(),
        department_id,
        metadata: "{}".into(),
        participation: "[]".into(),
        activity_score: None,
        forge_created_at: None,
        forge_updated_at: None,
        forge_pushed_at: None,
        synced_at: Some(now()),
        removed_at: None,
        updated_at: now(),
    }
}

async fn departments_are_counted_renamed_and_deleted_only_when_unused(db: TestDatabase) {
    db.catalog
        .write(|conn| {
            let finance = departments::create(conn, None, "finance", "Finance")?;
            let empty = departments::create(conn, None, "empty", "Nobody here")?;
            assert!(is_conflict(departments::create(
                conn, None, "finance", "Again"
            )));
            for bad in ["Finance", "two words", "", "a--b"] {
                assert!(
                    is_invalid(departments::create(conn, None, bad, "X"), "slug"),
                    "{bad}"
                );
            }
            assert!(is_invalid(
                departments::create(conn, None, "ok", "  "),
                "name"
            ));

            let forge = forges::ensure(conn, "ghe", ForgeKind::Github, "https://ghe")?;
            repositories::upsert(conn, &repository(forge.id, Some(finance.id)))?;
            let ana = users::create(
                conn,
                None,
                &new_user("ana", Role::Employee, Some(finance.id)),
            )?;
            users::create(conn, None, &new_user("bo", Role::Lead, Some(finance.id)))?;

            let summaries = departments::list_with_counts(conn)?;
            let counts: Vec<(&str, i64, i64)> = summaries
                .iter()
                .map(|s| (s.department.slug.as_str(), s.users, s.repositories))
                .collect();
            assert_eq!(counts, [("empty", 0, 0), ("finance", 2, 1)]);

            let renamed = departments::rename(conn, Some(ana.id), finance.id, "Finance & Control")?;
            assert_eq!(
                (renamed.slug.as_str(), renamed.name.as_str()),
                ("finance", "Finance & Control")
            );
            assert!(matches!(
                departments::rename(conn, None, 999_999, "X"),
                Err(CatalogError::NotFound {
                    entity: "department"
                })
            ));

            // In use: refused, with what still refers to it; nothing is lost.
            let refused = departments::delete(conn, None, finance.id);
            let Err(CatalogError::Conflict(message)) = refused else {
                panic!("expected a conflict, got {refused:?}");
            };
            assert!(
                message.contains("2 user(s)") && message.contains("1 repository"),
                "{message}"
            );
            assert_eq!(
                users::by_id(conn, ana.id)?.unwrap().department_id,
                Some(finance.id)
            );

            // A forge's department map counts as a reference too.
            diesel::update(crate::schema::forges::table)
                .set(
                    crate::schema::forges::department_map.eq(to_json(&BTreeMap::from([(
                        "nobody-org".to_owned(),
                        "empty".to_owned(),
                    )]))),
                )
                .execute(conn)?;
            assert!(is_conflict(departments::delete(conn, None, empty.id)));
            diesel::update(crate::schema::forges::table)
                .set(crate::schema::forges::department_map.eq("{}"))
                .execute(conn)?;
            departments::delete(conn, Some(ana.id), empty.id)?;
            assert!(departments::by_slug(conn, "empty")?.is_none());

            let trail: Vec<String> = actions(conn)
                .into_iter()
                .filter(|(_, kind, _)| kind == "department")
                .map(|(action, _, _)| action)
                .collect();
            assert_eq!(
                trail,
                [
                    "department.created",
                    "department.created",
                    "department.renamed",
                    "department.deleted"
                ]
            );
            Ok(())
        })
        .await
        .unwrap();
}
storage_test!(departments_are_counted_renamed_and_deleted_only_when_unused);
