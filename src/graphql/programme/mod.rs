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

use async_graphql::{ID, Interface};

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
