//! The programme as front ends read it: events, blocks, sessions, people, organisations, themes.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Interface, Object, SimpleObject, Union,
};
use chrono::{DateTime, Utc};
use entity::{event, organisation, person, programme_block, session, theme};

use super::context::{ContextExt, load_list, load_many, load_one};
use super::ids::{self, NodeType};
use super::loaders::{
    AffiliationsOfPerson, BlockById, BlocksOfEvent, EventById, HostIdsOfEvent, OrganisationById,
    OrganisationIdsOfSession, PersonById, SessionById, SessionsOfBlock, SessionsOfPerson,
    SessionsOfTheme, SessionsOfWorkshop, SpeakersOfSession, ThemeById, ThemeIdsOfSession,
    ThemesOfEvent,
};
use super::pagination::{CountedConnection, PageRequest};
use crate::error::AppError;
use crate::service::programme::{self as service, SessionFilter as ServiceSessionFilter};
use crate::service::search::{self as search_service};

/// What a programme block is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BlockKind")]
pub enum BlockKind {
    Plenary,
    WorkshopRound,
}

/// What a session is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SessionKind")]
pub enum SessionKind {
    Plenary,
    Workshop,
    /// A session of the learning agenda: participants' learning questions are collected here.
    LearningAgenda,
}

/// The part a person plays in a session.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SpeakerRole")]
pub enum SpeakerRole {
    Host,
    Speaker,
    Facilitator,
    TableGuest,
}

/// What a theme is for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ThemeKind")]
pub enum ThemeKind {
    /// A learning-agenda theme; participants submit learning questions on it.
    LearningAgenda,
    /// A topic that tags sessions.
    Topic,
    /// A question a plenary puts to all participants; their answers are input too.
    PlenaryQuestion,
}

/// Anything with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Event(Event),
    ProgrammeBlock(ProgrammeBlock),
    Session(Session),
    Person(Person),
    Organisation(Organisation),
    Theme(Theme),
    LearningQuestion(super::feedback::LearningQuestion),
}

/// A neighbourhood event with its programme.
pub struct Event(pub event::Model);

#[Object]
impl Event {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Event, self.0.id)
    }
    /// Stable, human-readable key, e.g. `dag-van-de-buurt-2021`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// IANA time zone of the event, for showing times locally.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// Who leads the day.
    async fn hosts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        let host_ids = load_list(ctx, HostIdsOfEvent(self.0.id)).await?;
        let people = load_many(ctx, host_ids.into_iter().map(PersonById).collect()).await?;
        Ok(people.into_iter().map(Person).collect())
    }
    /// Programme blocks in time order.
    async fn blocks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProgrammeBlock>> {
        let blocks = load_list(ctx, BlocksOfEvent(self.0.id)).await?;
        Ok(blocks.into_iter().map(ProgrammeBlock).collect())
    }
    /// Themes of the event, optionally of one kind.
    async fn themes(
        &self,
        ctx: &Context<'_>,
        kind: Option<ThemeKind>,
    ) -> async_graphql::Result<Vec<Theme>> {
        let themes = load_list(ctx, ThemesOfEvent(self.0.id)).await?;
        let kind = kind.map(entity::enums::ThemeKind::from);
        Ok(themes
            .into_iter()
            .filter(|t| kind.is_none_or(|k| t.kind == k))
            .map(Theme)
            .collect())
    }
    /// Sessions in programme order, filtered and paginated.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<SessionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Session>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let filter = filter
            .map(SessionFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let (rows, total) =
            service::sessions_page(ctx.db()?, self.0.id, &filter, page.offset, page.limit)
                .await
                .map_err(AppError::from)?;
        Ok(page.connection(rows, total, Session))
    }
    /// Everyone taking part (hosts, speakers, facilitators, table guests), by name.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Person>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let (rows, total) = service::people_page(ctx.db()?, self.0.id, page.offset, page.limit)
            .await
            .map_err(AppError::from)?;
        Ok(page.connection(rows, total, Person))
    }
    /// Organisations taking part, by name.
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let rows = service::organisations_of_event(ctx.db()?, self.0.id)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(Organisation).collect())
    }
}

