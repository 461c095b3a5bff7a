//! The participant's pages: join with the access code, the learning agenda (submit, vote,
//! withdraw, "Mijn vragen"), and "Mijn gegevens" (download, delete). Each action is a
//! form that calls the service function the GraphQL resolver calls, then redirects.
//!
//! Joining by link (`?code=`, as a QR code carries it) shows the form filled in, with one
//! button: a GET never creates a participant, so link previews and prefetchers cannot.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::ID;
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entity::enums::{LearningFormat, ModerationStatus, SubmitterRole, ThemeKind};
use entity::{event, learning_question, theme};
use rand::RngCore;
use sea_orm::Iterable;
use serde::{Deserialize, Serialize};

use super::notice;
use super::views::{self, clock, zone};
use crate::auth::jwt::Subject;
use crate::auth::limits::ClientAddr;
use crate::auth::{Viewer, policy};
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};
use crate::readmodel::Snapshot;
use crate::service::feedback::{self, VoteChange};
use crate::service::{accounts, clusters, privacy, programme};
use crate::state::AppState;
use crate::web::csrf::CheckedForm;
use crate::web::forms::{self, FieldError, SubmissionValues};
use crate::web::session::{self, Lifetime, PARTICIPANT_COOKIE, Participant};
use crate::web::{ErrorPage, PageResult, Visitor, lookup, render, see_other};

fn agenda_url(slug: &str) -> String {
    format!("/events/{slug}/leeragenda")
}

/// The participant of this event behind the cookie, if any.
async fn participant_of(
    state: &AppState,
    visitor: &Visitor,
    event: &event::Model,
) -> Result<Option<Participant>, ErrorPage> {
    Ok(session::participant(state, &visitor.headers)
        .await
        .map_err(|e| ErrorPage::from_app(visitor, e))?
        .filter(|p| p.event_id == event.id))
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinQuery {
    code: Option<String>,
}

/// `GET /events/{slug}/meedoen[?code=]`.
pub async fn join_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(query): Query<JoinQuery>,
) -> PageResult {
    let event = lookup::event(&state.db, &slug)
        .await
        .map_err(|e| ErrorPage::from_app(&visitor, e))?;
    let joined = participant_of(&state, &visitor, &event).await?.is_some();
    Ok(join_form(
        &visitor,
        &event,
        joined,
        query.code.unwrap_or_default(),
        Vec::new(),
    ))
}

fn join_form(
    visitor: &Visitor,
    event: &event::Model,
    joined: bool,
    code: String,
    errors: Vec<FieldError>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render::page(
        visitor,
        status,
        "leeragenda/join.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, event)),
            joined => render::value(joined),
            code => render::value(&code),
            summary => render::value(errors.iter().map(|e| SummaryError {
                target: e.field.clone(),
                message: e.message.clone(),
            }).collect::<Vec<_>>()),
            errors => render::value(&errors),
        },
    )
}

/// `POST /events/{slug}/meedoen` (`accessCode`): a new pseudonymous participant, signed in
/// by cookie; the service's join limit per address applies.
pub async fn join(
    State(state): State<AppState>,
    client: ClientAddr,
    visitor: Visitor,
    Path(slug): Path<String>,
    form: CheckedForm,
) -> PageResult {
    let event = lookup::event(&state.db, &slug)
        .await
        .map_err(|e| ErrorPage::from_app(&visitor, e))?;
    let code = form.raw("accessCode");
    let joined = async {
        state.limits.check_join(client.0)?;
        let participant = accounts::join_event(&state.db, &slug, &code).await?;
        state
            .keys
            .issue(
                Subject::Participant {
                    participant_id: participant.id,
                    event_id: participant.event_id,
                },
                chrono::Utc::now(),
            )
            .map_err(AppError::internal)
    }
    .await;
    match joined {
        Ok(issued) => {
            let mut response = see_other(&format!("{}?melding=meegedaan", agenda_url(&slug)));
            if let Some(cookie) = session::participant_cookie(&issued, visitor.secure) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Err(error) => match forms::join_error(visitor.lang, &error) {
            Some(field_error) => Ok(join_form(&visitor, &event, false, code, vec![field_error])),
            None => Err(ErrorPage::from_app(&visitor, error)),
        },
    }
}

/// `POST /events/{slug}/verlaten`: forgets the participant's cookie (their questions stay).
pub async fn leave(visitor: Visitor, Path(slug): Path<String>, _form: CheckedForm) -> Response {
    let mut response = see_other(&format!("/events/{slug}?melding=verlaten"));
    if let Some(cookie) =
        session::set_cookie(PARTICIPANT_COOKIE, "", Lifetime::Expired, visitor.secure)
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// An approved question as this viewer sees it (borrowed from the shared agenda).
#[derive(Debug, Serialize)]
struct QuestionView<'a> {
    id: &'a str,
    text: &'a str,
    votes: i32,
    voted: bool,
    mine: bool,
}

#[derive(Debug, Serialize)]
struct SessionOption<'a> {
    id: String,
    title: &'a str,
    starts: String,
}

