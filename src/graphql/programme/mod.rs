//! The programme as front ends read it: events, blocks, sessions, people, organisations, themes.
//! One file per object type (or small group); the root fields are in `query` and `mutation`.

mod block;
mod enums;
mod event;
mod mutation;
mod organisation;
mod person;
mod query;
mod search;
mod session;
mod theme;

use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use async_graphql::{Context, ID, Interface};

pub use block::ProgrammeBlock;
pub use enums::{BlockKind, SessionKind, SpeakerRole, ThemeKind};
pub use event::{Event, SessionFilter};
pub use mutation::ProgrammeMutation;
pub use organisation::Organisation;
pub use person::{Affiliation, Contact, Person};
pub use query::{ProgrammeQuery, find_event};
pub use search::{MAX_QUERY_CHARS, SearchConnection, SearchHit};
pub use session::{Session, SessionSpeaker};
pub use theme::Theme;

/// Anything with a global ID.
// Programme variants hold a pointer into the snapshot; one value per `node` lookup, so the
// question's larger row costs nothing worth boxing.
#[allow(clippy::large_enum_variant)]
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

/// The programme snapshot this request reads. An admin's mutation reads the version in the
/// database first, so that what it returns (a session's speakers after `linkSpeaker`, say)
/// shows its own change.
pub async fn snapshot(
    ctx: &Context<'_>,
) -> Result<Arc<crate::readmodel::Snapshot>, crate::error::AppError> {
    use crate::graphql::context::ContextExt;
    let fresh =
        ctx.query_env.operation.node.ty == OperationType::Mutation && ctx.viewer().is_admin();
    ctx.loaders()?.loader().snapshot(fresh).await
}
