//! Notifications about access requests: outgoing webhooks (JSON with a Slack/Teams-compatible
//! `text`) and, when SMTP is configured, email. They are queued in the catalog's outbox inside the
//! transaction that changes the request (see `agora_catalog::notifications`) and delivered by
//! `SyncService::run_notifications`, which retries with backoff.

use agora_catalog::access_requests::AccessRequest;
use agora_catalog::model::{Role, User};
use agora_catalog::notifications::{self, NewNotification, Notification};
use agora_catalog::schema::users;
use agora_catalog::{CatalogResult, DbConnection, Project};
use diesel::prelude::*;
use serde_json::json;

/// Where notices go.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    /// Outgoing webhook URLs (Slack, Teams, or any JSON receiver).
    pub webhooks: Vec<String>,
    /// `smtp://user:pass@host:587` or `smtps://…`; email is off when unset.
    pub smtp_url: Option<String>,
    pub email_from: Option<String>,
    /// Links in notices point here (e.g. https://agora.example.org).
    pub public_url: Option<String>,
}

impl NotifyConfig {
    pub fn is_empty(&self) -> bool {
        self.webhooks.is_empty() && self.smtp_url.is_none()
    }
}

/// Owners of a department's repositories who can be emailed: its leads, and admins.
fn owner_emails(conn: &mut DbConnection, department_id: Option<i64>) -> CatalogResult<Vec<String>> {
    let owners: Vec<User> = users::table
        .filter(
            users::role.eq(Role::Admin.as_str()).or(users::role
                .eq(Role::Lead.as_str())
                .and(users::department_id.eq(department_id))),
        )
        .select(User::as_select())
        .load(conn)?;
    Ok(owners.into_iter().filter_map(|u| u.email).collect())
}

/// Queues the notices for a step of an access request: a new request goes to the owners, a
/// decision or a grant to the requester; every step goes to the webhooks.
pub fn access_request_step(
    conn: &mut DbConnection,
    config: &NotifyConfig,
    event: &str,
    request: &AccessRequest,
    project: &Project,
) -> CatalogResult<()> {
    if config.is_empty() {
        return Ok(());
    }
    let requester = agora_catalog::users::by_id(conn, request.requester_id)?;
    let requester_name = requester
        .as_ref()
        .map_or("someone", |u| u.display_name.as_str())
        .to_owned();
    let name = &project.repository.full_name;
    let link = config
        .public_url
        .as_deref()
        .map(|base| {
            format!(
                " {}/api/v1/projects/{}",
                base.trim_end_matches('/'),
                project.repository.id
            )
        })
        .unwrap_or_default();
    let (subject, text) = match event {
        "access_request.created" => (
            format!("Access request for {name}"),
            format!(
                "{requester_name} asks for access to {name}: \"{}\".{link}",
                request.reason
            ),
        ),
        "access_request.approved" | "access_request.granted" => (
            format!("Access to {name} approved"),
            format!(
                "{requester_name}'s request for {name} was approved ({}).{link}",
                request.status
            ),
        ),
        "access_request.denied" => (
            format!("Access to {name} denied"),
            format!(
                "{requester_name}'s request for {name} was denied{}.{link}",
                request
                    .decision_note
                    .as_deref()
                    .map(|n| format!(": \"{n}\""))
                    .unwrap_or_default()
            ),
        ),
        other => (
            format!("{other}: {name}"),
            format!("{other} for {name}.{link}"),
        ),
    };
    let payload = json!({
        "text": text,
        "event": event,
        "project": {"id": project.repository.id, "full_name": name},
        "access_request": {"id": request.id, "status": request.status, "requester": requester_name},
    });
    for url in &config.webhooks {
        notifications::enqueue(
            conn,
            &NewNotification {
                channel: "webhook",
                target: url.clone(),
                event: event.to_owned(),
                subject: subject.clone(),
                body: text.clone(),
                payload: payload.clone(),
            },
        )?;
    }
    if config.smtp_url.is_some() {
        let recipients = if event == "access_request.created" {
            owner_emails(conn, project.repository.department_id)?
        } else {
            requester.and_then(|u| u.email).into_iter().collect()
        };
        for email in recipients {
            notifications::enqueue(
                conn,
                &NewNotification {
                    channel: "email",
                    target: email,
                    event: event.to_owned(),
                    subject: subject.clone(),
                    body: text.clone(),
                    payload: payload.clone(),
                },
            )?;
        }
    }
    Ok(())
}

/// Delivers one notice. Errors are described for the outbox, never with credentials.
pub async fn deliver(
    http: &reqwest::Client,
    config: &NotifyConfig,
    notice: &Notification,
) -> Result<(), String> {
    match notice.channel.as_str() {
        "webhook" => {
            let payload: serde_json::Value =
                serde_json::from_str(&notice.payload).map_err(|e| e.to_string())?;
            let response = http
                .post(&notice.target)
                .json(&payload)
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(format!("the webhook answered {}", response.status()))
            }
        }
        "email" => send_email(config, notice).await,
        other => Err(format!("unknown channel `{other}`")),
    }
}

async fn send_email(config: &NotifyConfig, notice: &Notification) -> Result<(), String> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let url = config
        .smtp_url
        .as_deref()
        .ok_or("email is not configured")?;
    let from = config.email_from.as_deref().unwrap_or("agora@localhost");
    let message = Message::builder()
        .from(
            from.parse()
                .map_err(|e| format!("invalid sender address: {e}"))?,
        )
        .to(notice
            .target
            .parse()
            .map_err(|e| format!("invalid recipient address: {e}"))?)
        .subject(notice.subject.clone())
        .body(notice.body.clone())
        .map_err(|e| e.to_string())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|_| "the SMTP URL is invalid".to_owned())?
        .build();
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
}