#[derive(Debug, Serialize)]
struct FormState {
    values: SubmissionValues,
    errors: Vec<FieldError>,
}

#[derive(Debug, Serialize)]
struct ThemeView<'a> {
    id: String,
    slug: &'a str,
    title: &'a str,
    kind: &'static str,
    description: Option<&'a str>,
    guiding_questions: Vec<&'a str>,
    open: bool,
    sessions: Vec<SessionOption<'a>>,
    approved: Vec<QuestionView<'a>>,
    /// The question being discussed now (highlighted by a moderator), shown on top: its
    /// ID (for the live updates) and text.
    now_discussed: Option<&'a (String, String)>,
    form: FormState,
}

#[derive(Debug, Serialize)]
struct MyQuestion {
    id: String,
    text: String,
    theme: String,
    status: &'static str,
    reason: Option<String>,
    votes: i32,
}

#[derive(Debug, Serialize)]
struct SummaryError {
    target: String,
    message: String,
}

/// The subscription of the agenda's live updates (`assets/js/leeragenda.js` sends it, read
/// from the page). It asks nothing that answers per viewer (no `isMine`, `viewerHasVoted`):
/// the fan-out then shares one execution of it among all participants of the event, and the
/// script knows the participant's own questions and votes from the page.
pub const LIVE_QUERY: &str = "subscription($slug: String) { learningQuestionEvents(eventSlug: $slug) { question { id text status voteCount highlighted theme { id } } } }";

/// Most of the participant's own questions shown.
const MINE_LIMIT: u64 = 100;

/// The themes that take input in this event, in the programme's order.
fn input_themes(snapshot: &Snapshot, event: &event::Model) -> Vec<Arc<theme::Model>> {
    snapshot
        .themes_of_event(event.id)
        .iter()
        .filter(|t| t.kind != ThemeKind::Topic)
        .cloned()
        .collect()
}

