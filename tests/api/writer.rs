//! The write path used by submissions and votes: on SQLite, concurrent writes share one
//! commit, and each must succeed or fail on its own.

use buurtgraph::db::Writer;
use buurtgraph::error::AppError;
use entity::organisation;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::helpers::TestApp;

#[tokio::test]
async fn concurrent_writes_fail_alone_and_succeed_together() {
    let app = TestApp::empty().await;
    let writer = Writer::for_database(&app.db);
    let mut tasks = Vec::new();
    for i in 0..90 {
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            writer
                .write(move |txn| {
                    Box::pin(async move {
                        // Every third inserts a row and then fails; every fifth repeats a key.
                        let key = if i % 5 == 4 {
                            "taken".to_owned()
                        } else {
                            format!("org-{i}")
                        };
                        organisation::ActiveModel {
                            key: Set(key),
                            name: Set(format!("Organisatie {i}")),
                            url: Set(None),
                            ..Default::default()
                        }
                        .insert(txn)
                        .await
                        .map_err(|err| AppError::from_db_unique(err, "key taken"))?;
                        if i % 3 == 0 {
                            return Err(AppError::bad_input("name", "changed my mind"));
                        }
                        Ok(i)
                    })
                })
                .await
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        if let Ok(i) = task.await.expect("task") {
            acknowledged.push(i);
        }
    }
    let stored = organisation::Entity::find()
        .all(&app.db)
        .await
        .expect("reads");
    let mut stored_names: Vec<String> = stored.iter().map(|o| o.name.clone()).collect();
    stored_names.sort();
    let mut acknowledged_names: Vec<String> = acknowledged
        .iter()
        .map(|i| format!("Organisatie {i}"))
        .collect();
    acknowledged_names.sort();
    assert_eq!(
        stored_names, acknowledged_names,
        "exactly the acknowledged writes are stored"
    );
    let own_key = acknowledged.iter().filter(|i| *i % 5 != 4).count();
    assert_eq!(own_key, 48, "every write with its own key and no failure");
    assert_eq!(
        acknowledged.len() - own_key,
        1,
        "exactly one write took the shared key"
    );
    assert!(
        !acknowledged.iter().any(|i| i % 3 == 0),
        "failed writes left nothing"
    );
}

#[tokio::test]
async fn a_write_that_panics_fails_its_batch_and_the_writer_goes_on() {
    let app = TestApp::empty().await;
    let writer = Writer::for_database(&app.db);
    let insert = |key: &'static str, panics: bool| {
        let writer = writer.clone();
        async move {
            writer
                .write(move |txn| {
                    Box::pin(async move {
                        organisation::ActiveModel {
                            key: Set(key.to_owned()),
                            name: Set(key.to_owned()),
                            url: Set(None),
                            ..Default::default()
                        }
                        .insert(txn)
                        .await?;
                        assert!(!panics, "a bug in a write");
                        Ok(())
                    })
                })
                .await
        }
    };
    let failed = insert("panics", true).await;
    assert!(
        matches!(failed, Err(AppError::Unavailable(_))),
        "{failed:?}"
    );
    assert!(
        insert("after", false).await.is_ok(),
        "the writer still writes"
    );
    let keys: Vec<String> = organisation::Entity::find()
        .all(&app.db)
        .await
        .expect("reads")
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(
        keys,
        vec!["after".to_owned()],
        "the panicking write left nothing"
    );
}
