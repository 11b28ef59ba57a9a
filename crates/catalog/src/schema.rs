//! The diesel schema shared by both backends. Only types both SQLite and PostgreSQL speak appear
//! here: ids are `BigInt`, JSON and enums are `Text`, times are `Timestamp` in UTC.

diesel::table! {
    departments (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        subject -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        department_id -> Nullable<BigInt>,
        role -> Text,
        forge_usernames -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deactivated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    forges (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        base_url -> Text,
        scope -> Text,
        token_encrypted -> Nullable<Text>,
        department_map -> Text,
        status -> Text,
        sync_interval_secs -> BigInt,
        last_synced_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        webhook_secret_encrypted -> Nullable<Text>,
    }
}

diesel::table! {
    repositories (id) {
        id -> BigInt,
        forge_id -> BigInt,
        external_id -> Text,
        owner -> Text,
        name -> Text,
        full_name -> Text,
        description -> Nullable<Text>,
        html_url -> Text,
        default_branch -> Nullable<Text>,
        visibility -> Text,
        archived -> Bool,
        fork -> Bool,
        mirror -> Bool,
        topics -> Text,
        primary_language -> Nullable<Text>,
        languages -> Text,
        license -> Nullable<Text>,
        stars -> BigInt,
        forks -> BigInt,
        open_issues -> BigInt,
        watchers -> BigInt,
        readme -> Nullable<Text>,
        has_contributing -> Bool,
        has_code_of_conduct -> Bool,
        owners -> Text,
        department_id -> Nullable<BigInt>,
        metadata -> Text,
        participation -> Text,
        activity_score -> Nullable<BigInt>,
        forge_created_at -> Nullable<Timestamp>,
        forge_updated_at -> Nullable<Timestamp>,
        forge_pushed_at -> Nullable<Timestamp>,
        sync_etag -> Nullable<Text>,
        sync_cursor -> Nullable<Text>,
        synced_at -> Nullable<Timestamp>,
        removed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        source_key -> Nullable<Text>,
        upstream_key -> Nullable<Text>,
        mirror_of -> Nullable<BigInt>,
    }
}

diesel::table! {
    listings (id) {
        id -> BigInt,
        repository_id -> BigInt,
        department_id -> Nullable<BigInt>,
        published_by -> Nullable<BigInt>,
        published_at -> Timestamp,
        title -> Nullable<Text>,
        motivation -> Nullable<Text>,
        skills -> Text,
        contributions_wanted -> Text,
        docs_url -> Nullable<Text>,
        logo_url -> Nullable<Text>,
        maturity -> Nullable<Text>,
        looking_for_contributors -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stars (user_id, repository_id) {
        user_id -> BigInt,
        repository_id -> BigInt,
        starred_at -> Timestamp,
    }
}

diesel::table! {
    access_requests (id) {
        id -> BigInt,
        requester_id -> BigInt,
        repository_id -> BigInt,
        reason -> Text,
        forge_username -> Nullable<Text>,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        forge_result -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Nullable<Text>,
        department_id -> Nullable<BigInt>,
        details -> Text,
    }
}

diesel::table! {
    sync_runs (id) {
        id -> BigInt,
        forge_id -> BigInt,
        full_sync -> Bool,
        status -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        listed -> BigInt,
        fetched -> BigInt,
        unchanged -> BigInt,
        skipped -> BigInt,
        failed -> BigInt,
        requests -> BigInt,
        rate_limit_waits -> BigInt,
        errors -> Text,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        channel -> Text,
        target -> Text,
        event -> Text,
        subject -> Text,
        body -> Text,
        payload -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> departments (department_id));
diesel::joinable!(repositories -> forges (forge_id));
diesel::joinable!(repositories -> departments (department_id));
diesel::joinable!(listings -> repositories (repository_id));
diesel::joinable!(stars -> repositories (repository_id));
diesel::joinable!(stars -> users (user_id));
diesel::joinable!(sync_runs -> forges (forge_id));
diesel::joinable!(access_requests -> repositories (repository_id));

diesel::allow_tables_to_appear_in_same_query!(
    departments,
    users,
    forges,
    repositories,
    listings,
    stars,
    access_requests,
    audit_events,
    sync_runs,
    notifications,
);