/// A fresh idempotency key for a form: a double tap or a retry stores one question.
fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The learning agenda page; `submitted` re-shows one theme's form with its errors.
///
/// A signed-in participant's view reads what every participant of the event sees alike
/// from `state.shared_agendas` (read once per feedback change), and only their own part
/// from the database: their questions with the reasons of rejections (one statement), and
/// their votes (one more, when any question is approved).
async fn agenda_page(
    state: &AppState,
    visitor: &Visitor,
    snapshot: &Snapshot,
    event: &event::Model,
    participant: Option<Participant>,
    submitted: Option<(i32, FormState)>,
    query: Option<&str>,
) -> PageResult {
    let fail = |e: AppError| ErrorPage::from_app(visitor, e);
    let db = &state.db;
    let zone = zone(event);
    // Themes and sessions are programme: from memory, as on the programme's pages.
    let themes = input_themes(snapshot, event);

    let mut shared = None;
    let mut voted = HashSet::new();
    let mut mine = Vec::new();
    if let Some(p) = participant {
        let agenda = state
            .shared_agendas
            .of_event(db, &state.changes, event.id, snapshot.version)
            .await
            .map_err(fail)?;
        if agenda.has_approved() {
            voted = feedback::voted_questions(db, p.participant_id)
                .await
                .map_err(fail)?;
        }
        let titles: HashMap<i32, &str> = themes.iter().map(|t| (t.id, t.title.as_str())).collect();
        mine = feedback::own_questions(db, p.participant_id, MINE_LIMIT)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|q| MyQuestion {
                id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
                theme: titles
                    .get(&q.theme_id)
                    .copied()
                    .unwrap_or_default()
                    .to_owned(),
                status: q.status.api_name(),
                reason: q.rejection_reason,
                votes: q.vote_count,
                text: q.text,
            })
            .collect();
        shared = Some(agenda);
    }
    let approved_of = |theme_id: i32| -> Vec<QuestionView<'_>> {
        let (Some(agenda), Some(p)) = (&shared, participant) else {
            return Vec::new();
        };
        agenda
            .approved
            .get(&theme_id)
            .map(|questions| {
                questions
                    .iter()
                    .map(|q| QuestionView {
                        id: &q.id,
                        text: &q.text,
                        votes: q.votes,
                        voted: voted.contains(&q.number),
                        mine: q.participant_id == p.participant_id,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let now_discussed_of = |theme_id: i32| {
        shared
            .as_ref()
            .and_then(|agenda| agenda.now_discussed.get(&theme_id))
    };
    let mut summary = Vec::new();
    let mut submitted = submitted;
    let themes: Vec<ThemeView<'_>> = themes
        .iter()
        .map(|t| {
            let open_sessions: Vec<SessionOption<'_>> = snapshot
                .sessions_of_theme(t.id)
                .iter()
                .filter(|s| s.event_id == event.id && s.feedback_open)
                .map(|s| SessionOption {
                    id: ids::encode(NodeType::Session, s.id).to_string(),
                    title: &s.title,
                    starts: clock(zone, s.starts_at),
                })
                .collect();
            let form = match submitted.take_if(|(id, _)| *id == t.id) {
                Some((_, form)) => {
                    summary.extend(form.errors.iter().map(|e| SummaryError {
                        target: field_target(&t.slug, &e.field),
                        message: e.message.clone(),
                    }));
                    form
                }
                None => FormState {
                    values: SubmissionValues {
                        idempotency_key: idempotency_key(),
                        ..SubmissionValues::default()
                    },
                    errors: Vec::new(),
                },
            };
            ThemeView {
                id: ids::encode(NodeType::Theme, t.id).to_string(),
                slug: &t.slug,
                kind: t.kind.api_name(),
                description: t.description.as_deref(),
                guiding_questions: t
                    .guiding_questions
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|q| q.as_str())
                    .collect(),
                open: !open_sessions.is_empty(),
                sessions: open_sessions,
                approved: approved_of(t.id),
                now_discussed: now_discussed_of(t.id),
                form,
                title: &t.title,
            }
        })
        .collect();
    let status = if summary.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let live_token = participant.and_then(|p| session::live_token(state, p));
    Ok(render::page(
        visitor,
        status,
        "leeragenda/agenda.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, event)),
            joined => render::value(participant.is_some()),
            live_token => render::value(&live_token),
            live_query => render::value(LIVE_QUERY),
            themes => render::value(&themes),
            mine => render::value(&mine),
            summary => render::value(&summary),
            roles => render::value(SubmitterRole::iter().map(SubmitterRole::api_name).collect::<Vec<_>>()),
            formats => render::value(LearningFormat::ALL.map(LearningFormat::api_name)),
            notice => render::value(notice(query)),
        },
    ))
}

/// The id of the input a message links to (the first box of a group).
fn field_target(theme_slug: &str, field: &str) -> String {
    match field {
        "submitterRole" | "preferredFormats" => format!("{theme_slug}-{field}-0"),
        _ => format!("{theme_slug}-{field}"),
    }
}

/// `GET /events/{slug}/leeragenda`.
pub async fn agenda(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    // The event is programme: from memory (the forms' handlers read it as they write).
    let snapshot = state.read_model.current(&state.db).await.map_err(fail)?;
    let event = snapshot
        .event_by_slug(Some(&slug))
        .ok_or_else(|| fail(AppError::not_found("no such event")))?;
    // The page only reads: a participant seen lately needs no statement.
    let participant = session::participant_for_reading(&state, &visitor.headers)
        .await
        .map_err(fail)?
        .filter(|p| p.event_id == event.id);
    agenda_page(
        &state,
        &visitor,
        &snapshot,
        event,
        participant,
        None,
        query.as_deref(),
    )
    .await
}

/// `POST /events/{slug}/leeragenda`: submits a learning question (fields as in
/// `SubmitLearningQuestionInput`); errors come back next to their fields, input kept.
pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    form: CheckedForm,
) -> PageResult {
    let event = lookup::event(&state.db, &slug)
        .await
        .map_err(|e| ErrorPage::from_app(&visitor, e))?;
    let Some(participant) = participant_of(&state, &visitor, &event).await? else {
        return Ok(see_other(&format!("/events/{slug}/meedoen")));
    };
    let read = forms::read_submission(visitor.lang, &form);
    let refused = |errors: Vec<FieldError>, values: SubmissionValues| {
        read.theme_id.map(|id| (id, FormState { values, errors }))
    };
    let input = match read.input {
        Ok(input) => input,
        Err(errors) => {
            let form = refused(errors, read.values.clone());
            return refused_page(&state, &visitor, &event, participant, form).await;
        }
    };
    let submitted =
        async { feedback::submit(handles(&state), service_participant(&participant), input).await }
            .await;
    match submitted {
        Ok(_) => Ok(see_other(&format!(
            "{}?melding=ingediend#mijn-vragen",
            agenda_url(&slug)
        ))),
        Err(AppError::Unauthenticated | AppError::Forbidden(_)) => {
            Ok(see_other(&format!("/events/{slug}/meedoen")))
        }
        Err(error) => match forms::submission_error(visitor.lang, &read.values, &error) {
            Some(field_error) => {
                let form = refused(vec![field_error], read.values.clone());
                refused_page(&state, &visitor, &event, participant, form).await
            }
            None => Err(ErrorPage::from_app(&visitor, error)),
        },
    }
}

