//! `schema.graphql` is generated from the code; this test fails when it drifts.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test --test api schema`.

#[test]
fn committed_schema_matches_the_code() {
    let sdl = buurtgraph::graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &sdl).expect("schema.graphql written");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == sdl,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test --test api schema` and commit it"
    );
}
