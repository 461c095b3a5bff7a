//! Depth and complexity limits: QUERY_TOO_COMPLEX, before any SQL runs.

use serde_json::json;

use crate::helpers::{TestApp, first_error_code};

#[tokio::test]
async fn too_deep_queries_are_refused() {
    let app = TestApp::bundled_uncached().await;
    let mut query = String::from("id");
    for _ in 0..10 {
        query = format!("sessions {{ block {{ {query} }} }}");
    }
    let query = format!("{{ event {{ blocks {{ {query} }} }} }}");
    app.reset_statements();
    let response = app.gql(&query, json!({})).await;
    assert_eq!(first_error_code(&response), "QUERY_TOO_COMPLEX");
    assert_eq!(app.statements(), 0, "refused before touching the database");
}

#[tokio::test]
async fn too_complex_queries_are_refused() {
    let app = TestApp::bundled().await;
    let fields = "id title description kind startsAt endsAt feedbackOpen key";
    let query = format!(
        "{{ event {{ a: sessions(first: 100) {{ edges {{ node {{ {fields} speakers {{ role person {{ name bio }} }} }} }} }} \
         b: sessions(first: 100) {{ edges {{ node {{ {fields} themes {{ title }} }} }} }} \
         c: people(first: 100) {{ edges {{ node {{ id name bio key }} }} }} }} }}"
    );
    let response = app.gql(&query, json!({})).await;
    assert_eq!(first_error_code(&response), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn the_whole_programme_query_is_within_the_limits() {
    let app = TestApp::bundled().await;
    app.data(crate::fixtures::WHOLE_PROGRAMME, json!({})).await;
}
