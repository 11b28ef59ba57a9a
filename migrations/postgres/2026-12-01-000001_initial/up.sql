-- Agora's first schema (PostgreSQL). Kept in lockstep with migrations/sqlite: same tables, same
-- columns, same constraints; only the types differ where the engines differ (BIGSERIAL ids,
-- JSON as TEXT, timestamps without zone, always UTC).

CREATE TABLE departments (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    department_id BIGINT REFERENCES departments (id) ON DELETE SET NULL,
    role TEXT NOT NULL DEFAULT 'employee' CHECK (role IN ('employee', 'lead', 'admin')),
    forge_usernames TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE forges (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    base_url TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '{}',
    token_encrypted TEXT,
    department_map TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'active',
    sync_interval_secs BIGINT NOT NULL DEFAULT 900,
    last_synced_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE repositories (
    id BIGSERIAL PRIMARY KEY,
    forge_id BIGINT NOT NULL REFERENCES forges (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    full_name TEXT NOT NULL,
    description TEXT,
    html_url TEXT NOT NULL,
    default_branch TEXT,
    visibility TEXT NOT NULL DEFAULT 'internal' CHECK (visibility IN ('public', 'internal', 'private')),
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    fork BOOLEAN NOT NULL DEFAULT FALSE,
    mirror BOOLEAN NOT NULL DEFAULT FALSE,
    topics TEXT NOT NULL DEFAULT '[]',
    primary_language TEXT,
    languages TEXT NOT NULL DEFAULT '{}',
    license TEXT,
    stars BIGINT NOT NULL DEFAULT 0,
    forks BIGINT NOT NULL DEFAULT 0,
    open_issues BIGINT NOT NULL DEFAULT 0,
    watchers BIGINT NOT NULL DEFAULT 0,
    readme TEXT,
    has_contributing BOOLEAN NOT NULL DEFAULT FALSE,
    has_code_of_conduct BOOLEAN NOT NULL DEFAULT FALSE,
    owners TEXT NOT NULL DEFAULT '[]',
    department_id BIGINT REFERENCES departments (id) ON DELETE SET NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    participation TEXT NOT NULL DEFAULT '[]',
    activity_score BIGINT,
    forge_created_at TIMESTAMP,
    forge_updated_at TIMESTAMP,
    forge_pushed_at TIMESTAMP,
    sync_etag TEXT,
    sync_cursor TEXT,
    synced_at TIMESTAMP,
    removed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    UNIQUE (forge_id, external_id)
);
CREATE INDEX repositories_department_id ON repositories (department_id);
CREATE INDEX repositories_full_name ON repositories (full_name);

CREATE TABLE listings (
    id BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL UNIQUE REFERENCES repositories (id) ON DELETE CASCADE,
    department_id BIGINT REFERENCES departments (id) ON DELETE SET NULL,
    published_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    published_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    title TEXT,
    motivation TEXT,
    skills TEXT NOT NULL DEFAULT '[]',
    contributions_wanted TEXT NOT NULL DEFAULT '[]',
    docs_url TEXT,
    logo_url TEXT,
    maturity TEXT CHECK (maturity IN ('experimental', 'active', 'mature', 'deprecated')),
    looking_for_contributors BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE stars (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    starred_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    PRIMARY KEY (user_id, repository_id)
);
CREATE INDEX stars_repository_id ON stars (repository_id);

CREATE TABLE access_requests (
    id BIGSERIAL PRIMARY KEY,
    requester_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    forge_username TEXT,
    status TEXT NOT NULL DEFAULT 'requested'
        CHECK (status IN ('requested', 'approved', 'denied', 'withdrawn', 'granted', 'grant_failed')),
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMP,
    decision_note TEXT,
    forge_result TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
-- One open request per user and repository.
CREATE UNIQUE INDEX access_requests_one_open ON access_requests (requester_id, repository_id)
    WHERE status = 'requested';
CREATE INDEX access_requests_repository_id ON access_requests (repository_id);

CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT,
    department_id BIGINT REFERENCES departments (id) ON DELETE SET NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE sync_runs (
    id BIGSERIAL PRIMARY KEY,
    forge_id BIGINT NOT NULL REFERENCES forges (id) ON DELETE CASCADE,
    full_sync BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    started_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    finished_at TIMESTAMP,
    listed BIGINT NOT NULL DEFAULT 0,
    fetched BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    requests BIGINT NOT NULL DEFAULT 0,
    rate_limit_waits BIGINT NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sync_runs_forge_id ON sync_runs (forge_id, started_at);
