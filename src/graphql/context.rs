//! Typed access to what a request carries, without `unwrap`.

use std::hash::Hash;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;

use super::loaders::{LoadError, Loaders, ProgrammeLoader, load_failed};
use crate::auth::Viewer;
use crate::db::Writer;
use crate::error::AppError;

pub trait ContextExt {
    fn db(&self) -> Result<&DatabaseConnection, AppError>;
    /// The connection for hot write paths (see `db::Writer`).
    fn writer(&self) -> Result<&Writer, AppError>;
    fn loaders(&self) -> Result<&Loaders, AppError>;
    fn viewer(&self) -> Viewer;
}

impl ContextExt for Context<'_> {
    fn db(&self) -> Result<&DatabaseConnection, AppError> {
        self.data::<DatabaseConnection>().map_err(|_| {
            AppError::internal(anyhow::anyhow!("database missing from the schema data"))
        })
    }

    fn writer(&self) -> Result<&Writer, AppError> {
        self.data::<Writer>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("writer missing from the schema data")))
    }

    fn loaders(&self) -> Result<&Loaders, AppError> {
        self.data::<Loaders>().map_err(|_| {
            AppError::internal(anyhow::anyhow!("loaders missing from the request data"))
        })
    }

    fn viewer(&self) -> Viewer {
        self.data_opt::<Viewer>().cloned().unwrap_or_default()
    }
}

/// Loads one value by key through the request's loaders.
pub async fn load_one<K>(
    ctx: &Context<'_>,
    key: K,
) -> Result<Option<<ProgrammeLoader as Loader<K>>::Value>, AppError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ProgrammeLoader: Loader<K, Error = LoadError>,
{
    ctx.loaders()?
        .load_one(key)
        .await
        .map_err(|err| load_failed(&err))
}

/// Loads a list by key; a missing key is an empty list.
pub async fn load_list<K, V>(ctx: &Context<'_>, key: K) -> Result<Vec<V>, AppError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    ProgrammeLoader: Loader<K, Value = Vec<V>, Error = LoadError>,
{
    Ok(load_one(ctx, key).await?.unwrap_or_default())
}

/// Loads many values by key, keeping the order of `keys` and skipping missing ones.
pub async fn load_many<K, V>(ctx: &Context<'_>, keys: Vec<K>) -> Result<Vec<V>, AppError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    ProgrammeLoader: Loader<K, Value = V, Error = LoadError>,
{
    let mut found = ctx
        .loaders()?
        .load_many(keys.clone())
        .await
        .map_err(|err| load_failed(&err))?;
    Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
}