/// Filters on `Event.sessions`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct SessionFilter {
    pub block_id: Option<ID>,
    pub kind: Option<SessionKind>,
    pub theme_id: Option<ID>,
    pub person_id: Option<ID>,
    pub organisation_id: Option<ID>,
    /// Words that must all occur in the title, description, people or organisations (case and accents ignored).
    pub text: Option<String>,
    pub feedback_open: Option<bool>,
}

impl SessionFilter {
    fn into_service(self) -> Result<ServiceSessionFilter, AppError> {
        let decode = |id: Option<ID>, node_type, field: &str| {
            id.map(|id| ids::decode(&id, node_type, &format!("filter.{field}")))
                .transpose()
        };
        if self
            .text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS)
        {
            return Err(AppError::bad_input(
                "filter.text",
                format!("at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        Ok(ServiceSessionFilter {
            block_id: decode(self.block_id, NodeType::ProgrammeBlock, "blockId")?,
            kind: self.kind.map(Into::into),
            theme_id: decode(self.theme_id, NodeType::Theme, "themeId")?,
            person_id: decode(self.person_id, NodeType::Person, "personId")?,
            organisation_id: decode(
                self.organisation_id,
                NodeType::Organisation,
                "organisationId",
            )?,
            text: self.text,
            feedback_open: self.feedback_open,
        })
    }
}

/// A part of the day: a plenary or a round of parallel workshops.
pub struct ProgrammeBlock(pub programme_block::Model);

#[Object]
impl ProgrammeBlock {
    async fn id(&self) -> ID {
        ids::encode(NodeType::ProgrammeBlock, self.0.id)
    }
    async fn kind(&self) -> BlockKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Order within the event, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Event> {
        let event = load_one(ctx, EventById(self.0.event_id)).await?;
        Ok(Event(event.ok_or_else(|| AppError::not_found("event"))?))
    }
    /// Sessions of this block in programme order.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let sessions = load_list(ctx, SessionsOfBlock(self.0.id)).await?;
        Ok(sessions.into_iter().map(Session).collect())
    }
}

/// A plenary, workshop or learning-agenda session.
pub struct Session(pub session::Model);

#[Object]
impl Session {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Session, self.0.id)
    }
    /// Stable key within the event, e.g. `r1-abcd-in-de-wijkaanpak`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn kind(&self) -> SessionKind {
        self.0.kind.into()
    }
    async fn block(&self, ctx: &Context<'_>) -> async_graphql::Result<ProgrammeBlock> {
        let block = load_one(ctx, BlockById(self.0.block_id)).await?;
        Ok(ProgrammeBlock(
            block.ok_or_else(|| AppError::not_found("block"))?,
        ))
    }
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Event> {
        let event = load_one(ctx, EventById(self.0.event_id)).await?;
        Ok(Event(event.ok_or_else(|| AppError::not_found("event"))?))
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Hosts, speakers, facilitators and table guests, in the programme's order.
    async fn speakers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SessionSpeaker>> {
        let links = load_list(ctx, SpeakersOfSession(self.0.id)).await?;
        let people =
            load_many(ctx, links.iter().map(|l| PersonById(l.person_id)).collect()).await?;
        Ok(links
            .iter()
            .filter_map(|link| {
                let person = people.iter().find(|p| p.id == link.person_id)?;
                Some(SessionSpeaker {
                    person: Person(person.clone()),
                    role: link.role.into(),
                })
            })
            .collect())
    }
    async fn themes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Theme>> {
        let theme_ids = load_list(ctx, ThemeIdsOfSession(self.0.id)).await?;
        let themes = load_many(ctx, theme_ids.into_iter().map(ThemeById).collect()).await?;
        Ok(themes.into_iter().map(Theme).collect())
    }
    /// Organisations taking part in the session.
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let organisation_ids = load_list(ctx, OrganisationIdsOfSession(self.0.id)).await?;
        let organisations = load_many(
            ctx,
            organisation_ids.into_iter().map(OrganisationById).collect(),
        )
        .await?;
        Ok(organisations.into_iter().map(Organisation).collect())
    }
    /// The other times this same workshop is given (e.g. in both rounds).
    async fn other_occurrences(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let Some(workshop) = &self.0.workshop_key else {
            return Ok(Vec::new());
        };
        let sessions =
            load_list(ctx, SessionsOfWorkshop((self.0.event_id, workshop.clone()))).await?;
        Ok(sessions
            .into_iter()
            .filter(|s| s.id != self.0.id)
            .map(Session)
            .collect())
    }
    /// Whether participants may submit learning questions in this session now.
    async fn feedback_open(&self) -> bool {
        self.0.feedback_open
    }
    /// Learning questions submitted in this session that the viewer may read.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn learning_questions(
        &self,
        ctx: &Context<'_>,
        order_by: Option<super::feedback::LearningQuestionOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<super::feedback::LearningQuestion>> {
        let filter = crate::service::feedback::QuestionFilter {
            session_id: Some(self.0.id),
            ..Default::default()
        };
        super::feedback::list_questions(ctx, filter, order_by.unwrap_or_default(), first, after)
            .await
    }
}

