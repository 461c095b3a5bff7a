//! Per-request batch loading. One `ProgrammeLoader` answers every key type below with one
//! statement per batch, so a query's statement count does not grow with the data.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    event, organisation, person, person_organisation, programme_block, session, session_person,
    theme,
};
use sea_orm::{DatabaseConnection, DbErr};

use crate::service::programme as service;

/// Loads programme rows in batches.
pub struct ProgrammeLoader {
    db: DatabaseConnection,
}

/// The DataLoader a request uses; built fresh for each request so nothing is cached across requests.
pub type Loaders = Arc<DataLoader<ProgrammeLoader>>;

/// Builds the loaders for one request.
pub fn loaders(db: DatabaseConnection) -> Loaders {
    Arc::new(DataLoader::new(ProgrammeLoader { db }, tokio::spawn))
}

/// Errors are shared between the waiters of one batch.
pub type LoadError = Arc<DbErr>;

macro_rules! keys {
    ($($(#[$doc:meta])* $key:ident($inner:ty) => $value:ty, |$db:ident, $ids:ident| $body:expr;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub struct $key(pub $inner);

            impl Loader<$key> for ProgrammeLoader {
                type Value = $value;
                type Error = LoadError;

                async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                    let $db = &self.db;
                    let $ids: Vec<$inner> = keys.iter().map(|k| k.0.clone()).collect();
                    let found = $body.await.map_err(Arc::new)?;
                    Ok(found.into_iter().map(|(k, v)| ($key(k), v)).collect())
                }
            }
        )*
    };
}

keys! {
    EventById(i32) => event::Model, |db, ids| service::by_ids::<event::Entity>(db, event::Column::Id, &ids);
    BlockById(i32) => programme_block::Model, |db, ids| service::by_ids::<programme_block::Entity>(db, programme_block::Column::Id, &ids);
    SessionById(i32) => session::Model, |db, ids| service::by_ids::<session::Entity>(db, session::Column::Id, &ids);
    PersonById(i32) => person::Model, |db, ids| service::by_ids::<person::Entity>(db, person::Column::Id, &ids);
    OrganisationById(i32) => organisation::Model, |db, ids| service::by_ids::<organisation::Entity>(db, organisation::Column::Id, &ids);
    ThemeById(i32) => theme::Model, |db, ids| service::by_ids::<theme::Entity>(db, theme::Column::Id, &ids);
    BlocksOfEvent(i32) => Vec<programme_block::Model>, |db, ids| service::blocks_by_event(db, &ids);
    SessionsOfBlock(i32) => Vec<session::Model>, |db, ids| service::sessions_by_block(db, &ids);
    /// Sessions of one workshop given more than once: (event id, workshop key).
    SessionsOfWorkshop((i32, String)) => Vec<session::Model>, |db, ids| service::sessions_by_workshop(db, &ids);
    SpeakersOfSession(i32) => Vec<session_person::Model>, |db, ids| service::speakers_by_session(db, &ids);
    ThemeIdsOfSession(i32) => Vec<i32>, |db, ids| service::theme_ids_by_session(db, &ids);
    OrganisationIdsOfSession(i32) => Vec<i32>, |db, ids| service::organisation_ids_by_session(db, &ids);
    AffiliationsOfPerson(i32) => Vec<person_organisation::Model>, |db, ids| service::affiliations_by_person(db, &ids);
    SessionsOfPerson(i32) => Vec<session::Model>, |db, ids| service::sessions_by_person(db, &ids);
    SessionsOfTheme(i32) => Vec<session::Model>, |db, ids| service::sessions_by_theme(db, &ids);
    HostIdsOfEvent(i32) => Vec<i32>, |db, ids| service::host_ids_by_event(db, &ids);
    ThemesOfEvent(i32) => Vec<theme::Model>, |db, ids| service::themes_by_event(db, &ids);
}
