//! `TestApp`: the real app (`agora_api::app`) over a per-test catalog and an in-memory index.

use actix_web::body::to_bytes;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use agora_api::{AppState, Identity, Metrics, TokenKeys, TokenSubject};
use agora_catalog::model::Role;
use agora_catalog::secret_box::SecretBox;
use agora_catalog::testing::TestDatabase;
use agora_indexer::service::SyncService;
use agora_indexer::{Indexer, NoProgress};
use agora_search::SearchIndex;
use serde_json::Value;

pub const SECRET: &[u8] = b"an-end-to-end-test-secret-of-sufficient-length";
pub const DEMO: &str = include_str!("../../crates/agora/demo/repos.json");

pub struct TestApp {
    pub syncs: SyncService,
    /// Kept for the test's lifetime: dropping it drops the database.
    _db: TestDatabase,
    pub indexer: Indexer,
    pub keys: TokenKeys,
    /// Local mode unless a test says otherwise (`with_identity`).
    pub identity: Identity,
    /// One for the test's lifetime, so counts add up across calls.
    pub metrics: Metrics,
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts an RFC 9457 problem with this status and returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(
            self.content_type,
            "application/problem+json",
            "{}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["status"], status);
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/"))
        );
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
        problem
    }
}

impl TestApp {
    /// An app over `db` with the bundled demo catalog imported.
    pub async fn with_demo(db: TestDatabase) -> Self {
        let app = Self::empty(db);
        let report = app
            .indexer
            .import_repos_json("demo", DEMO, &NoProgress)
            .await
            .unwrap();
        assert_eq!(report.imported, 64);
        app
    }

    pub fn empty(db: TestDatabase) -> Self {
        let indexer = Indexer::new(db.catalog.clone(), SearchIndex::in_memory().unwrap());
        let limits = agora_forge::HttpLimits {
            timeout: std::time::Duration::from_secs(2),
            max_attempts: 2,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(2),
            max_rate_limit_wait: std::time::Duration::from_secs(1),
            concurrency: 4,
        };
        let syncs = SyncService::new(
            indexer.clone(),
            SecretBox::from_instance_secret(SECRET),
            limits,
        );
        Self {
            syncs,
            _db: db,
            indexer,
            keys: TokenKeys::from_secret(SECRET).unwrap(),
            identity: Identity::local(SECRET, None).unwrap(),
            metrics: Metrics::new(None).unwrap(),
        }
    }

    /// The same app with other identity settings (OIDC, a public URL).
    pub fn with_identity(mut self, identity: Identity) -> Self {
        self.identity = identity;
        self
    }

    /// The state `agora serve` would build.
    pub fn state(&self) -> AppState {
        AppState {
            indexer: self.indexer.clone(),
            tokens: self.keys.clone(),
            identity: self.identity.clone(),
            syncs: self.syncs.clone(),
            metrics: self.metrics.clone(),
        }
    }

    pub fn token(&self, user: &str, department: Option<&str>, role: Role) -> String {
        let subject = TokenSubject {
            subject: user.to_owned(),
            name: Some(user.to_uppercase()),
            email: None,
            department: department.map(str::to_owned),
            role,
        };
        self.keys
            .issue(&subject, chrono::Duration::hours(1))
            .unwrap()
    }

    pub async fn call(&self, request: test::TestRequest) -> Reply {
        let service = test::init_service(agora_api::app(self.state())).await;
        let response: ServiceResponse<_> = service.call(request.to_request()).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = to_bytes(response.into_body())
            .await
            .unwrap_or_default()
            .to_vec();
        Reply {
            status,
            content_type,
            body,
        }
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        let mut request = test::TestRequest::get().uri(uri);
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        self.call(request).await
    }

    /// The catalog id of a project by full name, through the search API as an admin.
    pub async fn project_id(&self, full_name: &str) -> i64 {
        let name = full_name.split('/').nth(1).unwrap();
        let admin = self.token("root", None, Role::Admin);
        let reply = self
            .get(&format!("/api/v1/search?q={name}&limit=50"), Some(&admin))
            .await;
        reply.json()["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["full_name"] == full_name)
            .unwrap_or_else(|| panic!("{full_name} not found"))["id"]
            .as_i64()
            .unwrap()
    }
}

/// `e2e_test!(name)` runs `async fn name(db: TestDatabase)` on SQLite and on PostgreSQL, on
/// actix's own runtime (as `agora serve` runs handlers).
#[macro_export]
macro_rules! e2e_test {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name(agora_catalog::testing::TestDatabase::sqlite()).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(db) = agora_catalog::testing::TestDatabase::postgres() {
                    super::$name(db).await;
                }
            }
        }
    };
}
