//! sea-orm entities of buurtgraph. Plain data: no GraphQL or HTTP concerns live here.

pub mod enums;
pub mod event;
pub mod event_host;
pub mod event_theme;
pub mod organisation;
pub mod person;
pub mod person_organisation;
pub mod programme_block;
pub mod search_document;
pub mod session;
pub mod session_organisation;
pub mod session_person;
pub mod session_theme;
pub mod theme;

pub mod prelude;
