//! Learning questions and votes.

use chrono::Utc;
use entity::enums::{ModerationStatus, SubmitterRole, ThemeKind};
use entity::{event_theme, learning_question, session, session_theme, theme, vote};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::auth::limits::Limits;
use crate::db::Writer;
use crate::domain::question::{
    self, CONTEXT_MAX, IDEMPOTENCY_KEY_MAX, REGION_MAX, TEXT_MAX, TEXT_MIN,
};
use crate::domain::text::escape_like;
use crate::error::{AppError, AppResult};
use crate::service::live::{Changes, QuestionChange};

/// A participant's submission, before validation.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub theme_id: i32,
    pub session_id: Option<i32>,
    pub text: String,
    pub context: Option<String>,
    pub submitter_role: Option<SubmitterRole>,
    pub preferred_formats: Vec<String>,
    pub region: Option<String>,
    pub idempotency_key: Option<String>,
}

/// What a participant's writes need: reads, the write path, the live channel and the
/// limits. Resolvers take them from the schema data, web pages from `AppState`.
#[derive(Clone, Copy)]
pub struct Handles<'a> {
    pub db: &'a DatabaseConnection,
    /// The insert or vote goes through the writer (see `db::Writer`); checks read from `db`.
    pub writer: &'a Writer,
    pub changes: &'a Changes,
    pub limits: &'a Limits,
}

/// A participant, as their token names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Participant {
    pub id: i32,
    pub event_id: i32,
}

