//! Writing a desired state over the stored one, touching only what differs. Used by the
//! importer (and admin edits) so that re-importing a file changes exactly what changed.

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    ModelTrait,
};

use crate::error::AppResult;

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

/// Counts per kind of row, for the import report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChangeCount {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
}

impl ChangeCount {
    pub fn record(&mut self, change: Change) {
        match change {
            Change::Created => self.created += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }

    pub fn changed(&self) -> bool {
        self.created + self.updated + self.deleted > 0
    }
}

/// Inserts `desired` (its primary key is ignored) when `existing` is `None`, updates when
/// they differ, and leaves the row alone when they are equal.
pub async fn save_row<A, M>(
    db: &impl ConnectionTrait,
    existing: Option<M>,
    desired: M,
    id_column: <A::Entity as EntityTrait>::Column,
) -> AppResult<(M, Change)>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    A::Entity: EntityTrait<Model = M>,
    M: ModelTrait<Entity = A::Entity> + IntoActiveModel<A> + PartialEq + Clone + Send + Sync,
{
    match existing {
        Some(existing) if existing == desired => Ok((existing, Change::Unchanged)),
        Some(_) => {
            let row = desired.into_active_model().reset_all();
            Ok((row.update(db).await?, Change::Updated))
        }
        None => {
            let mut row = desired.into_active_model().reset_all();
            row.not_set(id_column);
            Ok((row.insert(db).await?, Change::Created))
        }
    }
}

/// Makes the stored link rows equal to `desired`: deletes the stale ones, inserts the
/// missing ones. Returns (inserted, deleted).
pub async fn sync_links<A, M>(
    db: &impl ConnectionTrait,
    existing: Vec<M>,
    desired: Vec<M>,
) -> AppResult<(usize, usize)>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    A::Entity: EntityTrait<Model = M>,
    M: ModelTrait<Entity = A::Entity> + IntoActiveModel<A> + PartialEq + Clone + Send + Sync,
{
    let stale: Vec<M> = existing
        .iter()
        .filter(|row| !desired.contains(row))
        .cloned()
        .collect();
    let fresh: Vec<M> = desired
        .into_iter()
        .filter(|row| !existing.contains(row))
        .collect();
    for row in &stale {
        <A::Entity as EntityTrait>::delete(row.clone().into_active_model())
            .exec(db)
            .await?;
    }
    for chunk in fresh.chunks(500) {
        let rows = chunk
            .iter()
            .map(|row| row.clone().into_active_model().reset_all());
        <A::Entity as EntityTrait>::insert_many(rows)
            .exec(db)
            .await?;
    }
    Ok((fresh.len(), stale.len()))
}
