//! `buurtgraph backup FILE`: a consistent copy of a live SQLite database.

use axum::body::Body;
use axum::http::{Request, header};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::json;
use tower::ServiceExt;

use crate::actors::{SUBMIT, setup, submit};

#[tokio::test]
async fn a_backup_taken_under_load_holds_every_submission_acknowledged_before_it_began() {
    let (app, actors) = setup().await;
    if app.db.get_database_backend() != DatabaseBackend::Sqlite {
        return; // PostgreSQL: pg_dump (README, "Andere systemen").
    }
    let mut acknowledged = Vec::new();
    for n in 0..8 {
        let text = format!("Hoe houden we vraag {n} vast in de back-up?");
        submit(&app, &actors.participant, &actors.theme, &text).await;
        acknowledged.push(text);
    }
    // Submissions keep coming while the copy is made.
    let router = app.router.clone();
    let (token, theme) = (actors.other_participant.clone(), actors.theme.clone());
    let load = tokio::spawn(async move {
        for n in 0..10 {
            let body = json!({ "query": SUBMIT, "variables": { "i": { "themeId": theme, "text": format!("Vraag tijdens de back-up, nummer {n}?") } } });
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(body.to_string()))
                .expect("request");
            let _ = router.clone().oneshot(request).await;
        }
    });
    tokio::task::yield_now().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("kopie.db");
    let bytes = buurtgraph::db::backup::backup(&app.db, &copy)
        .await
        .expect("backup succeeds");
    assert!(bytes > 0);
    load.await.expect("the load finishes");

    // Restore: open the copy as a database of its own.
    let restored = buurtgraph::db::connect(&format!("sqlite://{}?mode=rw", copy.display()))
        .await
        .expect("the copy opens");
    let rows = restored
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT text FROM learning_question",
        ))
        .await
        .expect("the copy is readable");
    let texts: Vec<String> = rows
        .iter()
        .filter_map(|row| row.try_get::<String>("", "text").ok())
        .collect();
    for text in &acknowledged {
        assert!(texts.contains(text), "{text:?} is missing from the copy");
    }
    let integrity = restored
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .expect("integrity check")
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    assert_eq!(integrity.as_deref(), Some("ok"));

    // A second backup to the same file is refused rather than overwriting it.
    let again = buurtgraph::db::backup::backup(&app.db, &copy).await;
    assert!(again.is_err_and(|e| e.to_string().contains("exists already")));
}
