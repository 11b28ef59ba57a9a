//! `agora department …`: managing departments from the command line, through the same catalog
//! use-cases as the admin API (so the same rules and the same audit events, with no actor).

use agora_catalog::{Catalog, CatalogError, departments};

use crate::cli::DepartmentCommand;

pub async fn run(catalog: &Catalog, command: DepartmentCommand) -> anyhow::Result<()> {
    match command {
        DepartmentCommand::Add(args) => {
            let name = args
                .name
                .unwrap_or_else(|| agora_indexer::import::department_display_name(&args.slug));
            let department = catalog
                .write(move |conn| departments::create(conn, None, &args.slug, &name))
                .await?;
            println!("added department {} ({})", department.slug, department.name);
        }
        DepartmentCommand::List => {
            let summaries = catalog.read(departments::list_with_counts).await?;
            println!(
                "{:<24} {:<32} {:>6} {:>12}",
                "SLUG", "NAME", "USERS", "REPOSITORIES"
            );
            for s in &summaries {
                println!(
                    "{:<24} {:<32} {:>6} {:>12}",
                    s.department.slug, s.department.name, s.users, s.repositories
                );
            }
        }
        DepartmentCommand::Rename(args) => {
            let department = catalog
                .write(move |conn| {
                    let found = departments::by_slug(conn, args.slug.trim())?
                        .ok_or(CatalogError::not_found("department"))?;
                    departments::rename(conn, None, found.id, &args.name)
                })
                .await?;
            println!("renamed {} to {}", department.slug, department.name);
        }
        DepartmentCommand::Remove(args) => {
            let slug = args.slug.trim().to_owned();
            catalog
                .write(move |conn| {
                    let found = departments::by_slug(conn, &slug)?
                        .ok_or(CatalogError::not_found("department"))?;
                    departments::delete(conn, None, found.id)
                })
                .await?;
            println!("removed department {}", args.slug.trim());
        }
    }
    Ok(())
}
