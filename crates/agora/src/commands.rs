//! One function per command. Each opens what it needs and nothing more: `export`, `token`,
//! `user` and `department` touch only the catalog, so they run beside a server that holds the
//! index.

use std::time::Instant;

use agora_api::{AppState, TokenKeys, TokenSubject};
use agora_catalog::model::Role;
use agora_catalog::users::{self, NewUser};
use agora_catalog::{Catalog, CatalogError, Viewer, departments};
use agora_indexer::{Indexer, NoProgress, Progress};
use agora_search::SearchIndex;
use anyhow::Context;

use crate::cli::{
    Cli, Command, ExportArgs, ForgeCommand, ImportArgs, ServeArgs, TokenCommand, TokenIssueArgs,
};
use crate::progress::Bar;
use crate::settings::Settings;

/// The bundled demo catalog: 64 projects of 8 departments, in repos.json form.
const DEMO_CATALOG: &str = include_str!("../demo/repos.json");

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_args(&cli.global)?;
    match cli.command {
        Command::Serve(args) => serve(&settings, *args).await,
        Command::Migrate => migrate(&settings),
        Command::Import(args) => import(&settings, args).await,
        Command::Export(args) => export(&settings, args).await,
        Command::Reindex => reindex(&settings).await,
        Command::Token(TokenCommand::Issue(args)) => issue_token(&settings, args).await,
        Command::Forge(ForgeCommand::Add(args)) => {
            crate::forges::add(&settings, &open_catalog(&settings)?, *args).await
        }
        Command::Forge(ForgeCommand::List) => crate::forges::list(&open_catalog(&settings)?).await,
        Command::Sync(args) => {
            let indexer = open_indexer(&settings, &Bar::new()).await?;
            crate::forges::sync(&settings, &indexer, args).await
        }
        Command::User(command) => crate::users::run(&open_catalog(&settings)?, command).await,
        Command::Department(command) => {
            crate::departments::run(&open_catalog(&settings)?, command).await
        }
    }
}

fn open_catalog(settings: &Settings) -> anyhow::Result<Catalog> {
    Catalog::open(&settings.database_url).with_context(|| {
        format!(
            "opening the catalog at {}",
            settings.database_url.redacted()
        )
    })
}

/// Opens catalog and index; fills the index from the catalog when it is new, was rebuilt, or
/// does not hold what the catalog holds.
async fn open_indexer(settings: &Settings, progress: &dyn Progress) -> anyhow::Result<Indexer> {
    let catalog = open_catalog(settings)?;
    let (index, outcome) = SearchIndex::open_in_dir(&settings.index_dir).with_context(|| {
        format!(
            "opening the search index at {}",
            settings.index_dir.display()
        )
    })?;
    let indexer = Indexer::new(catalog, index);
    let in_catalog = indexer
        .catalog
        .read(agora_catalog::repositories::count)
        .await?;
    let in_index = indexer.index.num_docs();
    if outcome.needs_fill() || u64::try_from(in_catalog).ok() != Some(in_index) {
        tracing::info!(
            ?outcome,
            in_catalog,
            in_index,
            "filling the search index from the catalog"
        );
        indexer.reindex(progress).await?;
        // In the background: searches are served meanwhile, and a command that ends first
        // waits for the merge when its index closes.
        let index = indexer.index.clone();
        tokio::spawn(async move {
            if let Err(e) = index.merge_segments().await {
                tracing::warn!(error = %e, "could not merge the index after filling it");
            }
        });
    }
    Ok(indexer)
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = agora_catalog::db::connect(&settings.database_url)
        .with_context(|| format!("connecting to {}", settings.database_url.redacted()))?;
    let applied = agora_catalog::db::run_migrations(&mut conn)?;
    if applied.is_empty() {
        println!("{}: schema is up to date", settings.database_url.redacted());
    } else {
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}

async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let bar = Bar::new();
    let indexer = open_indexer(settings, &bar).await?;
    let report = indexer
        .import_repos_json(&args.forge_name, &text, &bar)
        .await?;
    println!(
        "imported {} repositories from {}",
        report.imported,
        args.file.display()
    );
    indexer
        .index
        .merge_segments()
        .await
        .context("merging the index after the import")?;
    for rejected in &report.rejected {
        eprintln!("skipped entry {}: {}", rejected.index, rejected.reason);
    }
    anyhow::ensure!(
        report.imported > 0 || report.rejected.is_empty(),
        "no entry of {} could be imported",
        args.file.display()
    );
    Ok(())
}

async fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let catalog = open_catalog(settings)?;
    let bar = Bar::new();
    let repositories =
        agora_indexer::export::export_repos_json(&catalog, &Viewer::system(), &bar).await?;
    let text = agora_forge::repos_json::write(&repositories);
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "exported {} repositories to {}",
                repositories.len(),
                path.display()
            );
        }
        None => println!("{text}"),
    }
    Ok(())
}

async fn reindex(settings: &Settings) -> anyhow::Result<()> {
    let catalog = open_catalog(settings)?;
    let (index, _) = SearchIndex::open_in_dir(&settings.index_dir).with_context(|| {
        format!(
            "opening the search index at {} (is a server running on it?)",
            settings.index_dir.display()
        )
    })?;
    let started = Instant::now();
    let indexer = Indexer::new(catalog, index);
    let indexed = indexer.reindex(&Bar::new()).await?;
    println!(
        "indexed {indexed} projects in {:.2}s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    indexer
        .index
        .merge_segments()
        .await
        .context("merging the rebuilt index")?;
    println!(
        "merged the index into one segment in {:.2}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn issue_token(settings: &Settings, args: TokenIssueArgs) -> anyhow::Result<()> {
    let catalog = open_catalog(settings)?;
    let keys = TokenKeys::from_secret(&settings.instance_secret()?)?;
    let request = TokenRequest {
        subject: args.user,
        name: args.name,
        email: args.email,
        department: args.department,
        role: args.role.map(Role::from),
    };
    let token = register_and_issue(
        &catalog,
        &keys,
        request,
        chrono::Duration::days(i64::from(args.ttl_days)),
    )
    .await?;
    println!("{token}");
    Ok(())
}

/// Who a token is asked for. What the catalog already knows about a user wins: the request
/// describes a new user only, and must not contradict a known one.
struct TokenRequest {
    subject: String,
    name: Option<String>,
    email: Option<String>,
    department: Option<String>,
    role: Option<Role>,
}

/// Finds the user (or records a new one, with their department) and signs a token that says
/// what the catalog holds about them. A deactivated user gets none.
async fn register_and_issue(
    catalog: &Catalog,
    keys: &TokenKeys,
    request: TokenRequest,
    ttl: chrono::Duration,
) -> anyhow::Result<String> {
    let (user, department) = catalog
        .write(move |conn| {
            let subject = request.subject.trim().to_owned();
            // Provider users prove who they are to the provider; a local token for one would be
            // refused anyway.
            users::check_local_subject(&subject)?;
            let wanted_department = request
                .department
                .as_deref()
                .map(departments::slugify)
                .filter(|slug| !slug.is_empty());
            let user = match users::by_subject(conn, &subject)? {
                Some(user) => {
                    if !user.is_active() {
                        return Err(CatalogError::Conflict(format!(
                            "`{subject}` is deactivated: `agora user reactivate {subject}` first"
                        )));
                    }
                    if let Some(role) = request.role
                        && role != user.role()
                    {
                        return Err(CatalogError::Conflict(format!(
                            "`{subject}` is {} in the catalog: change it with `agora user set-role {subject} {role}`",
                            user.role()
                        )));
                    }
                    if let Some(slug) = &wanted_department {
                        let current = match user.department_id {
                            Some(id) => departments::by_id(conn, id)?.map(|d| d.slug),
                            None => None,
                        };
                        if current.as_deref() != Some(slug.as_str()) {
                            return Err(CatalogError::Conflict(format!(
                                "`{subject}` is in department {} in the catalog, not {slug}: \
                                 move them with `agora user set-role … --department` or the admin API",
                                current.as_deref().unwrap_or("(none)")
                            )));
                        }
                    }
                    user
                }
                None => {
                    let department_id = match (&wanted_department, &request.department) {
                        (Some(slug), Some(name)) => {
                            Some(departments::ensure(conn, slug, name)?.id)
                        }
                        _ => None,
                    };
                    users::create(
                        conn,
                        None,
                        &NewUser {
                            subject,
                            display_name: request.name.unwrap_or_default(),
                            email: request.email,
                            department_id,
                            role: request.role.unwrap_or(Role::Employee),
                        },
                    )?
                }
            };
            let department = match user.department_id {
                Some(id) => departments::by_id(conn, id)?.map(|d| d.slug),
                None => None,
            };
            Ok((user, department))
        })
        .await?;
    let subject = TokenSubject {
        role: user.role(),
        subject: user.subject,
        name: Some(user.display_name),
        email: user.email,
        department,
    };
    Ok(keys.issue(&subject, ttl)?)
}

async fn serve(settings: &Settings, args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut indexer = open_indexer(settings, &NoProgress).await?;
    indexer.index = indexer.index.with_answer_cache(args.search_cache_entries);
    if args.demo
        && indexer
            .catalog
            .read(agora_catalog::repositories::count)
            .await?
            == 0
    {
        let report = indexer
            .import_repos_json("demo", DEMO_CATALOG, &NoProgress)
            .await?;
        tracing::info!(
            imported = report.imported,
            "loaded the bundled demo catalog"
        );
    }
    let secret = settings.instance_secret()?;
    let keys = TokenKeys::from_secret(&secret)?;
    let identity = crate::settings::identity(&args.identity, &secret)?;
    if let Some(provider) = &identity.oidc {
        // Not fatal: the provider may come up later; the first login then fetches it.
        match provider.warm_up().await {
            Ok(()) => tracing::info!(issuer = %provider.config().issuer, "OpenID provider ready"),
            Err(error) => tracing::warn!(%error, "the OpenID provider is not reachable yet"),
        }
    }
    tracing::info!(mode = identity.mode(), "authentication");
    let admin = TokenRequest {
        subject: "admin".to_owned(),
        name: Some("Agora admin".to_owned()),
        email: None,
        department: None,
        role: Some(Role::Admin),
    };
    // The built-in admin, for a first start with zero configuration. Once admins have demoted or
    // deactivated it, it stays that way: no token then, and the server starts all the same.
    let admin_token = match register_and_issue(
        &indexer.catalog,
        &keys,
        admin,
        chrono::Duration::days(30),
    )
    .await
    {
        Ok(token) => Some(token),
        Err(error) => {
            tracing::warn!(%error, "no token for the built-in admin");
            None
        }
    };
    let syncs = agora_indexer::service::SyncService::new(
        indexer.clone(),
        settings.secret_box()?,
        agora_forge::HttpLimits::default(),
    )
    .with_notifications(agora_indexer::notify::NotifyConfig {
        webhooks: args
            .notify
            .notify_webhooks
            .iter()
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .collect(),
        smtp_url: args.notify.smtp_url.clone(),
        email_from: args.notify.email_from.clone(),
        public_url: args.identity.public_url.clone(),
    });
    tokio::spawn(syncs.clone().run_notifications());
    // Scheduled syncs: each forge on its own interval, never two at once for one forge.
    tokio::spawn(syncs.clone().run_schedule());
    let state = AppState {
        indexer,
        tokens: keys,
        identity,
        syncs,
        // Read from the environment only, like every secret: a command line is public.
        metrics: agora_api::Metrics::new(std::env::var("AGORA_METRICS_TOKEN").ok())?,
    };
    let server = actix_web::HttpServer::new(move || agora_api::app(state.clone()))
        .bind(args.bind)
        .with_context(|| format!("binding {}", args.bind))?
        .run();
    println!(
        "Agora is ready at http://{} (started in {} ms)",
        args.bind,
        started.elapsed().as_millis()
    );
    if let Some(admin_token) = admin_token {
        println!("Admin token (30 days): {admin_token}");
    }
    println!(
        "Try: curl -H 'Authorization: Bearer <token>' http://{}/api/v1/me/stars",
        args.bind
    );
    server.await.context("serving HTTP")?;
    Ok(())
}