/// A person in the role they have in one session.
#[derive(SimpleObject)]
pub struct SessionSpeaker {
    pub person: Person,
    pub role: SpeakerRole,
}

/// A host, speaker, facilitator or table guest.
pub struct Person(pub person::Model);

/// How to reach a person, where the programme prints it.
#[derive(SimpleObject)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

/// A person's tie to an organisation, with their function there where known.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Affiliation {
    #[graphql(skip)]
    pub organisation_id: i32,
    pub title: Option<String>,
}

#[ComplexObject]
impl Affiliation {
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Organisation> {
        let organisation = load_one(ctx, OrganisationById(self.organisation_id)).await?;
        Ok(Organisation(
            organisation.ok_or_else(|| AppError::not_found("organisation"))?,
        ))
    }
}

#[Object]
impl Person {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Person, self.0.id)
    }
    /// Stable key, e.g. `hadassah-de-boer`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    async fn contact(&self) -> Option<Contact> {
        let p = &self.0;
        (p.email.is_some() || p.phone.is_some() || p.website.is_some()).then(|| Contact {
            email: p.email.clone(),
            phone: p.phone.clone(),
            website: p.website.clone(),
        })
    }
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let affiliations = load_list(ctx, AffiliationsOfPerson(self.0.id)).await?;
        let organisations = load_many(
            ctx,
            affiliations
                .iter()
                .map(|a| OrganisationById(a.organisation_id))
                .collect(),
        )
        .await?;
        Ok(organisations.into_iter().map(Organisation).collect())
    }
    /// Organisations with the person's function at each.
    async fn affiliations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Affiliation>> {
        let affiliations = load_list(ctx, AffiliationsOfPerson(self.0.id)).await?;
        Ok(affiliations
            .into_iter()
            .map(|a| Affiliation {
                organisation_id: a.organisation_id,
                title: a.title,
            })
            .collect())
    }
    /// Sessions the person takes part in, in time order.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let sessions = load_list(ctx, SessionsOfPerson(self.0.id)).await?;
        Ok(sessions.into_iter().map(Session).collect())
    }
}

/// An organisation: municipality, housing corporation, knowledge institute, initiative, …
pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Organisation, self.0.id)
    }
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
}

/// A theme: of the learning agenda, a topic, or a question put to all participants.
pub struct Theme(pub theme::Model);