/// The agenda again after a refused submission, with the form's errors.
async fn refused_page(
    state: &AppState,
    visitor: &Visitor,
    event: &event::Model,
    participant: Participant,
    form: Option<(i32, FormState)>,
) -> PageResult {
    let snapshot = state
        .read_model
        .current(&state.db)
        .await
        .map_err(|e| ErrorPage::from_app(visitor, e))?;
    agenda_page(
        state,
        visitor,
        &snapshot,
        event,
        Some(participant),
        form,
        None,
    )
    .await
}

/// `POST /events/{slug}/leeragenda/stem` (`id`, `action` = `vote` | `unvote`): "Ik herken
/// deze vraag", or withdraw it.
pub async fn vote(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    form: CheckedForm,
) -> PageResult {
    let event = lookup::event(&state.db, &slug)
        .await
        .map_err(|e| ErrorPage::from_app(&visitor, e))?;
    let Some(participant) = participant_of(&state, &visitor, &event).await? else {
        return Ok(see_other(&format!("/events/{slug}/meedoen")));
    };
    let change = match form.get("action") {
        Some("unvote") => VoteChange::Withdraw,
        _ => VoteChange::Add,
    };
    let question_id = form
        .get("id")
        .and_then(|id| ids::decode(&ID::from(id), NodeType::LearningQuestion, "id").ok())
        .ok_or_else(|| ErrorPage::new(&visitor, StatusCode::BAD_REQUEST))?;
    let changed = async {
        feedback::change_vote(
            handles(&state),
            service_participant(&participant),
            question_id,
            change,
        )
        .await
    }
    .await;
    let notice = match (&changed, change) {
        (Ok(_), VoteChange::Add) => "gestemd",
        (Ok(_), VoteChange::Withdraw) => "ingetrokken",
        (Err(AppError::Conflict(_)), _) => "al-gestemd",
        (Err(AppError::NotFound(_)), VoteChange::Withdraw) => "niet-gestemd",
        (Err(AppError::RateLimited { .. }), _) => "te-snel",
        (Err(AppError::BadUserInput { .. } | AppError::Forbidden(_)), _) => "gesloten",
        (Err(AppError::Unauthenticated), _) => {
            return Ok(see_other(&format!("/events/{slug}/meedoen")));
        }
        (Err(_), _) => "mislukt",
    };
    let question = ids::encode(NodeType::LearningQuestion, question_id);
    Ok(see_other(&format!(
        "{}?melding={notice}#vraag-{}",
        agenda_url(&slug),
        question.as_str()
    )))
}

