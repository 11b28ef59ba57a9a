//! `agora user …`: managing users from the command line. This is the bootstrap path (the first
//! admin is created here, before anyone can call the admin API) and it goes through the same
//! catalog use-cases as the API, so the same rules hold (a lead's department exists, the last
//! active admin stays) and every step is in the audit trail, with no actor: whoever holds the
//! database acts as the system.

use agora_catalog::model::{Role, User};
use agora_catalog::users::{self, NewUser, UserChanges, UserFilter, UserStatus};
use agora_catalog::{Catalog, CatalogError, CatalogResult, DbConnection, departments};

use crate::cli::{UserAddArgs, UserCommand, UserListArgs, UserSetRoleArgs, UserStatusArg};

pub async fn run(catalog: &Catalog, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => add(catalog, args).await,
        UserCommand::List(args) => list(catalog, args).await,
        UserCommand::SetRole(args) => set_role(catalog, args).await,
        UserCommand::Deactivate(args) => {
            let user = catalog
                .write(move |conn| {
                    let user = by_subject(conn, &args.subject)?;
                    users::deactivate(conn, None, user.id)
                })
                .await?;
            println!(
                "deactivated {}: their tokens and sessions are refused",
                user.subject
            );
            Ok(())
        }
        UserCommand::Reactivate(args) => {
            let user = catalog
                .write(move |conn| {
                    let user = by_subject(conn, &args.subject)?;
                    users::reactivate(conn, None, user.id)
                })
                .await?;
            println!("reactivated {}", user.subject);
            Ok(())
        }
    }
}

fn by_subject(conn: &mut DbConnection, subject: &str) -> CatalogResult<User> {
    users::by_subject(conn, subject.trim())?.ok_or(CatalogError::not_found("user"))
}

/// The id of the department with this slug, or an error that says how to create it.
pub fn department_id(conn: &mut DbConnection, slug: &str) -> CatalogResult<i64> {
    let slug = departments::slugify(slug);
    departments::by_slug(conn, &slug)?
        .map(|d| d.id)
        .ok_or_else(|| {
            CatalogError::invalid(
                "department",
                format!("`{slug}` does not exist; create it with `agora department add {slug}`"),
            )
        })
}

async fn add(catalog: &Catalog, args: UserAddArgs) -> anyhow::Result<()> {
    let user = catalog
        .write(move |conn| {
            let department_id = args
                .department
                .as_deref()
                .map(|slug| department_id(conn, slug))
                .transpose()?;
            users::create(
                conn,
                None,
                &NewUser {
                    subject: args.subject,
                    display_name: args.name.unwrap_or_default(),
                    email: args.email,
                    department_id,
                    role: args.role.into(),
                },
            )
        })
        .await?;
    println!(
        "added {} ({}, {}); give them a token with `agora token issue --user {}`",
        user.subject,
        user.display_name,
        user.role(),
        user.subject
    );
    Ok(())
}

async fn list(catalog: &Catalog, args: UserListArgs) -> anyhow::Result<()> {
    let (page, total, departments) = catalog
        .read(move |conn| {
            let filter = UserFilter {
                department_id: args
                    .department
                    .as_deref()
                    .map(|slug| department_id(conn, slug))
                    .transpose()?,
                role: args.role.map(Role::from),
                text: args.query,
                status: match args.status {
                    UserStatusArg::Any => UserStatus::Any,
                    UserStatusArg::Active => UserStatus::Active,
                    UserStatusArg::Deactivated => UserStatus::Deactivated,
                },
            };
            let (page, total) = users::list(conn, &filter, args.offset, args.limit)?;
            Ok((page, total, departments::list(conn)?))
        })
        .await?;
    println!(
        "{:<32} {:<24} {:<9} {:<20} {:<11}",
        "SUBJECT", "NAME", "ROLE", "DEPARTMENT", "STATUS"
    );
    for user in &page {
        let department = user
            .department_id
            .and_then(|id| departments.iter().find(|d| d.id == id))
            .map_or("-", |d| d.slug.as_str());
        println!(
            "{:<32} {:<24} {:<9} {:<20} {:<11}",
            user.subject,
            user.display_name,
            user.role(),
            department,
            if user.is_active() {
                "active"
            } else {
                "deactivated"
            }
        );
    }
    eprintln!("{} of {total} user(s)", page.len());
    Ok(())
}

async fn set_role(catalog: &Catalog, args: UserSetRoleArgs) -> anyhow::Result<()> {
    let user = catalog
        .write(move |conn| {
            let user = by_subject(conn, &args.subject)?;
            let department_id = args
                .department
                .as_deref()
                .map(|slug| department_id(conn, slug))
                .transpose()?;
            users::update(
                conn,
                None,
                user.id,
                &UserChanges {
                    role: Some(args.role.into()),
                    department_id: department_id.map(Some),
                    ..UserChanges::default()
                },
            )
        })
        .await?;
    println!(
        "{} is now {} (from their next request on, with the tokens they already hold too)",
        user.subject,
        user.role()
    );
    Ok(())
}
