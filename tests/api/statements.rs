//! The whole-programme query runs a fixed number of SQL statements, whatever the size of
//! the programme: every relation goes through a DataLoader.

use serde_json::json;

use crate::fixtures::{WHOLE_PROGRAMME, bundled, scaled};
use crate::helpers::TestApp;

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
    let app = TestApp::empty().await;
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
    if bundled_statements != large_statements {
        for sql in app.statement_log() {
            println!("{}", &sql[..sql.len().min(160)]);
        }
    }
    assert_eq!(bundled_statements, large_statements);
    assert!(bundled_statements <= 20, "{bundled_statements} statements");
}
