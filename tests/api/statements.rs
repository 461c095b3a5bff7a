//! The whole-programme query runs a fixed number of SQL statements, whatever the size of
//! the programme: every relation goes through a DataLoader.

use buurtgraph::config::ServeConfig;
use serde_json::json;

use crate::fixtures::{WHOLE_PROGRAMME, bundled, scaled};
use crate::helpers::TestApp;

/// The number of (depth, relation) steps of `WHOLE_PROGRAMME`.
const MAX_STATEMENTS: usize = 17;

async fn statements_for(app: &TestApp, slug: &str) -> (usize, usize) {
    app.reset_statements();
    let data = app.data(WHOLE_PROGRAMME, json!({ "slug": slug })).await;
    let sessions: usize = data["event"]["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["sessions"].as_array().expect("sessions").len())
        .sum();
    (app.statements(), sessions)
}

#[tokio::test]
async fn whole_programme_statement_count_does_not_grow_with_the_programme() {
    let app = TestApp::with_config(ServeConfig {
        response_cache: false,
        ..ServeConfig::default()
    })
    .await;
    app.import(&bundled()).await;
    app.import(&scaled(10, "tien-keer-groter")).await;

    let (bundled_statements, bundled_sessions) =
        statements_for(&app, "dag-van-de-buurt-2021").await;
    let (large_statements, large_sessions) = statements_for(&app, "tien-keer-groter").await;
    assert_eq!(bundled_sessions, 28);
    assert_eq!(large_sessions, 280);
    println!(
        "whole-programme query: {bundled_statements} statements for {bundled_sessions} sessions, \
         {large_statements} for {large_sessions}"
    );
    // Each (depth, relation) of the query is one batch, so 17 is the most it can take;
    // two batches of the same table at different depths may merge, giving fewer.
    if large_statements > MAX_STATEMENTS || bundled_statements > MAX_STATEMENTS {
        for sql in app.statement_log() {
            println!("{}", &sql[..sql.len().min(160)]);
        }
    }
    assert!(
        bundled_statements <= MAX_STATEMENTS,
        "{bundled_statements} statements"
    );
    assert!(
        large_statements <= MAX_STATEMENTS,
        "{large_statements} statements"
    );
}
