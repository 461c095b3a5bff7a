//! Moderation: a state change and its audit row in one transaction.

use chrono::Utc;
use entity::enums::{AccountRole, ModerationActionKind, ModerationStatus};
use entity::{
    account, learning_question, moderation_action, moderation_mode, moderator_scope, session,
    session_theme, vote,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
    TransactionTrait,
};

use crate::auth::{Viewer, policy};
use crate::db::Writer;
use crate::domain::moderation::transition;
use crate::error::{AppError, AppResult};
use crate::service::live::{Changes, QuestionChange};

/// What a moderator asks for.
#[derive(Debug, Clone)]
pub struct Moderation {
    pub question_id: i32,
    pub action: ModerationActionKind,
    pub duplicate_of_id: Option<i32>,
    pub note: Option<String>,
    pub theme_id: Option<i32>,
}

pub const NOTE_MAX: usize = 2000;

/// Applies a moderation action for `viewer`, who must have the question (and a new theme) in
/// scope: the change and its audit row commit together, then the change is published. MOVE
/// changes only the theme (and takes the highlight away: one per theme).
/// Writes (and the reads they depend on) go through the writer's connection.
pub async fn moderate(
    writer: &Writer,
    changes: &Changes,
    viewer: &Viewer,
    request: Moderation,
) -> AppResult<learning_question::Model> {
    let db = writer.connection();
    let actor = policy::require_moderator(viewer)?;
    let note = crate::domain::question::optional_text("note", request.note.as_deref(), NOTE_MAX)?;
    let question = learning_question::Entity::find_by_id(request.question_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no question with this ID"))?;
    if !policy::in_scope(
        viewer,
        question.event_id,
        question.theme_id,
        question.session_id,
    ) {
        return Err(AppError::forbidden("this question is outside your scope"));
    }
    let to_status = if request.action == ModerationActionKind::Move {
        moved_status(&question, request.theme_id)?
    } else {
        transition(question.status, request.action).ok_or_else(|| {
            AppError::Conflict(format!(
                "cannot {:?} a question that is {:?}",
                request.action, question.status
            ))
        })?
    };
    let to_theme = request.theme_id.unwrap_or(question.theme_id);
    if to_theme != question.theme_id {
        crate::service::feedback::check_input_theme(db, question.event_id, to_theme).await?;
        // Still in scope where it goes: by the new theme, or by the question's session.
        if !policy::in_scope(viewer, question.event_id, to_theme, question.session_id) {
            return Err(AppError::forbidden("the new theme is outside your scope"));
        }
    }
    let original = match (request.action, request.duplicate_of_id) {
        (ModerationActionKind::MarkDuplicate, None) => {
            return Err(AppError::bad_input(
                "duplicateOfId",
                "say which question this one repeats",
            ));
        }
        (ModerationActionKind::MarkDuplicate, Some(id)) => {
            let original = learning_question::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::bad_input("duplicateOfId", "no question with this ID"))?;
            if original.id == question.id
                || original.theme_id != to_theme
                || original.status == ModerationStatus::Duplicate
            {
                return Err(AppError::bad_input(
                    "duplicateOfId",
                    "the original must be another question of the same theme that is not itself a duplicate",
                ));
            }
            Some(original)
        }
        (_, Some(_)) => {
            return Err(AppError::bad_input(
                "duplicateOfId",
                "only for MARK_DUPLICATE",
            ));
        }
        (_, None) => None,
    };

    let now = Utc::now();
    let txn = db.begin().await?;
    // Guard on the state read above: a concurrent moderation makes this a conflict, not a lost update.
    let mut update = learning_question::Entity::update_many()
        .col_expr(learning_question::Column::Status, Expr::value(to_status))
        .col_expr(learning_question::Column::ThemeId, Expr::value(to_theme))
        .col_expr(
            learning_question::Column::DuplicateOfId,
            Expr::value(original.as_ref().map(|o| o.id)),
        )
        .col_expr(learning_question::Column::UpdatedAt, Expr::value(now))
        .filter(learning_question::Column::Id.eq(question.id))
        .filter(learning_question::Column::Status.eq(question.status))
        .filter(learning_question::Column::ThemeId.eq(question.theme_id));
    if to_theme != question.theme_id {
        // The highlight is one per theme: a question that leaves its theme leaves the table.
        update = update.col_expr(
            learning_question::Column::HighlightedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        );
    }
    let updated = update.exec(&txn).await?.rows_affected;
    if updated == 0 {
        return Err(AppError::Conflict(
            "the question was moderated by someone else; reload it".into(),
        ));
    }
    // The originals whose vote counts this action changes.
    let mut recounted = Vec::new();
    if let Some(original) = &original {
        carry_votes(&txn, question.id, original.id).await?;
        recounted.push(original.id);
    }
    if question.status == ModerationStatus::Duplicate
        && let Some(original_id) = question.duplicate_of_id
    {
        // Restoring a duplicate takes back the votes it lent its original.
        vote::Entity::delete_many()
            .filter(vote::Column::QuestionId.eq(original_id))
            .filter(vote::Column::CarriedFromId.eq(question.id))
            .exec(&txn)
            .await?;
        recount(&txn, original_id).await?;
        recounted.push(original_id);
    }
    moderation_action::ActiveModel {
        question_id: Set(question.id),
        actor_account_id: Set(actor),
        action: Set(request.action),
        from_status: Set(question.status),
        to_status: Set(to_status),
        from_theme_id: Set(question.theme_id),
        to_theme_id: Set(to_theme),
        duplicate_of_id: Set(original.as_ref().map(|o| o.id)),
        note: Set(note),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    writer.metrics().moderation_action(request.action);
    changes
        .publish(QuestionChange::Moderated, question.id)
        .await;
    for original_id in recounted {
        changes.publish(QuestionChange::Voted, original_id).await;
    }
    crate::service::feedback::reload(db, question.id).await
}

/// The status after MOVE: the same, once there is another theme to move to. A duplicate
/// stays with its original (same theme); restore it first.
fn moved_status(
    question: &learning_question::Model,
    theme_id: Option<i32>,
) -> AppResult<ModerationStatus> {
    if theme_id.is_none_or(|id| id == question.theme_id) {
        return Err(AppError::bad_input(
            "themeId",
            "say which other theme of the event the question moves to",
        ));
    }
    if question.status == ModerationStatus::Duplicate {
        return Err(AppError::Conflict(
            "a duplicate stays with its original; restore it before moving it".into(),
        ));
    }
    Ok(question.status)
}

/// The (event, theme) pairs the sessions serve: a moderator of these sessions screens the
/// questions given on these themes without a session too.
pub async fn served_themes(
    db: &impl ConnectionTrait,
    session_ids: &[i32],
) -> AppResult<Vec<(i32, i32)>> {
    if session_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(session_theme::Entity::find()
        .select_only()
        .column(session::Column::EventId)
        .column(session_theme::Column::ThemeId)
        .join(JoinType::InnerJoin, session_theme::Relation::Session.def())
        .filter(session_theme::Column::SessionId.is_in(session_ids.iter().copied()))
        .distinct()
        .into_tuple()
        .all(db)
        .await?)
}

/// How many pending questions (of `scope`, an event and perhaps one theme) no enabled
/// moderator has in scope, by the rule of `policy::in_scope`: only an admin can screen them.
pub async fn unscreenable(
    db: &impl ConnectionTrait,
    scope: Condition,
    event_id: i32,
    theme_id: Option<i32>,
) -> AppResult<u64> {
    let question =
        |column: learning_question::Column| Expr::col((learning_question::Entity, column));
    let scope_column =
        |column: moderator_scope::Column| Expr::col((moderator_scope::Entity, column));
    // Sessions of the question's event serving its theme.
    let serving_sessions = Query::select()
        .column((session_theme::Entity, session_theme::Column::SessionId))
        .from(session_theme::Entity)
        .inner_join(
            session::Entity,
            Expr::col((session::Entity, session::Column::Id))
                .equals((session_theme::Entity, session_theme::Column::SessionId)),
        )
        .and_where(
            Expr::col((session_theme::Entity, session_theme::Column::ThemeId))
                .eq(question(learning_question::Column::ThemeId)),
        )
        .and_where(
            Expr::col((session::Entity, session::Column::EventId))
                .eq(question(learning_question::Column::EventId)),
        )
        .to_owned();
    let moderator_in_scope = Query::select()
        .expr(Expr::val(1))
        .from(moderator_scope::Entity)
        .inner_join(
            account::Entity,
            Expr::col((account::Entity, account::Column::Id))
                .equals((moderator_scope::Entity, moderator_scope::Column::AccountId)),
        )
        .and_where(Expr::col((account::Entity, account::Column::Role)).eq(AccountRole::Moderator))
        .and_where(Expr::col((account::Entity, account::Column::Disabled)).eq(false))
        .cond_where(
            Condition::any()
                .add(
                    scope_column(moderator_scope::Column::ThemeId)
                        .eq(question(learning_question::Column::ThemeId)),
                )
                .add(
                    scope_column(moderator_scope::Column::SessionId)
                        .eq(question(learning_question::Column::SessionId)),
                )
                .add(
                    Condition::all()
                        .add(question(learning_question::Column::SessionId).is_null())
                        .add(
                            scope_column(moderator_scope::Column::SessionId)
                                .in_subquery(serving_sessions),
                        ),
                ),
        )
        .to_owned();
    let mut query = learning_question::Entity::find()
        .filter(scope)
        .filter(learning_question::Column::EventId.eq(event_id))
        .filter(learning_question::Column::Status.eq(ModerationStatus::Pending))
        .filter(Expr::exists(moderator_in_scope).not());
    if let Some(theme_id) = theme_id {
        query = query.filter(learning_question::Column::ThemeId.eq(theme_id));
    }
    Ok(query.count(db).await?)
}

/// Gives the original a vote of every participant who recognised the duplicate but not the original.
async fn carry_votes(
    db: &impl ConnectionTrait,
    duplicate_id: i32,
    original_id: i32,
) -> Result<(), AppError> {
    let voters: Vec<i32> = vote::Entity::find()
        .select_only()
        .column(vote::Column::ParticipantId)
        .filter(vote::Column::QuestionId.eq(duplicate_id))
        .filter(
            vote::Column::ParticipantId.not_in_subquery(
                Query::select()
                    .column(vote::Column::ParticipantId)
                    .from(vote::Entity)
                    .and_where(vote::Column::QuestionId.eq(original_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    let now = Utc::now();
    for chunk in voters.chunks(500) {
        vote::Entity::insert_many(chunk.iter().map(|participant_id| vote::ActiveModel {
            question_id: Set(original_id),
            participant_id: Set(*participant_id),
            carried_from_id: Set(Some(duplicate_id)),
            created_at: Set(now),
        }))
        .exec(db)
        .await?;
    }
    recount(db, original_id).await
}

async fn recount(db: &impl ConnectionTrait, question_id: i32) -> Result<(), AppError> {
    let count = vote::Entity::find()
        .filter(vote::Column::QuestionId.eq(question_id))
        .count(db)
        .await?;
    learning_question::Entity::update_many()
        .col_expr(
            learning_question::Column::VoteCount,
            Expr::value(i32::try_from(count).unwrap_or(i32::MAX)),
        )
        .filter(learning_question::Column::Id.eq(question_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The moderation log: staff and admins everything, moderators their own actions.
pub async fn log_page(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    question_id: Option<i32>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<moderation_action::Model>, u64), AppError> {
    let mut query = moderation_action::Entity::find();
    match viewer {
        Viewer::Anonymous => return Err(AppError::Unauthenticated),
        Viewer::Participant { .. } => {
            return Err(AppError::forbidden(
                "the audit log is for moderators and staff",
            ));
        }
        Viewer::Account {
            account_id,
            role: entity::enums::AccountRole::Moderator,
            ..
        } => query = query.filter(moderation_action::Column::ActorAccountId.eq(*account_id)),
        Viewer::Account { .. } => {}
    }
    if let Some(id) = question_id {
        query = query.filter(moderation_action::Column::QuestionId.eq(id));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(moderation_action::Column::CreatedAt)
        .order_by_desc(moderation_action::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The questions a moderator screens: their scope (not the approved questions of other
/// themes they may read elsewhere); an admin's is everything. Staff and others screen none.
pub fn queue_scope(viewer: &Viewer) -> AppResult<Condition> {
    policy::require_moderator(viewer)?;
    match viewer {
        Viewer::Account {
            role: AccountRole::Moderator,
            scopes,
            ..
        } => Ok(policy::moderator_scope(scopes)),
        _ => Ok(Condition::all()),
    }
}

/// One page of the moderation queue of `viewer`, oldest first (the order they came in).
pub async fn queue(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &crate::service::feedback::QuestionFilter,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<learning_question::Model>, u64)> {
    let query = learning_question::Entity::find()
        .filter(queue_scope(viewer)?)
        .filter(crate::service::feedback::filter_condition(filter));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(learning_question::Column::CreatedAt)
        .order_by_asc(learning_question::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Whether questions of this event and theme are post-moderated (appear at once): the
/// theme's setting, else the event's, else not.
pub async fn post_moderated(
    db: &impl ConnectionTrait,
    event_id: i32,
    theme_id: i32,
) -> AppResult<bool> {
    let rows = moderation_mode::Entity::find()
        .filter(moderation_mode::Column::EventId.eq(event_id))
        .filter(
            Condition::any()
                .add(moderation_mode::Column::ThemeId.eq(theme_id))
                .add(moderation_mode::Column::ThemeId.is_null()),
        )
        .all(db)
        .await?;
    Ok(post_moderated_in(&rows, theme_id))
}

/// The rule over an event's settings: the theme's own, else the event's, else not.
pub fn post_moderated_in(settings: &[moderation_mode::Model], theme_id: i32) -> bool {
    let theme = settings.iter().find(|r| r.theme_id == Some(theme_id));
    let event = settings.iter().find(|r| r.theme_id.is_none());
    theme.or(event).is_some_and(|r| r.post_moderation)
}

/// The event's settings (its own first, then per theme).
pub async fn modes(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> AppResult<Vec<moderation_mode::Model>> {
    Ok(moderation_mode::Entity::find()
        .filter(moderation_mode::Column::EventId.eq(event_id))
        .order_by_asc(moderation_mode::Column::ThemeId)
        .order_by_asc(moderation_mode::Column::Id)
        .all(db)
        .await?)
}

/// Staff and admins choose how an event, or one theme of it, is moderated; the change and
/// its audit row commit together.
pub async fn set_mode(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    event_id: i32,
    theme_id: Option<i32>,
    post_moderation: bool,
) -> AppResult<moderation_mode::Model> {
    let actor = match viewer {
        Viewer::Anonymous => return Err(AppError::Unauthenticated),
        Viewer::Account {
            account_id,
            role: AccountRole::Staff | AccountRole::Admin,
            ..
        } => *account_id,
        _ => {
            return Err(AppError::forbidden(
                "only staff and admins choose how questions are moderated",
            ));
        }
    };
    let txn = db.begin().await?;
    if let Some(theme_id) = theme_id {
        crate::service::feedback::check_input_theme(&txn, event_id, theme_id).await?;
    }
    let existing = moderation_mode::Entity::find()
        .filter(moderation_mode::Column::EventId.eq(event_id))
        .filter(match theme_id {
            Some(id) => moderation_mode::Column::ThemeId.eq(id),
            None => moderation_mode::Column::ThemeId.is_null(),
        })
        .one(&txn)
        .await?;
    let now = Utc::now();
    let row = match existing {
        Some(row) => {
            let mut row: moderation_mode::ActiveModel = row.into();
            row.post_moderation = Set(post_moderation);
            row.updated_by = Set(actor);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => moderation_mode::ActiveModel {
            event_id: Set(event_id),
            theme_id: Set(theme_id),
            post_moderation: Set(post_moderation),
            updated_by: Set(actor),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|err| AppError::from_db_unique(err, "changed at the same time; retry"))?,
    };
    let subject = match theme_id {
        Some(theme_id) => format!("event:{event_id}/theme:{theme_id}"),
        None => format!("event:{event_id}"),
    };
    crate::service::admin::audit(
        &txn,
        actor,
        "SET_MODERATION_MODE",
        subject,
        serde_json::json!({ "postModeration": post_moderation }),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// What a moderator marks on an approved question during the session; `None` leaves a mark
/// as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marks {
    /// Queued for the table.
    pub starred: Option<bool>,
    /// Being discussed now (highlighting one takes the highlight from the theme's others).
    pub highlighted: Option<bool>,
    /// Taken up in the session.
    pub discussed: Option<bool>,
}

/// Stars, highlights or marks as discussed an approved question (moderators in scope,
/// admins); the changed questions are published on the live channel.
pub async fn mark(
    writer: &Writer,
    changes: &Changes,
    viewer: &Viewer,
    question_id: i32,
    marks: Marks,
) -> AppResult<learning_question::Model> {
    let db = writer.connection();
    policy::require_moderator(viewer)?;
    let question = learning_question::Entity::find_by_id(question_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no question with this ID"))?;
    if !policy::in_scope(
        viewer,
        question.event_id,
        question.theme_id,
        question.session_id,
    ) {
        return Err(AppError::forbidden("this question is outside your scope"));
    }
    if question.status != ModerationStatus::Approved {
        return Err(AppError::Conflict(
            "only approved questions are starred, highlighted or discussed".into(),
        ));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let mut unhighlighted = Vec::new();
    if marks.highlighted == Some(true) {
        unhighlighted = learning_question::Entity::find()
            .select_only()
            .column(learning_question::Column::Id)
            .filter(learning_question::Column::EventId.eq(question.event_id))
            .filter(learning_question::Column::ThemeId.eq(question.theme_id))
            .filter(learning_question::Column::HighlightedAt.is_not_null())
            .filter(learning_question::Column::Id.ne(question.id))
            .into_tuple::<i32>()
            .all(&txn)
            .await?;
        learning_question::Entity::update_many()
            .col_expr(
                learning_question::Column::HighlightedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(learning_question::Column::Id.is_in(unhighlighted.iter().copied()))
            .exec(&txn)
            .await?;
    }
    let mut update = learning_question::Entity::update_many()
        .col_expr(learning_question::Column::UpdatedAt, Expr::value(now))
        .filter(learning_question::Column::Id.eq(question.id))
        .filter(learning_question::Column::Status.eq(ModerationStatus::Approved));
    if let Some(starred) = marks.starred {
        update = update.col_expr(learning_question::Column::Starred, Expr::value(starred));
    }
    if let Some(highlighted) = marks.highlighted {
        let at = highlighted.then_some(question.highlighted_at.unwrap_or(now));
        update = update.col_expr(learning_question::Column::HighlightedAt, Expr::value(at));
    }
    if let Some(discussed) = marks.discussed {
        let at = discussed.then_some(question.discussed_at.unwrap_or(now));
        update = update.col_expr(learning_question::Column::DiscussedAt, Expr::value(at));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::Conflict(
            "the question was moderated by someone else; reload it".into(),
        ));
    }
    txn.commit().await?;
    for id in unhighlighted.into_iter().chain([question.id]) {
        changes.publish(QuestionChange::Moderated, id).await;
    }
    crate::service::feedback::reload(db, question.id).await
}

/// The question being discussed now, per theme of the event (or of one theme): what the
/// studio screen and the participants' page show on top. Only approved questions.
pub async fn highlighted(
    db: &impl ConnectionTrait,
    event_id: i32,
    theme_id: Option<i32>,
) -> AppResult<Vec<learning_question::Model>> {
    let mut query = learning_question::Entity::find()
        .filter(learning_question::Column::EventId.eq(event_id))
        .filter(learning_question::Column::HighlightedAt.is_not_null())
        .filter(learning_question::Column::Status.eq(ModerationStatus::Approved));
    if let Some(theme_id) = theme_id {
        query = query.filter(learning_question::Column::ThemeId.eq(theme_id));
    }
    Ok(query
        .order_by_desc(learning_question::Column::HighlightedAt)
        .all(db)
        .await?)
}