/// Stores a learning question after checking every rule and publishes it once committed;
/// a retry with the same idempotency key returns the first question.
pub async fn submit(
    handles: Handles<'_>,
    participant: Participant,
    submission: Submission,
) -> AppResult<learning_question::Model> {
    handles.limits.check_submission_attempt(participant.id)?;
    let (db, participant_id, event_id) = (handles.db, participant.id, participant.event_id);
    let idempotency_key = question::optional_text(
        "idempotencyKey",
        submission.idempotency_key.as_deref(),
        IDEMPOTENCY_KEY_MAX,
    )?;
    if let Some(key) = &idempotency_key
        && let Some(existing) = by_idempotency_key(db, participant_id, key).await?
    {
        return Ok(existing);
    }
    let text = question::text("text", &submission.text, TEXT_MIN, TEXT_MAX)?;
    let context = question::optional_text("context", submission.context.as_deref(), CONTEXT_MAX)?;
    let region = question::optional_text("region", submission.region.as_deref(), REGION_MAX)?;
    let mut formats = submission.preferred_formats;
    let mut seen = std::collections::HashSet::new();
    formats.retain(|f| seen.insert(f.clone()));

    let theme = check_input_theme(db, event_id, submission.theme_id).await?;
    let theme_id = submission.theme_id;
    // Feedback must be open on the session given, or on some session serving the theme.
    match submission.session_id {
        Some(session_id) => {
            let session = session::Entity::find_by_id(session_id)
                .one(db)
                .await?
                .filter(|s| s.event_id == event_id)
                .ok_or_else(|| AppError::bad_input("sessionId", "no such session in your event"))?;
            let serves_theme = session_theme::Entity::find()
                .filter(session_theme::Column::SessionId.eq(session.id))
                .filter(session_theme::Column::ThemeId.eq(theme_id))
                .count(db)
                .await?
                > 0;
            if !serves_theme {
                return Err(AppError::bad_input(
                    "sessionId",
                    "this session does not serve the theme",
                ));
            }
            if !session.feedback_open {
                return Err(AppError::bad_input(
                    "sessionId",
                    "feedback is closed for this session",
                ));
            }
        }
        None if !theme.open_for_input => {
            return Err(AppError::bad_input(
                "themeId",
                "feedback is closed for this theme",
            ));
        }
        None => {}
    }

    // Post-moderated (issue 13): the question appears at once; moderators hide what does not belong.
    let status = if crate::service::moderation::post_moderated(db, event_id, theme_id).await? {
        ModerationStatus::Approved
    } else {
        ModerationStatus::Pending
    };
    // Only stored questions count against the quota: a refused one gives its place back.
    let reservation = handles.limits.reserve_submission(participant_id)?;
    let now = Utc::now();
    let row = learning_question::ActiveModel {
        event_id: Set(event_id),
        theme_id: Set(theme_id),
        session_id: Set(submission.session_id),
        participant_id: Set(participant_id),
        text: Set(text),
        context: Set(context),
        submitter_role: Set(submission.submitter_role),
        preferred_formats: Set(serde_json::json!(formats)),
        region: Set(region),
        status: Set(status),
        duplicate_of_id: Set(None),
        vote_count: Set(0),
        idempotency_key: Set(idempotency_key.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = handles
        .writer
        .write(move |txn| {
            Box::pin(async move {
                row.insert(txn)
                    .await
                    .map_err(|err| AppError::from_db_unique(err, "submission conflicted; retry"))
            })
        })
        .await;
    match (inserted, &idempotency_key) {
        (Ok(question), _) => {
            reservation.keep();
            handles.writer.metrics().submission();
            handles
                .changes
                .publish(QuestionChange::Submitted, question.id)
                .await;
            Ok(question)
        }
        // A concurrent retry with the same key won the race (and has committed by now):
        // answer with its question.
        (Err(AppError::Conflict(message)), Some(key)) => {
            by_idempotency_key(db, participant_id, key)
                .await?
                .ok_or(AppError::Conflict(message))
        }
        (Err(err), _) => Err(err),
    }
}

/// What the checks of a submission need to know of its theme, read in one statement.
#[derive(Debug, FromQueryResult)]
pub struct InputTheme {
    kind: ThemeKind,
    of_event: bool,
    /// Some session of the event serving the theme takes feedback.
    pub open_for_input: bool,
}

/// A theme that takes input in this event: a learning-agenda theme or a plenary question.
pub async fn check_input_theme(
    db: &impl ConnectionTrait,
    event_id: i32,
    theme_id: i32,
) -> Result<InputTheme, AppError> {
    let theme_column = |column: theme::Column| Expr::col((theme::Entity, column));
    let of_event = Query::select()
        .expr(Expr::val(1))
        .from(event_theme::Entity)
        .and_where(Expr::col((event_theme::Entity, event_theme::Column::EventId)).eq(event_id))
        .and_where(
            Expr::col((event_theme::Entity, event_theme::Column::ThemeId))
                .eq(theme_column(theme::Column::Id)),
        )
        .to_owned();
    let open_session = open_sessions(Expr::val(event_id))
        .and_where(
            Expr::col((session::Entity, session::Column::Id))
                .in_subquery(sessions_serving(theme_column(theme::Column::Id))),
        )
        .to_owned();
    let theme = theme::Entity::find_by_id(theme_id)
        .select_only()
        .column(theme::Column::Kind)
        .column_as(Expr::exists(of_event), "of_event")
        .column_as(Expr::exists(open_session), "open_for_input")
        .into_model::<InputTheme>()
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("themeId", "no such theme"))?;
    if !theme.of_event || theme.kind == ThemeKind::Topic {
        return Err(AppError::bad_input(
            "themeId",
            "choose a learning-agenda theme (or the plenary question) of this event",
        ));
    }
    Ok(theme)
}

async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    participant_id: i32,
    key: &str,
) -> Result<Option<learning_question::Model>, AppError> {
    Ok(learning_question::Entity::find()
        .filter(learning_question::Column::ParticipantId.eq(participant_id))
        .filter(learning_question::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// What a participant does with their vote on a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteChange {
    /// "Ik herken deze vraag": one vote per participant.
    Add,
    Withdraw,
}

/// Adds or withdraws the participant's vote; only on approved questions of their own event.
/// Answers with the question as the change left it, and publishes the new count (coalesced
/// per question, see `service::live`).
pub async fn change_vote(
    handles: Handles<'_>,
    participant: Participant,
    question_id: i32,
    change: VoteChange,
) -> AppResult<learning_question::Model> {
    handles.limits.check_vote(participant.id)?;
    let participant_id = participant.id;
    votable(handles.db, participant.event_id, question_id).await?;
    let question = handles
        .writer
        .write(move |txn| {
            Box::pin(async move {
                let delta = match change {
                    VoteChange::Add => {
                        vote::Entity::insert(vote::ActiveModel {
                            question_id: Set(question_id),
                            participant_id: Set(participant_id),
                            carried_from_id: Set(None),
                            created_at: Set(Utc::now()),
                        })
                        .exec(txn)
                        .await
                        .map_err(|err| {
                            AppError::from_db_unique(err, "you already recognise this question")
                        })?;
                        1
                    }
                    VoteChange::Withdraw => {
                        let deleted = vote::Entity::delete_many()
                            .filter(vote::Column::QuestionId.eq(question_id))
                            .filter(vote::Column::ParticipantId.eq(participant_id))
                            .exec(txn)
                            .await?
                            .rows_affected;
                        if deleted == 0 {
                            return Err(AppError::not_found(
                                "you have not voted for this question",
                            ));
                        }
                        -1
                    }
                };
                change_vote_count(txn, question_id, delta).await
            })
        })
        .await?;
    handles.writer.metrics().vote(change);
    handles
        .changes
        .publish(QuestionChange::Voted, question.id)
        .await;
    Ok(question)
}

/// The sessions of an event that take feedback (to be narrowed down by the caller).
fn open_sessions(event_id: Expr) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(session::Entity)
        .and_where(Expr::col((session::Entity, session::Column::EventId)).eq(event_id))
        .and_where(Expr::col((session::Entity, session::Column::FeedbackOpen)).eq(true))
        .to_owned()
}

/// The ids of the sessions serving a theme (an expression, so it may name an outer column).
fn sessions_serving(theme_id: Expr) -> SelectStatement {
    Query::select()
        .column((session_theme::Entity, session_theme::Column::SessionId))
        .from(session_theme::Entity)
        .and_where(Expr::col((session_theme::Entity, session_theme::Column::ThemeId)).eq(theme_id))
        .to_owned()
}

/// Whether feedback is open where a question was given, by the rule submissions follow: on
/// its session, or, given without one, on some session of its event serving its theme.
fn feedback_open_on_question() -> Expr {
    use learning_question::Column;
    let question = |column: Column| Expr::col((learning_question::Entity, column));
    let session_id = || Expr::col((session::Entity, session::Column::Id));
    Expr::exists(
        open_sessions(question(Column::EventId))
            .cond_where(
                Condition::any()
                    .add(session_id().eq(question(Column::SessionId)))
                    .add(
                        Condition::all()
                            .add(question(Column::SessionId).is_null())
                            .add(
                                session_id()
                                    .in_subquery(sessions_serving(question(Column::ThemeId))),
                            ),
                    ),
            )
            .to_owned(),
    )
}

/// An approved question of the participant's event where feedback is still open.
async fn votable(
    db: &impl ConnectionTrait,
    event_id: i32,
    question_id: i32,
) -> AppResult<learning_question::Model> {
    let approved = learning_question::Entity::find_by_id(question_id)
        .filter(learning_question::Column::EventId.eq(event_id))
        .filter(learning_question::Column::Status.eq(ModerationStatus::Approved));
    if let Some(question) = approved
        .clone()
        .filter(feedback_open_on_question())
        .one(db)
        .await?
    {
        return Ok(question);
    }
    // Refused: say why (the common case, an open question, needs one statement only).
    let question = approved
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no approved question with this ID in your event"))?;
    let place = if question.session_id.is_some() {
        "session"
    } else {
        "theme"
    };
    Err(AppError::bad_input(
        "id",
        format!("feedback is closed for this {place}"),
    ))
}

/// Adds `delta` to a question's vote count and returns the question as it now is.
pub async fn change_vote_count(
    db: &impl ConnectionTrait,
    question_id: i32,
    delta: i32,
) -> Result<learning_question::Model, AppError> {
    learning_question::Entity::update_many()
        .col_expr(
            learning_question::Column::VoteCount,
            Expr::col(learning_question::Column::VoteCount).add(delta),
        )
        .filter(learning_question::Column::Id.eq(question_id))
        .exec_with_returning(db)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("no such question"))
}