#[derive(Debug, Default, Deserialize)]
pub struct SimilarQuery {
    #[serde(rename = "themeId")]
    theme_id: Option<String>,
    text: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SimilarQuestion {
    id: String,
    text: String,
    vote_count: i32,
    viewer_has_voted: bool,
}

/// Most similar questions suggested while typing.
const SIMILAR_LIMIT: usize = 3;

/// `GET /events/{slug}/leeragenda/vergelijkbaar?themeId=&text=`: approved questions like
/// the text being typed (the API's `similarQuestions`), for the page's script. Same
/// origin only: it answers from the cookie, and no CORS answer allows credentials.
pub async fn similar(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(query): Query<SimilarQuery>,
) -> Response {
    let found = async {
        let event = lookup::event(&state.db, &slug).await?;
        let participant = session::participant(&state, &visitor.headers)
            .await?
            .filter(|p| p.event_id == event.id)
            .ok_or(AppError::Unauthenticated)?;
        let text = query.text.unwrap_or_default();
        let Some(theme_id) = query
            .theme_id
            .and_then(|id| ids::decode(&ID::from(id), NodeType::Theme, "themeId").ok())
        else {
            return Ok(Vec::new());
        };
        if text.trim().chars().count() < crate::domain::question::TEXT_MIN {
            return Ok(Vec::new());
        }
        let text: String = text
            .chars()
            .take(crate::domain::question::TEXT_MAX)
            .collect();
        let viewer = Viewer::Participant {
            participant_id: participant.participant_id,
            event_id: participant.event_id,
        };
        let readable = policy::readable_questions(&viewer)?
            .add(learning_question::Column::Status.eq(ModerationStatus::Approved));
        let found =
            clusters::similar(&state.db, readable, theme_id, &text, None, SIMILAR_LIMIT).await?;
        let pairs: Vec<(i32, i32)> = found
            .iter()
            .map(|(q, _)| (participant.participant_id, q.id))
            .collect();
        let voted = feedback::votes_of(&state.db, &pairs).await?;
        Ok::<_, AppError>(
            found
                .into_iter()
                .map(|(q, _)| SimilarQuestion {
                    id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
                    viewer_has_voted: voted
                        .get(&(participant.participant_id, q.id))
                        .copied()
                        .unwrap_or(false),
                    vote_count: q.vote_count,
                    text: q.text,
                })
                .collect(),
        )
    }
    .await;
    let mut response = match found {
        Ok(found) => Json(found).into_response(),
        Err(AppError::Unauthenticated) => StatusCode::UNAUTHORIZED.into_response(),
        Err(AppError::NotFound(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ErrorPage::from_app(&visitor, error).status.into_response(),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

use sea_orm::ColumnTrait as _;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OwnQuestion {
    id: String,
    text: String,
    context: Option<String>,
    theme: String,
    status: String,
    submitter_role: Option<String>,
    preferred_formats: serde_json::Value,
    region: Option<String>,
    vote_count: i32,
    created_at: String,
}

/// `GET /events/{slug}/mijn-gegevens.json`: everything kept about the participant, as the
/// API's `myData` holds it, for download.
pub async fn download_data(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> PageResult {
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(fail)?;
    let Some(participant) = participant_of(&state, &visitor, &event).await? else {
        return Ok(see_other(&format!("/events/{slug}/meedoen")));
    };
    let (questions, voted_for) = privacy::own_data(&state.db, participant.participant_id)
        .await
        .map_err(fail)?;
    let theme_ids: Vec<i32> = questions
        .iter()
        .chain(&voted_for)
        .map(|q| q.theme_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let themes = programme::by_ids::<theme::Entity>(&state.db, theme::Column::Id, &theme_ids)
        .await
        .map_err(fail)?;
    let describe = |q: &learning_question::Model| OwnQuestion {
        id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
        text: q.text.clone(),
        context: q.context.clone(),
        theme: themes
            .get(&q.theme_id)
            .map(|t| t.slug.clone())
            .unwrap_or_default(),
        status: q.status.api_name().to_owned(),
        submitter_role: q.submitter_role.map(|r| r.api_name().to_owned()),
        preferred_formats: q.preferred_formats.clone(),
        region: q.region.clone(),
        vote_count: q.vote_count,
        created_at: q
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let body = serde_json::json!({
        "event": event.slug,
        "questions": questions.iter().map(describe).collect::<Vec<_>>(),
        "votedFor": voted_for.iter().map(describe).collect::<Vec<_>>(),
    });
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"mijn-gegevens.json\""),
    );
    Ok(response)
}

/// `POST /events/{slug}/mijn-gegevens/verwijderen`: erases the participant's questions
/// and votes (the API's `deleteMyData`) and signs them out.
pub async fn delete_data(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    _form: CheckedForm,
) -> PageResult {
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(fail)?;
    let Some(participant) = participant_of(&state, &visitor, &event).await? else {
        return Ok(see_other(&format!("/events/{slug}/meedoen")));
    };
    privacy::erase_participant(&state.db, &state.changes, participant.participant_id)
        .await
        .map_err(fail)?;
    let mut response = see_other(&format!("/events/{slug}?melding=gegevens-verwijderd"));
    if let Some(cookie) =
        session::set_cookie(PARTICIPANT_COOKIE, "", Lifetime::Expired, visitor.secure)
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// What a participant's writes need, from the state the resolvers share.
fn handles(state: &AppState) -> feedback::Handles<'_> {
    feedback::Handles {
        db: &state.db,
        writer: &state.writer,
        changes: &state.changes,
        limits: &state.limits,
    }
}

fn service_participant(participant: &Participant) -> feedback::Participant {
    feedback::Participant {
        id: participant.participant_id,
        event_id: participant.event_id,
    }
}
