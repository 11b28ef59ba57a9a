//! docker-compose.yml cannot be run here (no Docker engine), so its shape is checked instead.

#[test]
fn docker_compose_file_parses_and_points_agora_at_postgres_16() {
    let text = include_str!("../../docker-compose.yml");
    let compose: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).expect("docker-compose.yml is valid YAML");
    let services = &compose["services"];
    assert_eq!(services["postgres"]["image"].as_str(), Some("postgres:16"));
    assert_eq!(services["agora"]["build"].as_str(), Some("."));
    let url = services["agora"]["environment"]["AGORA_DATABASE_URL"]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with("postgres://") && url.contains("@postgres:5432/"),
        "{url}"
    );
    assert!(
        services["postgres"]["volumes"][0]
            .as_str()
            .unwrap()
            .starts_with("postgres-data:")
    );
    assert!(compose["volumes"].get("postgres-data").is_some());
    assert!(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../Dockerfile")).is_file());
}
