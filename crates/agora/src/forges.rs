//! `agora forge …` and `agora sync`: connecting forges and syncing them.

use std::collections::BTreeMap;

use agora_catalog::model::ForgeKind;
use agora_catalog::{Catalog, forges, sync_runs};
use agora_forge::HttpLimits;
use agora_indexer::Indexer;
use agora_indexer::sync::{SyncOptions, SyncReport};
use anyhow::Context;
use serde_json::json;

use crate::cli::{ForgeAddArgs, ForgeKindArg, SyncArgs};
use crate::progress::Bar;
use crate::settings::Settings;

fn kind(arg: ForgeKindArg) -> ForgeKind {
    match arg {
        ForgeKindArg::Github => ForgeKind::Github,
        ForgeKindArg::Gitlab => ForgeKind::Gitlab,
        ForgeKindArg::Gitea => ForgeKind::Gitea,
        ForgeKindArg::Bitbucket => ForgeKind::Bitbucket,
        ForgeKindArg::GitDirectory => ForgeKind::GitDirectory,
    }
}

/// `org=dept` pairs into a map; a malformed pair is an error that names it.
pub fn parse_department_map(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((owner, department))
                if !owner.trim().is_empty() && !department.trim().is_empty() =>
            {
                Ok((
                    owner.trim().to_owned(),
                    agora_catalog::departments::slugify(department),
                ))
            }
            _ => {
                anyhow::bail!("--department-map entry `{pair}` is not of the form owner=department")
            }
        })
        .collect()
}

pub async fn add(settings: &Settings, catalog: &Catalog, args: ForgeAddArgs) -> anyhow::Result<()> {
    let scope = match (
        &args.org,
        &args.group,
        &args.project,
        &args.path,
        args.installation,
    ) {
        (Some(org), ..) => json!({ "org": org }),
        (_, Some(group), ..) => json!({ "group": group }),
        (_, _, Some(project), ..) => json!({ "project": project }),
        (_, _, _, Some(path), _) => json!({ "path": path }),
        (.., true) => json!({ "installation": true }),
        _ => json!({}),
    };
    let secrets = settings.secret_box()?;
    let sealed_from_env = |var: &Option<String>| -> anyhow::Result<Option<String>> {
        match var {
            Some(var) => {
                let value = std::env::var(var)
                    .with_context(|| format!("the environment variable {var} is not set"))?;
                anyhow::ensure!(
                    !value.trim().is_empty(),
                    "the environment variable {var} is empty"
                );
                Ok(Some(secrets.seal(value.trim())?))
            }
            None => Ok(None),
        }
    };
    let token_encrypted = sealed_from_env(&args.token_env)?;
    let webhook_secret_encrypted = sealed_from_env(&args.webhook_secret_env)?;
    let forge = forges::NewForge {
        name: args.name.clone(),
        kind: kind(args.kind),
        base_url: args.base_url.trim_end_matches('/').to_owned(),
        scope,
        token_encrypted,
        department_map: parse_department_map(&args.department_map)?,
        sync_interval_secs: i64::from(args.interval_minutes) * 60,
        webhook_secret_encrypted,
    };
    let created = catalog
        .write(move |conn| forges::create(conn, &forge))
        .await?;
    println!(
        "added forge `{}` ({}) at {}",
        created.name, created.kind, created.base_url
    );
    Ok(())
}

pub async fn list(catalog: &Catalog) -> anyhow::Result<()> {
    let rows = catalog
        .read(|conn| {
            let all = forges::list(conn)?;
            let mut rows = Vec::with_capacity(all.len());
            for forge in all {
                let last = sync_runs::recent(conn, forge.id, 1)?.pop();
                rows.push((forge, last));
            }
            Ok(rows)
        })
        .await?;
    if rows.is_empty() {
        println!("no forges: add one with `agora forge add`");
    }
    for (forge, last) in rows {
        let last = last.map_or_else(
            || "never synced".to_owned(),
            |run| {
                format!(
                    "last sync {} at {} ({} listed, {} fetched)",
                    run.status, run.started_at, run.listed, run.fetched
                )
            },
        );
        // Never the token: only whether one is stored.
        let token = if forge.token_encrypted.is_some() {
            "token stored"
        } else {
            "no token"
        };
        println!(
            "{}\t{}\t{}\t{}\t{token}\t{last}",
            forge.name, forge.kind, forge.base_url, forge.scope
        );
    }
    Ok(())
}

pub fn print_report(forge: &str, report: &SyncReport) {
    let c = &report.counts;
    println!(
        "{forge}: {} — listed {}, fetched {}, unchanged {}, 304s {}, skipped {}, failed {}, removed {}, renamed {}, requests {}, rate-limit waits {}",
        report.status.as_str(),
        c.listed,
        c.fetched,
        c.unchanged,
        report.not_modified,
        c.skipped,
        c.failed,
        report.removed,
        report.renamed,
        c.requests,
        c.rate_limit_waits
    );
    for error in report.errors.iter().take(20) {
        eprintln!("  {error}");
    }
    if report.errors.len() > 20 {
        eprintln!("  … and {} more", report.errors.len() - 20);
    }
}

pub async fn sync(settings: &Settings, indexer: &Indexer, args: SyncArgs) -> anyhow::Result<()> {
    let all = indexer.catalog.read(forges::list).await?;
    let selected: Vec<_> = all
        .into_iter()
        .filter(|f| args.forge.as_ref().is_none_or(|name| &f.name == name))
        .collect();
    if let Some(name) = &args.forge {
        anyhow::ensure!(
            !selected.is_empty(),
            "no forge named `{name}` (see `agora forge list`)"
        );
    }
    let secrets = settings.secret_box()?;
    let mut failures = 0;
    for forge in selected {
        let client =
            match agora_indexer::connectors::client_for(&forge, &secrets, HttpLimits::default()) {
                Ok(client) => client,
                Err(e) => {
                    eprintln!("{}: {e}", forge.name);
                    failures += 1;
                    continue;
                }
            };
        let options = SyncOptions {
            full: args.full,
            ..SyncOptions::default()
        };
        let report = indexer
            .sync_forge(&forge, client.as_ref(), &options, &Bar::new())
            .await?;
        print_report(&forge.name, &report);
        if report.status == agora_indexer::sync::SyncStatus::Failed {
            failures += 1;
        }
    }
    anyhow::ensure!(failures == 0, "{failures} forge(s) could not be synced");
    Ok(())
}
