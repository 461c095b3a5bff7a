//! sea-orm entities of buurtgraph. Plain data: no GraphQL or HTTP concerns live here.

pub mod account;
pub mod app_secret;
pub mod audit_log;
pub mod content_version;
pub mod enums;
pub mod event;
pub mod event_host;
pub mod event_theme;
pub mod learning_question;
pub mod moderation_action;
pub mod moderation_mode;
pub mod moderator_scope;
pub mod organisation;
pub mod participant;
pub mod person;
pub mod person_organisation;
pub mod programme_block;
pub mod revoked_token;
pub mod screen_link;
pub mod search_document;
pub mod session;
pub mod session_organisation;
pub mod session_person;
pub mod session_theme;
pub mod theme;
pub mod vote;

pub mod prelude;
