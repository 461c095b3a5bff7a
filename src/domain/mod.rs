//! Pure domain rules: no database, no HTTP. Unit-tested in place.

pub mod access_code;
pub mod cluster;
pub mod moderation;
pub mod paraphrases;
pub mod question;
pub mod similarity;
pub mod slug;
pub mod text;
pub mod venue;
