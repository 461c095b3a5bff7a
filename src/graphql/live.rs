//! Live updates: `learningQuestionEvents` over WebSocket (graphql-transport-ws). Changes are
//! published in-process after their transaction commits; one task per process reads each
//! changed question once and hands the row to every subscriber, who receives it only if its
//! role may read it. A dropped connection loses nothing
//! that a `learningQuestions` query cannot recover: events carry no state of their own.

use async_graphql::{Context, Enum, ID, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use super::context::ContextExt;
use super::feedback::LearningQuestion;
use super::ids::{self, NodeType};
use super::programme::find_event;
use crate::auth::policy;
use crate::error::AppError;

/// What happened to a question.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionChange {
    Submitted,
    Moderated,
    Voted,
}

/// A change to a question, as published.
#[derive(Debug, Clone, Copy)]
pub struct Published {
    pub change: QuestionChange,
    pub question_id: i32,
}

/// A change with the question as it was read after the change, shared by all subscribers.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub change: QuestionChange,
    pub question: std::sync::Arc<entity::learning_question::Model>,
}

/// The PostgreSQL channel that carries changes between server instances.
const CHANNEL: &str = "buurtgraph_question_changes";

/// The channel of changes; cheap to clone. On PostgreSQL every instance listens with
/// LISTEN/NOTIFY, so a change made on one reaches subscribers on all; on SQLite (one
/// instance) changes go straight to the local subscribers.
#[derive(Clone)]
pub struct Changes {
    local: broadcast::Sender<Published>,
    loaded: broadcast::Sender<Loaded>,
    postgres: Option<DatabaseConnection>,
}

impl Changes {
    /// Local delivery, with one reader of changed questions over `db`.
    fn local(db: &DatabaseConnection) -> Self {
        let changes = Self {
            local: broadcast::channel(4096).0,
            loaded: broadcast::channel(4096).0,
            postgres: None,
        };
        let mut published = changes.local.subscribe();
        let loaded = changes.loaded.clone();
        let db = db.clone();
        tokio::spawn(async move {
            loop {
                let next = match published.recv().await {
                    Ok(next) => next,
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "live updates fell behind; some were skipped");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                // Nobody subscribed on this instance: no need to read the question.
                if loaded.receiver_count() == 0 {
                    continue;
                }
                let question = entity::learning_question::Entity::find_by_id(next.question_id)
                    .one(&db)
                    .await;
                match question {
                    Ok(Some(question)) => {
                        let _ = loaded.send(Loaded {
                            change: next.change,
                            question: std::sync::Arc::new(question),
                        });
                    }
                    Ok(None) => {}
                    Err(err) => tracing::warn!(error = %err, "cannot read a changed question"),
                }
            }
        });
        changes
    }

    /// Local delivery, plus LISTEN/NOTIFY when `db` is PostgreSQL.
    pub async fn for_database(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let mut changes = Self::local(db);
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(changes);
        }
        // A pool of its own: the listener holds its connection for good, and must not keep
        // the main pool from closing.
        let options = db.get_postgres_connection_pool().connect_options();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with((*options).clone())
            .await?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        let local = changes.local.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        if let Some(published) = Published::decode(notification.payload()) {
                            let _ = local.send(published);
                        }
                    }
                    Err(err) => {
                        // The listener reconnects on the next call; wait a moment first.
                        tracing::warn!(error = %err, "listening for changes failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        changes.postgres = Some(db.clone());
        Ok(changes)
    }

    /// Announces a committed change; nobody listening is fine.
    pub async fn publish(&self, change: QuestionChange, question_id: i32) {
        let published = Published {
            change,
            question_id,
        };
        if let Some(db) = &self.postgres {
            let statement = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), published.encode().into()],
            );
            match db.execute_raw(statement).await {
                Ok(_) => return,
                Err(err) => tracing::warn!(error = %err, "NOTIFY failed; delivering locally only"),
            }
        }
        let _ = self.local.send(published);
    }
}

impl Published {
    fn encode(self) -> String {
        let change = match self.change {
            QuestionChange::Submitted => "S",
            QuestionChange::Moderated => "M",
            QuestionChange::Voted => "V",
        };
        format!("{change}:{}", self.question_id)
    }

    fn decode(payload: &str) -> Option<Self> {
        let (change, id) = payload.split_once(':')?;
        let change = match change {
            "S" => QuestionChange::Submitted,
            "M" => QuestionChange::Moderated,
            "V" => QuestionChange::Voted,
            _ => return None,
        };
        Some(Self {
            change,
            question_id: id.parse().ok()?,
        })
    }
}

/// Publishes from a resolver, if the schema has a channel.
pub async fn publish(ctx: &Context<'_>, change: QuestionChange, question_id: i32) {
    if let Ok(changes) = ctx.data::<Changes>() {
        changes.publish(change, question_id).await;
    }
}

/// One change delivered to a subscriber.
#[derive(SimpleObject)]
pub struct LearningQuestionEvent {
    pub change: QuestionChange,
    pub question: LearningQuestion,
}

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// New and changed questions the viewer may see: moderators their scope (and approved
    /// questions), participants approved questions of their event (and their own), staff all.
    async fn learning_question_events(
        &self,
        ctx: &Context<'_>,
        event_slug: Option<String>,
        theme_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = LearningQuestionEvent>> {
        let viewer = ctx.viewer();
        policy::readable_questions(&viewer)?;
        let theme_id = theme_id
            .map(|id| ids::decode(&id, NodeType::Theme, "themeId"))
            .transpose()?;
        let event_id = match event_slug {
            Some(slug) => Some(find_event(ctx, Some(&slug)).await?.id),
            None => None,
        };
        let changes = ctx
            .data::<Changes>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no change channel")))?;
        let stream = BroadcastStream::new(changes.loaded.subscribe()).filter_map(move |loaded| {
            // A lagging subscriber skips what it missed; a re-query recovers it.
            let delivered = loaded.ok().and_then(|loaded| {
                let question = &*loaded.question;
                let wanted = event_id.is_none_or(|id| id == question.event_id)
                    && theme_id.is_none_or(|id| id == question.theme_id)
                    && policy::may_read(&viewer, question);
                wanted.then(|| LearningQuestionEvent {
                    change: loaded.change,
                    question: LearningQuestion(question.clone()),
                })
            });
            std::future::ready(delivered)
        });
        Ok(stream)
    }
}