pub async fn reload(
    db: &impl ConnectionTrait,
    question_id: i32,
) -> Result<learning_question::Model, AppError> {
    learning_question::Entity::find_by_id(question_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no question with this ID"))
}

/// Filters on learning questions; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct QuestionFilter {
    pub event_id: Option<i32>,
    pub theme_id: Option<i32>,
    pub session_id: Option<i32>,
    pub status: Option<ModerationStatus>,
    pub submitter_role: Option<SubmitterRole>,
    pub format: Option<String>,
    pub text: Option<String>,
    pub participant_id: Option<i32>,
}

/// Orderings of learning questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuestionOrder {
    #[default]
    Newest,
    MostVotes,
}

pub fn filter_condition(filter: &QuestionFilter) -> Condition {
    use learning_question::Column;
    let mut condition = Condition::all();
    if let Some(id) = filter.event_id {
        condition = condition.add(Column::EventId.eq(id));
    }
    if let Some(id) = filter.theme_id {
        condition = condition.add(Column::ThemeId.eq(id));
    }
    if let Some(id) = filter.session_id {
        condition = condition.add(Column::SessionId.eq(id));
    }
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status));
    }
    if let Some(role) = filter.submitter_role {
        condition = condition.add(Column::SubmitterRole.eq(role));
    }
    if let Some(id) = filter.participant_id {
        condition = condition.add(Column::ParticipantId.eq(id));
    }
    if let Some(format) = &filter.format {
        // Formats are stored as a JSON array of names; the quotes make the match exact.
        let pattern = format!("%\"{}\"%", escape_like(format));
        condition = condition.add(
            Expr::col(Column::PreferredFormats)
                .cast_as("TEXT")
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(text) = &filter.text {
        for word in text.split_whitespace() {
            let pattern = format!("%{}%", escape_like(&word.to_lowercase()));
            condition = condition.add(
                Expr::expr(Func::lower(Expr::col(Column::Text)))
                    .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
    }
    condition
}

/// One page of the questions matching `visible` and `filter`, and their total.
pub async fn questions_page(
    db: &impl ConnectionTrait,
    visible: Condition,
    filter: &QuestionFilter,
    order: QuestionOrder,
    offset: u64,
    limit: u64,
) -> Result<(Vec<learning_question::Model>, u64), AppError> {
    let total = learning_question::Entity::find()
        .filter(visible.clone())
        .filter(filter_condition(filter))
        .count(db)
        .await?;
    let rows = questions(db, visible, filter, order, offset, limit).await?;
    Ok((rows, total))
}

/// One page of the questions matching `visible` and `filter`, without counting them all
/// (the pages show a bounded list and no total).
pub async fn questions(
    db: &impl ConnectionTrait,
    visible: Condition,
    filter: &QuestionFilter,
    order: QuestionOrder,
    offset: u64,
    limit: u64,
) -> Result<Vec<learning_question::Model>, AppError> {
    use learning_question::Column;
    let query = learning_question::Entity::find()
        .filter(visible)
        .filter(filter_condition(filter));
    let query = match order {
        QuestionOrder::Newest => query
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Id),
        QuestionOrder::MostVotes => query
            .order_by_desc(Column::VoteCount)
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Id),
    };
    Ok(query.offset(offset).limit(limit).all(db).await?)
}

/// Which of these (participant, question) pairs have a vote.
pub async fn votes_of(
    db: &impl ConnectionTrait,
    pairs: &[(i32, i32)],
) -> AppResult<std::collections::HashMap<(i32, i32), bool>> {
    let mut condition = Condition::any();
    for (participant_id, question_id) in pairs {
        condition = condition.add(
            Condition::all()
                .add(vote::Column::ParticipantId.eq(*participant_id))
                .add(vote::Column::QuestionId.eq(*question_id)),
        );
    }
    let found: std::collections::HashSet<(i32, i32)> = vote::Entity::find()
        .filter(condition)
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.participant_id, v.question_id))
        .collect();
    Ok(pairs
        .iter()
        .map(|pair| (*pair, found.contains(pair)))
        .collect())
}