#[Object]
impl Theme {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Theme, self.0.id)
    }
    /// Stable across events, e.g. `gemengde-wijken`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn kind(&self) -> ThemeKind {
        self.0.kind.into()
    }
    /// The questions that guide the conversation on this theme, in order.
    async fn guiding_questions(&self) -> Vec<String> {
        self.0
            .guiding_questions
            .as_array()
            .map(|questions| {
                questions
                    .iter()
                    .filter_map(|q| q.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Sessions on this theme, in time order (over all events).
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let sessions = load_list(ctx, SessionsOfTheme(self.0.id)).await?;
        Ok(sessions.into_iter().map(Session).collect())
    }
    /// Learning questions on this theme that the viewer may read (over all events unless `eventSlug` is given).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn learning_questions(
        &self,
        ctx: &Context<'_>,
        event_slug: Option<String>,
        order_by: Option<super::feedback::LearningQuestionOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<super::feedback::LearningQuestion>> {
        let event_id = match event_slug {
            Some(slug) => Some(find_event(ctx, Some(&slug)).await?.id),
            None => None,
        };
        let filter = crate::service::feedback::QuestionFilter {
            theme_id: Some(self.0.id),
            event_id,
            ..Default::default()
        };
        super::feedback::list_questions(ctx, filter, order_by.unwrap_or_default(), first, after)
            .await
    }
}

/// A search result.
#[derive(Union)]
pub enum SearchHit {
    Session(Session),
    Person(Person),
    Theme(Theme),
    Organisation(Organisation),
}

/// Longest search text accepted.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most search hits returned.
pub const MAX_SEARCH_HITS: i32 = 50;

#[derive(Default)]
pub struct ProgrammeQuery;

#[Object]
impl ProgrammeQuery {
    /// Any object by its global ID; `null` when there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((node_type, number)) = ids::decode_any(&id) else {
            return Err(AppError::bad_input("id", "not a valid ID").into());
        };
        Ok(match node_type {
            NodeType::Event => load_one(ctx, EventById(number))
                .await?
                .map(|m| Node::Event(Event(m))),
            NodeType::ProgrammeBlock => load_one(ctx, BlockById(number))
                .await?
                .map(|m| Node::ProgrammeBlock(ProgrammeBlock(m))),
            NodeType::Session => load_one(ctx, SessionById(number))
                .await?
                .map(|m| Node::Session(Session(m))),
            NodeType::Person => load_one(ctx, PersonById(number))
                .await?
                .map(|m| Node::Person(Person(m))),
            NodeType::Organisation => load_one(ctx, OrganisationById(number))
                .await?
                .map(|m| Node::Organisation(Organisation(m))),
            NodeType::Theme => load_one(ctx, ThemeById(number))
                .await?
                .map(|m| Node::Theme(Theme(m))),
            NodeType::LearningQuestion => {
                let viewer = ctx.viewer();
                load_one(ctx, super::loaders::QuestionById(number))
                    .await?
                    .filter(|q| crate::auth::policy::may_read(&viewer, q))
                    .map(|q| Node::LearningQuestion(super::feedback::LearningQuestion(q)))
            }
        })
    }

    /// All events, earliest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        let rows = service::events(ctx.db()?).await.map_err(AppError::from)?;
        Ok(rows.into_iter().map(Event).collect())
    }

    /// The event with this slug; without a slug, the default (first) event. `NOT_FOUND` when there is none.
    async fn event(&self, ctx: &Context<'_>, slug: Option<String>) -> async_graphql::Result<Event> {
        Ok(Event(find_event(ctx, slug.as_deref()).await?))
    }

    /// A session by ID; `NOT_FOUND` when there is none.
    async fn session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Session> {
        let number = ids::decode(&id, NodeType::Session, "id")?;
        let session = load_one(ctx, SessionById(number)).await?;
        Ok(Session(session.ok_or_else(|| {
            AppError::not_found("no session with this ID")
        })?))
    }

    /// A person by ID; `NOT_FOUND` when there is none.
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Person> {
        let number = ids::decode(&id, NodeType::Person, "id")?;
        let person = load_one(ctx, PersonById(number)).await?;
        Ok(Person(person.ok_or_else(|| {
            AppError::not_found("no person with this ID")
        })?))
    }

    /// A theme by ID; `NOT_FOUND` when there is none.
    async fn theme(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Theme> {
        let number = ids::decode(&id, NodeType::Theme, "id")?;
        let theme = load_one(ctx, ThemeById(number)).await?;
        Ok(Theme(theme.ok_or_else(|| {
            AppError::not_found("no theme with this ID")
        })?))
    }

    /// Searches sessions, people, themes and organisations, ignoring case and accents.
    /// Every word must occur; hits in a title or name rank before hits in a description.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        event_slug: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<SearchHit>> {
        if query.trim().is_empty() {
            return Err(AppError::bad_input("query", "must not be empty").into());
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::bad_input(
                "query",
                format!("at most {MAX_QUERY_CHARS} characters"),
            )
            .into());
        }
        let limit = match first {
            None => 20,
            Some(n) if (0..=MAX_SEARCH_HITS).contains(&n) => n,
            Some(_) => {
                return Err(AppError::bad_input(
                    "first",
                    format!("between 0 and {MAX_SEARCH_HITS}"),
                )
                .into());
            }
        };
        let event_id = match event_slug {
            Some(slug) => Some(find_event(ctx, Some(&slug)).await?.id),
            None => None,
        };
        let matches = search_service::search(
            ctx.db()?,
            &query,
            event_id,
            usize::try_from(limit).unwrap_or(0),
        )
        .await
        .map_err(AppError::from)?;
        // One batch per kind, whatever the number of hits.
        use entity::enums::SearchKind;
        let ids_of = |kind| {
            matches
                .iter()
                .filter(move |m| m.kind == kind)
                .map(|m| m.entity_id)
        };
        let (sessions, people, themes, organisations) = futures_util::try_join!(
            load_many(ctx, ids_of(SearchKind::Session).map(SessionById).collect()),
            load_many(ctx, ids_of(SearchKind::Person).map(PersonById).collect()),
            load_many(ctx, ids_of(SearchKind::Theme).map(ThemeById).collect()),
            load_many(
                ctx,
                ids_of(SearchKind::Organisation)
                    .map(OrganisationById)
                    .collect()
            ),
        )?;
        let hits = matches
            .iter()
            .filter_map(|m| match m.kind {
                SearchKind::Session => sessions
                    .iter()
                    .find(|s: &&session::Model| s.id == m.entity_id)
                    .map(|s| SearchHit::Session(Session(s.clone()))),
                SearchKind::Person => people
                    .iter()
                    .find(|p: &&person::Model| p.id == m.entity_id)
                    .map(|p| SearchHit::Person(Person(p.clone()))),
                SearchKind::Theme => themes
                    .iter()
                    .find(|t: &&theme::Model| t.id == m.entity_id)
                    .map(|t| SearchHit::Theme(Theme(t.clone()))),
                SearchKind::Organisation => organisations
                    .iter()
                    .find(|o: &&organisation::Model| o.id == m.entity_id)
                    .map(|o| SearchHit::Organisation(Organisation(o.clone()))),
            })
            .collect();
        Ok(hits)
    }
}

/// The event with this slug, or the default event; `NOT_FOUND` otherwise.
pub async fn find_event(ctx: &Context<'_>, slug: Option<&str>) -> Result<event::Model, AppError> {
    service::event_by_slug(ctx.db()?, slug)
        .await?
        .ok_or_else(|| match slug {
            Some(slug) => AppError::not_found(format!("no event with slug {slug:?}")),
            None => AppError::not_found("there is no event yet"),
        })
}

#[derive(Default)]
pub struct ProgrammeMutation;

#[Object]
impl ProgrammeMutation {
    /// Opens or closes a session for learning questions (admins).
    async fn set_feedback_open(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        open: bool,
    ) -> async_graphql::Result<Session> {
        let actor = crate::auth::policy::require_admin(&ctx.viewer())?;
        let id = ids::decode(&session_id, NodeType::Session, "sessionId")?;
        let change = crate::service::admin::SessionChange {
            feedback_open: Some(open),
            ..Default::default()
        };
        let session = crate::service::admin::update_session(ctx.db()?, actor, id, change).await?;
        Ok(Session(session))
    }
}
