//! Pure domain rules: no database, no HTTP. Unit-tested in place.

pub mod slug;
pub mod text;