/// One of a participant's own questions, as their page lists it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OwnQuestion {
    pub id: i32,
    pub theme_id: i32,
    pub text: String,
    pub status: ModerationStatus,
    pub vote_count: i32,
    /// The moderator's reason, when rejected: the note of the latest rejection with one.
    pub rejection_reason: Option<String>,
}

/// The participant's own questions, newest first, each with its rejection reason: one
/// statement (the reason is a subquery of the moderation log).
pub async fn own_questions(
    db: &impl ConnectionTrait,
    participant_id: i32,
    limit: u64,
) -> AppResult<Vec<OwnQuestion>> {
    use entity::moderation_action;
    use learning_question::Column;
    let latest_reason = Query::select()
        .column((moderation_action::Entity, moderation_action::Column::Note))
        .from(moderation_action::Entity)
        .and_where(
            Expr::col((
                moderation_action::Entity,
                moderation_action::Column::QuestionId,
            ))
            .equals((learning_question::Entity, Column::Id)),
        )
        .and_where(moderation_action::Column::ToStatus.eq(ModerationStatus::Rejected))
        .and_where(moderation_action::Column::Note.is_not_null())
        .order_by(moderation_action::Column::CreatedAt, sea_orm::Order::Desc)
        .order_by(moderation_action::Column::Id, sea_orm::Order::Desc)
        .limit(1)
        .to_owned();
    let mut rows = learning_question::Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::ThemeId,
            Column::Text,
            Column::Status,
            Column::VoteCount,
        ])
        .expr_as(
            Expr::SubQuery(None, Box::new(latest_reason.into())),
            "rejection_reason",
        )
        .filter(Column::ParticipantId.eq(participant_id))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .into_model::<OwnQuestion>()
        .all(db)
        .await?;
    // Only a question rejected now shows a reason.
    for row in &mut rows {
        if row.status != ModerationStatus::Rejected {
            row.rejection_reason = None;
        }
    }
    Ok(rows)
}

/// The questions this participant has a vote on (their own or carried from a duplicate).
pub async fn voted_questions(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> AppResult<std::collections::HashSet<i32>> {
    let ids: Vec<i32> = vote::Entity::find()
        .select_only()
        .column(vote::Column::QuestionId)
        .filter(vote::Column::ParticipantId.eq(participant_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}
