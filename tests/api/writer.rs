//! The write path used by submissions and votes (group commit): writes queued while a batch
//! commits share the next transaction, and each succeeds or fails under its own rules.

use std::sync::Arc;
use std::time::Duration;

use buurtgraph::db::Writer;
use buurtgraph::error::AppError;
use entity::organisation;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::helpers::TestApp;

#[derive(Clone, Copy)]
enum Then {
    Succeed,
    /// Fails under its own rules after writing.
    Refuse,
    /// The database failed (as far as the writer can tell).
    Break,
    Panic,
}

/// Writes an organisation with `key`, then does what `then` says.
fn write(writer: &Writer, key: String, then: Then) -> JoinHandle<Result<String, AppError>> {
    let writer = writer.clone();
    tokio::spawn(async move {
        writer
            .write(move |txn| {
                Box::pin(async move {
                    organisation::ActiveModel {
                        key: Set(key.clone()),
                        name: Set(key.clone()),
                        url: Set(None),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await
                    .map_err(|err| AppError::from_db_unique(err, "key taken"))?;
                    match then {
                        Then::Succeed => Ok(key),
                        Then::Refuse => Err(AppError::bad_input("name", "changed my mind")),
                        Then::Break => Err(AppError::internal(anyhow::anyhow!("disk full"))),
                        Then::Panic => panic!("a bug in a write"),
                    }
                })
            })
            .await
    })
}

/// Holds the writer's current batch open until released, so that the writes started in the
/// meantime queue up and share the next batch.
async fn hold_a_batch(writer: &Writer) -> (Arc<Notify>, JoinHandle<Result<(), AppError>>) {
    let release = Arc::new(Notify::new());
    let released = release.clone();
    let writer = writer.clone();
    let held = tokio::spawn(async move {
        writer
            .write(move |_txn| {
                Box::pin(async move {
                    released.notified().await;
                    Ok(())
                })
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    (release, held)
}

async fn stored_keys(app: &TestApp) -> Vec<String> {
    let mut keys: Vec<String> = organisation::Entity::find()
        .all(&app.db)
        .await
        .expect("reads")
        .into_iter()
        .map(|o| o.key)
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn writes_in_one_batch_fail_alone_and_succeed_together() {
    let app = TestApp::empty().await;
    let writer = Writer::for_database(&app.db);
    let (release, held) = hold_a_batch(&writer).await;
    let mut tasks = Vec::new();
    for i in 0..90 {
        // Every third refuses after writing; every fifth repeats a key.
        let key = if i % 5 == 4 {
            "taken".to_owned()
        } else {
            format!("org-{i:02}")
        };
        let then = if i % 3 == 0 {
            Then::Refuse
        } else {
            Then::Succeed
        };
        tasks.push(write(&writer, key, then));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    release.notify_one();
    assert!(held.await.expect("task").is_ok());

    let mut acknowledged = Vec::new();
    for task in tasks {
        if let Ok(key) = task.await.expect("task") {
            acknowledged.push(key);
        }
    }
    acknowledged.sort();
    assert_eq!(
        stored_keys(&app).await,
        acknowledged,
        "exactly the acknowledged writes"
    );
    let own_keys = acknowledged.iter().filter(|k| *k != "taken").count();
    assert_eq!(
        own_keys, 48,
        "every write with its own key that did not refuse"
    );
    assert!(
        acknowledged.contains(&"taken".to_owned()),
        "one write took the shared key"
    );
}

#[tokio::test]
async fn a_database_error_or_a_panic_rolls_back_its_batch_and_the_writer_goes_on() {
    for (breaker, label) in [(Then::Break, "break"), (Then::Panic, "panic")] {
        let app = TestApp::empty().await;
        let writer = Writer::for_database(&app.db);
        let (release, held) = hold_a_batch(&writer).await;
        let batch = vec![
            write(&writer, format!("{label}-before"), Then::Succeed),
            write(&writer, format!("{label}-bad"), breaker),
            write(&writer, format!("{label}-after"), Then::Succeed),
        ];
        tokio::time::sleep(Duration::from_millis(100)).await;
        release.notify_one();
        assert!(
            held.await.expect("task").is_ok(),
            "{label}: the batch before stands"
        );
        for task in batch {
            let result = task.await.expect("task");
            assert!(
                matches!(result, Err(AppError::Unavailable(_))),
                "{label}: every write of the batch is answered UNAVAILABLE: {result:?}"
            );
        }
        assert_eq!(
            stored_keys(&app).await,
            Vec::<String>::new(),
            "{label}: nothing stored"
        );
        let next = write(&writer, format!("{label}-next"), Then::Succeed)
            .await
            .expect("task");
        assert!(next.is_ok(), "{label}: the writer still writes: {next:?}");
        assert_eq!(stored_keys(&app).await, vec![format!("{label}-next")]);
    }
}
