//! The bundled programme of the first event, compiled into the binary so `serve` works anywhere.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::programme_file::ProgrammeFile;
use crate::service::import::{ImportReport, import_programme};

/// File name used in messages about the bundled programme.
pub const BUNDLED_NAME: &str = "data/dag-van-de-buurt-2021.json";
/// The bundled programme: the Dag van de Buurt of 28 January 2021.
pub const BUNDLED_JSON: &str = include_str!("../data/dag-van-de-buurt-2021.json");

/// The bundled programme, parsed and validated.
pub fn bundled() -> anyhow::Result<ProgrammeFile> {
    Ok(ProgrammeFile::parse(BUNDLED_NAME, BUNDLED_JSON)?)
}

/// Imports the bundled programme when the database has no event yet.
pub async fn import_if_empty(db: &DatabaseConnection) -> anyhow::Result<Option<ImportReport>> {
    if entity::event::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let report = import_programme(db, &bundled()?)
        .await
        .map_err(crate::cli::cli_error)?;
    Ok(Some(report))
}
