//! Database queries and commands, one module per domain area. Functions take
//! `&impl ConnectionTrait` so they run inside or outside a transaction.

pub mod accounts;
pub mod admin;
pub mod clusters;
pub mod content;
pub mod export;
pub mod feedback;
pub mod import;
pub mod live;
pub mod metrics;
pub mod moderation;
pub mod privacy;
pub mod programme;
pub mod schedule;
pub mod scopes;
pub mod screen_links;
pub mod search;
pub mod signed_out;
pub mod summary;
pub mod sync;
